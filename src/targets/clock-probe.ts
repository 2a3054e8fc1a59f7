/**
 * The I/O edge of the clock-offset estimate (src/core/clock-offset.ts): plain GET requests to the target's
 * endpoint, timed on this machine's clock, read for their `Date` header. Any response carries one (AWS answers
 * an unsigned GET with an error document and a Date), so nothing is invoked and no credentials are sent.
 */
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { performance } from 'node:perf_hooks';
import { SdkTarget } from './sdk-target.js';
import type { Target } from './target.js';
import { estimateOffset, intersectBounds, probeTimes, type ClockOffset, type DateSample } from '../core/clock-offset.js';

/** How hard to probe. */
export interface ClockProbeOptions {
  /** Rounds after the first response (each one ~1 s long); default 2. */
  rounds?: number;
  /** Requests per round; default 19 (each round cuts the window into 20 parts). */
  perRound?: number;
  /** Per-request timeout, ms; default 2,000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** This machine's wall clock with sub-millisecond resolution, ms since the epoch (the clock shards record instants on). */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** One GET; resolves its sample, or undefined when it failed or had no usable Date header. */
function probe(url: URL, agent: HttpAgent, timeoutMs: number): Promise<DateSample | undefined> {
  return new Promise((resolve) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // Taken before the request exists: the window can only widen by what happens before the write, never be wrong.
    const sentMs = wallClockMs();
    const req = send(url, { method: 'GET', agent, timeout: timeoutMs, headers: { 'user-agent': 'coldprobe-clock-probe' } }, (res) => {
      const receivedMs = wallClockMs();
      const dateMs = Date.parse(res.headers.date ?? '');
      res.resume();
      resolve(Number.isFinite(dateMs) ? { sentMs, receivedMs, dateMs } : undefined);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** Resolves at local wall-clock `atMs` (or at once when it has passed). */
function until(atMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, atMs - wallClockMs()));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Estimate this machine's clock offset against the server at `endpoint` (`http(s)://host[:port]`), in about
 * `rounds` + 1 seconds; undefined when no response had a Date header or the responses contradict each other.
 */
export async function measureClockOffset(endpoint: string, options: ClockProbeOptions = {}): Promise<ClockOffset | undefined> {
  const url = new URL('/', endpoint);
  const timeoutMs = options.timeoutMs ?? 2_000;
  const perRound = options.perRound ?? 19;
  // Keep-alive: after the first request, a probe costs one round trip and not a new connection (TLS on AWS).
  const agent = url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const samples: DateSample[] = [];
  try {
    // Twice: the first request pays for the connection, so the second gives the narrower window to start from.
    for (let i = 0; i < 2; i += 1) {
      const s = await probe(url, agent, timeoutMs);
      if (s !== undefined) samples.push(s);
    }
    for (let round = 0; round < (options.rounds ?? 2); round += 1) {
      const bounds = intersectBounds(samples);
      if (bounds === undefined || options.signal?.aborted) break;
      const rtts = samples.map((s) => s.receivedMs - s.sentMs).sort((a, b) => a - b);
      const rttMs = rtts[Math.floor(rtts.length / 2)] ?? 0;
      // A window already as narrow as a round trip cannot be cut finer by more requests.
      if (bounds.highMs - bounds.lowMs <= 2 * rttMs + 1) break;
      // Sent on time, one after another, each without waiting for the previous answer.
      const pending: Array<Promise<DateSample | undefined>> = [];
      for (const at of probeTimes(bounds, wallClockMs() + 5, perRound)) {
        await until(at, options.signal);
        if (options.signal?.aborted) break;
        pending.push(probe(url, agent, timeoutMs));
      }
      for (const s of await Promise.all(pending)) if (s !== undefined) samples.push(s);
    }
  } finally {
    agent.destroy();
  }
  return estimateOffset(samples, `http-date ${url.host}`);
}

/**
 * Where to probe a target's clock: the endpoint its invocations go to (an override, the emulator's), else Lambda's
 * regional endpoint for the client's region; undefined when neither is known.
 */
export async function clockProbeUrl(target: Target): Promise<string | undefined> {
  if (target.endpoint !== undefined) return target.endpoint;
  if (!(target instanceof SdkTarget)) return undefined;
  const region = await target.client.config.region();
  return `https://lambda.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}
