/**
 * The clock probe against real HTTP servers on 127.0.0.1: one whose Date runs a known offset ahead of this
 * machine's clock, and one whose Date never changes (the estimate must then say it cannot tell, not guess).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { measureClockOffset, wallClockMs } from '../../src/targets/clock-probe.js';

const servers: Server[] = [];

/** A server whose Date header is this machine's clock plus `offsetMs`, or the fixed `date`. */
async function serve(dateOf: () => string): Promise<string> {
  const server = createServer((_req, res) => {
    res.setHeader('Date', dateOf());
    res.end('{}');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('measureClockOffset', () => {
  it('finds a known offset within its own uncertainty, far finer than the Date header\'s one second', async () => {
    const offsetMs = 3_742.6;
    const endpoint = await serve(() => new Date(wallClockMs() + offsetMs).toUTCString());
    const estimate = await measureClockOffset(endpoint);
    expect(estimate).toBeDefined();
    const { offsetMs: got = NaN, uncertaintyMs = NaN, samples = 0 } = estimate ?? {};
    expect(Math.abs(got - offsetMs)).toBeLessThanOrEqual(uncertaintyMs);
    // One response alone leaves a window of a second; the probing must have cut it by at least ten times.
    expect(uncertaintyMs).toBeLessThan(50);
    expect(samples).toBeGreaterThan(10);
    expect(estimate?.source).toMatch(/^http-date 127\.0\.0\.1:\d+$/);
  }, 20_000);

  it('gives no estimate when the Date headers contradict the clock, and none when nothing answers', async () => {
    let calls = 0;
    // Jumps a minute forward and back: no single offset explains every response.
    const endpoint = await serve(() => new Date(wallClockMs() + (calls++ % 2 === 0 ? 0 : 60_000)).toUTCString());
    expect(await measureClockOffset(endpoint, { rounds: 1, perRound: 3 })).toBeUndefined();
    const closed = await serve(() => '');
    await new Promise((resolve) => servers.pop()?.close(resolve));
    expect(await measureClockOffset(closed, { rounds: 1, perRound: 3, timeoutMs: 500 })).toBeUndefined();
  }, 20_000);
});
