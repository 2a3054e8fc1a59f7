/**
 * The emulator in a child process of its own (host.ts), driven over IPC. A burst's driver spends its loop on
 * the SDK and on thousands of sockets; the emulator must read each invocation when it arrives, so the two
 * must not share a loop. The child dies with its parent (it watches the IPC channel) and takes its runtimes
 * with it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EmulatorFailure, EmulatorOptions, EnvironmentSnapshot, FunctionDefinition } from './api.js';
import type { HostCall, HostMessage, ParentMessage } from './host-protocol.js';

/** How long the child may take to listen before the start counts as failed. */
const START_TIMEOUT_MS = 15_000;
/** How long a close may take before the child is killed. */
const CLOSE_TIMEOUT_MS = 10_000;

/** An emulator running in its own process; every query is a round trip over IPC. */
export interface RemoteEmulator {
  /** `http://host:port`, for the SDK's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  /** Environments allowed to initialise at once. */
  readonly initSlots: number;
  /** The emulator process. */
  readonly pid: number;
  /** How long the child took from fork to listening, ms. */
  readonly startMs: number;
  registerFunction(definition: FunctionDefinition): Promise<void>;
  functionNames(): Promise<string[]>;
  drainIdle(functionName?: string): Promise<number>;
  environments(): Promise<EnvironmentSnapshot[]>;
  /** Failures of the emulator itself so far (out of file descriptors or processes, or the process died). */
  failures(): EmulatorFailure[];
  /** Stops every environment and the process. Safe to call twice. */
  close(): Promise<void>;
}

/** Why the emulator process could not start (carries the child's error name and code). */
export class EmulatorStartError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly causeName: string,
  ) {
    super(message);
    this.name = 'EmulatorStartError';
  }
}

type CallBody = HostCall extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

/** The host module and the node flags it needs: the built .js, or the .ts source through tsx (tests, tsx runs). */
function hostEntry(): { path: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const path = fileURLToPath(new URL(fromSource ? './host.ts' : './host.js', import.meta.url));
  if (!fromSource) return { path, execArgv: [] };
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return { path, execArgv: ['--import', pathToFileURL(tsx).href] };
}

/** Starts the emulator in a child process; resolves once it listens. `log` and `onFailure` run in this process. */
export async function spawnEmulator(options: EmulatorOptions = {}): Promise<RemoteEmulator> {
  const { log, onFailure, ...plain } = options;
  const entry = hostEntry();
  const startedAt = performance.now();
  const child: ChildProcess = fork(entry.path, [], {
    execArgv: entry.execArgv,
    // stderr is kept for the message of a child that dies before it can say why.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
  });

  const failures: EmulatorFailure[] = [];
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exited = false;
  let closing = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  // Only calls in flight keep this process alive: an idle emulator must not hold a finished CLI open.
  const channel = (child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
  const holdOpen = (): void => {
    if (pending.size > 0) {
      child.ref();
      channel?.ref();
    } else {
      child.unref();
      channel?.unref();
    }
  };

  const fail = (failure: EmulatorFailure): void => {
    failures.push(failure);
    onFailure?.(failure);
  };

  const ready = new Promise<Extract<HostMessage, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new EmulatorStartError(`the emulator process did not start within ${START_TIMEOUT_MS / 1000} s`, 'ETIMEDOUT', 'Error'));
    }, START_TIMEOUT_MS);
    child.on('message', (message: HostMessage) => {
      switch (message.type) {
        case 'ready':
          clearTimeout(timer);
          resolve(message);
          return;
        case 'startFailed':
          clearTimeout(timer);
          reject(new EmulatorStartError(message.message, message.code, message.name));
          return;
        case 'reply': {
          const call = pending.get(message.id);
          if (call === undefined) return;
          pending.delete(message.id);
          holdOpen();
          if (message.ok) call.resolve(message.value);
          else call.reject(new Error(`emulator: ${message.message}`));
          return;
        }
        case 'log':
          log?.(message.line);
          return;
        case 'failure':
          fail(message.failure);
          return;
        case 'fatal':
          log?.(`emulator crashed: ${message.message}`);
          fail({ code: 'ECRASH', message: firstLine(message.message) });
          return;
      }
    });
    child.once('exit', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      const why = `the emulator process exited (${signal ?? `code ${code ?? '?'}`})${stderrTail.trim() === '' ? '' : `: ${firstLine(stderrTail.trim())}`}`;
      reject(new EmulatorStartError(why, undefined, 'Error'));
      if (!closing && failures.length === 0) fail({ code: 'EEXITED', message: why });
      for (const call of pending.values()) call.reject(new Error(why));
      pending.clear();
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new EmulatorStartError(`the emulator process could not start: ${error.message}`, (error as NodeJS.ErrnoException).code, error.name));
    });
  });

  const call = <T>(body: CallBody): Promise<T> => {
    if (exited) return Promise.reject(new Error('the emulator process has exited'));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      holdOpen();
      const message = { type: 'call', id, ...body } as ParentMessage;
      child.send(message, (error) => {
        if (error === null || !pending.has(id)) return;
        pending.delete(id);
        holdOpen();
        reject(error);
      });
    });
  };

  child.send({ type: 'start', options: plain } satisfies ParentMessage);
  let info: Extract<HostMessage, { type: 'ready' }>;
  try {
    info = await ready;
  } catch (error) {
    if (!exited) child.kill('SIGKILL');
    throw error;
  }
  holdOpen();
  const startMs = performance.now() - startedAt;

  let closed: Promise<void> | undefined;
  return {
    endpoint: info.endpoint,
    port: info.port,
    region: info.region,
    initSlots: info.initSlots,
    pid: info.pid,
    startMs,
    registerFunction: (definition) => call<null>({ method: 'registerFunction', definition }).then(() => undefined),
    functionNames: () => call<string[]>({ method: 'functionNames' }),
    drainIdle: (functionName) => call<number>(functionName === undefined ? { method: 'drainIdle' } : { method: 'drainIdle', functionName }),
    environments: () => call<EnvironmentSnapshot[]>({ method: 'environments' }),
    failures: () => [...failures],
    close() {
      closed ??= (async () => {
        closing = true;
        if (exited) return;
        const timer = setTimeout(() => child.kill('SIGTERM'), CLOSE_TIMEOUT_MS);
        child.ref();
        await call<null>({ method: 'close' }).catch(() => undefined);
        await exit;
        clearTimeout(timer);
      })();
      return closed;
    },
  };
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? text;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
