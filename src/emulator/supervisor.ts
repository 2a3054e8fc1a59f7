/**
 * One child process per environment: which program a runtime runs, the environment variables Lambda gives it
 * (lambda-protocol.md §3.6), output capture, max RSS, and a stop that escalates from SIGTERM to SIGKILL.
 * Each runtime leads its own process group (its own session, so a terminal's Ctrl-C reaches the emulator, which
 * decides, and not the runtimes); stopping an environment signals the whole group, so whatever a `provided`
 * bootstrap started goes with it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder holding the runtime bootstraps (works from src/ under tsx/vitest and from dist/ after the build). */
const RUNTIMES_DIR = fileURLToPath(new URL('./runtimes/', import.meta.url));

/** Everything needed to start one runtime process. */
export interface RuntimeSpec {
  functionName: string;
  version: string;
  runtime: string;
  handler: string;
  codeDir: string;
  memoryMb: number;
  initType: 'on-demand' | 'provisioned-concurrency';
  /** `127.0.0.1:<port>` of this environment's Runtime API listener. */
  runtimeApi: string;
  region: string;
  environment: Record<string, string>;
}

/** Runs `command args` and resolves with its trimmed stdout (rejects on failure or after `timeoutMs`). */
export type CommandOutput = (command: string, args: string[], timeoutMs: number) => Promise<string>;

const commandOutput: CommandOutput = (command, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout) => (error === null ? resolve(stdout.trim()) : reject(error)));
  });

/**
 * The Python interpreter to run: `COLDPROBE_PYTHON` when set, else the real executable behind `python3` as it
 * reports itself (`sys.executable`), else `python3`. A version manager's `python3` is often a shell shim
 * (pyenv's adds 200–400 ms per start here), which Init Duration would otherwise count as the runtime's own.
 */
export async function findPythonExecutable(env: NodeJS.ProcessEnv = process.env, run: CommandOutput = commandOutput): Promise<string> {
  const override = env['COLDPROBE_PYTHON'];
  if (override !== undefined && override.trim() !== '') return override.trim();
  try {
    const executable = await run('python3', ['-c', 'import sys; print(sys.executable)'], 10_000);
    // sys.executable is '' (or None) when Python cannot tell; only an absolute path is worth trusting.
    return isAbsolute(executable) && !executable.includes('\n') ? executable : 'python3';
  } catch {
    return 'python3';
  }
}

let pythonExecutable: Promise<string> | undefined;

/** findPythonExecutable(), asked once per emulator process (the answer does not change while it runs). */
export function pythonProgram(): Promise<string> {
  pythonExecutable ??= findPythonExecutable();
  return pythonExecutable;
}

/** Program and arguments a runtime id starts, or why it cannot start; `python` is the interpreter python runtimes run. */
export function runtimeCommand(
  spec: Pick<RuntimeSpec, 'runtime' | 'codeDir' | 'memoryMb'>,
  python = 'python3',
): { command: string; args: string[]; runtimeDir: string } | { error: string } {
  if (spec.runtime.startsWith('nodejs')) {
    const runtimeDir = join(RUNTIMES_DIR, 'nodejs');
    // Lambda's node runtime caps the old space below the memory size, so a function sees its memory limit as heap pressure.
    const heapMb = Math.max(32, Math.floor(spec.memoryMb * 0.9));
    return { command: process.execPath, args: [`--max-old-space-size=${heapMb}`, join(runtimeDir, 'bootstrap.cjs')], runtimeDir };
  }
  if (spec.runtime.startsWith('python')) {
    const runtimeDir = join(RUNTIMES_DIR, 'python');
    return { command: python, args: ['-u', join(runtimeDir, 'bootstrap.py')], runtimeDir };
  }
  if (spec.runtime.startsWith('provided')) {
    return { command: join(spec.codeDir, 'bootstrap'), args: [], runtimeDir: spec.codeDir };
  }
  return { error: `Unsupported runtime: ${spec.runtime}` };
}

/** The environment variables of lambda-protocol.md §3.6 (the function's own variables cannot override reserved ones). */
export function runtimeEnvironment(spec: RuntimeSpec, runtimeDir: string): Record<string, string> {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const env: Record<string, string> = {
    ...spec.environment,
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_LAMBDA_RUNTIME_API: spec.runtimeApi,
    _HANDLER: spec.handler,
    LAMBDA_TASK_ROOT: spec.codeDir,
    LAMBDA_RUNTIME_DIR: runtimeDir,
    AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: spec.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: spec.initType,
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[${spec.version}]${randomBytes(16).toString('hex')}`,
    AWS_REGION: spec.region,
    AWS_DEFAULT_REGION: spec.region,
    AWS_ACCESS_KEY_ID: 'ASIACOLDPROBEEMULATOR',
    AWS_SECRET_ACCESS_KEY: 'coldprobe-emulator-dummy-secret',
    AWS_SESSION_TOKEN: 'coldprobe-emulator-dummy-token',
  };
  // Custom runtimes (provided*) get no AWS_EXECUTION_ENV on Lambda; managed runtimes do.
  if (!spec.runtime.startsWith('provided')) env['AWS_EXECUTION_ENV'] = `AWS_Lambda_${spec.runtime}`;
  return env;
}

/**
 * Runtimes run this much nicer than the emulator (and the CLI). On Lambda a function's CPU never competes
 * with the service reading requests; here, on a busy machine, initialising runtimes would otherwise delay the
 * reading of arrivals until an environment has already freed up, and turn cold starts into warm ones.
 */
export const RUNTIME_NICE = 5;

/** Process groups of the runtimes alive now (their leaders' pids). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Sends `signal` to the process group `pgid`; false when the group is already gone. */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGKILLs every runtime's process group at once, synchronously: for the emulator's last moments (its parent
 * died, or it is crashing), when there is no time for a graceful stop.
 */
export function killAllRuntimes(): number {
  let n = 0;
  for (const pgid of liveGroups) if (signalGroup(pgid, 'SIGKILL')) n += 1;
  liveGroups.clear();
  return n;
}

/** This process's nice value (a runtime's is RUNTIME_NICE above it). */
function niceOfThisProcess(): number {
  try {
    return getPriority();
  } catch {
    return 0;
  }
}

/** Error codes that mean the machine (or this process) ran out of something, not that the function failed. */
export const RESOURCE_ERRORS: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM']);

/** What the supervisor reports about its process. */
export interface ProcessEvents {
  /** stdout/stderr bytes, in arrival order. */
  output(chunk: Buffer): void;
  /** The process is gone (or never started: code null, signal null, `spawnError` set) and its output is drained. */
  exit(code: number | null, signal: NodeJS.Signals | null, spawnError?: string): void;
  /** The runtime could not be started for lack of a resource (`EMFILE`, `EAGAIN`, …): the emulator's failure, not the function's. */
  resourceError?(code: string, message: string): void;
}

/** A running runtime process. */
export interface RuntimeProcess {
  readonly pid: number | undefined;
  /** SIGTERM now, SIGKILL after `graceMs` if still alive. Idempotent. */
  stop(graceMs: number): void;
  /** SIGKILL now. */
  kill(): void;
  /** Peak resident memory so far in KB (VmHWM), or undefined where /proc is unavailable or the process is gone. */
  readPeakRssKb(): Promise<number | undefined>;
}

/**
 * Spawns the runtime for `spec` (python runtimes run `python`, see pythonProgram); all outcomes, including a
 * failed spawn, arrive through `events`.
 */
export function spawnRuntime(spec: RuntimeSpec, events: ProcessEvents, python?: string): RuntimeProcess {
  const command = runtimeCommand(spec, python);
  if ('error' in command) {
    const failed = command.error;
    queueMicrotask(() => events.exit(null, null, failed));
    return { pid: undefined, stop() {}, kill() {}, readPeakRssKb: async () => undefined };
  }
  let child: ChildProcess;
  try {
    child = spawn(command.command, command.args, {
      cwd: spec.codeDir,
      env: runtimeEnvironment(spec, command.runtimeDir),
      stdio: ['ignore', 'pipe', 'pipe'],
      // setsid(): the runtime leads a new process group (and session) that stop() can signal as a whole.
      detached: true,
    });
  } catch (error) {
    // spawn throws (instead of emitting 'error') when the pipes cannot be made: out of file descriptors.
    const code = (error as NodeJS.ErrnoException).code ?? 'EMFILE';
    const message = error instanceof Error ? error.message : String(error);
    queueMicrotask(() => {
      events.resourceError?.(code, message);
      events.exit(null, null, message);
    });
    return { pid: undefined, stop() {}, kill() {}, readPeakRssKb: async () => undefined };
  }
  const pgid = child.pid;
  if (pgid !== undefined) {
    try {
      setPriority(pgid, Math.min(19, niceOfThisProcess() + RUNTIME_NICE));
    } catch {
      // Gone already, or not permitted: it runs at our own priority.
    }
    // Runtimes sit in sessions of their own, out of reach of the terminal's signals: whatever way this process
    // exits (process.exit, an uncaught exception), it takes them along.
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', killAllRuntimes);
    }
    liveGroups.add(pgid);
  }
  let done = false;
  let killTimer: NodeJS.Timeout | undefined;
  const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: string): void => {
    if (done) return;
    done = true;
    if (killTimer !== undefined) clearTimeout(killTimer);
    if (pgid !== undefined) liveGroups.delete(pgid);
    events.exit(code, signal, spawnError);
  };
  child.stdout?.on('data', events.output);
  child.stderr?.on('data', events.output);
  child.on('error', (error) => {
    if (child.pid !== undefined) return;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && RESOURCE_ERRORS.has(code)) events.resourceError?.(code, error.message);
    // ENOENT/EACCES: the program never ran (e.g. a provided function without an executable bootstrap).
    finish(null, null, error.message);
  });
  // The leader is gone: whatever it left behind in its group goes too (it would hold the output pipes open).
  child.on('exit', () => {
    if (pgid !== undefined) signalGroup(pgid, 'SIGKILL');
  });
  // 'close' waits for stdout/stderr to drain, so the output of the last moments lands in the right log.
  child.on('close', (code, signal) => finish(code, signal));
  const statusFile = child.pid === undefined ? undefined : `/proc/${child.pid}/status`;
  return {
    pid: child.pid,
    stop(graceMs: number) {
      if (done || killTimer !== undefined || pgid === undefined) return;
      signalGroup(pgid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), graceMs);
      killTimer.unref();
    },
    kill() {
      if (!done && pgid !== undefined) signalGroup(pgid, 'SIGKILL');
    },
    async readPeakRssKb() {
      if (statusFile === undefined || done) return undefined;
      try {
        const text = await readFile(statusFile, 'latin1');
        const match = /VmHWM:\s+(\d+) kB/.exec(text);
        return match?.[1] === undefined ? undefined : Number(match[1]);
      } catch {
        return undefined;
      }
    },
  };
}
