/**
 * A CLI command: parses its own arguments, does its job, returns an exit code. Commands never call
 * process.exit and never print a stack trace; they throw ColdprobeError for setup failures.
 */
import type { Writable } from 'node:stream';

/** Everything a command may touch of the process, injected so tests can run commands in-process. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: Writable & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on the first Ctrl-C (SIGINT/SIGTERM): stop cleanly, write partial results, return 130. */
  signal: AbortSignal;
  /**
   * Ask main to stop, as Ctrl-C does (the second time: at once); for a TUI's own key handling. `'view'`: the
   * live view shows the stop, so main writes no line of its own under it.
   */
  requestInterrupt: (shownBy?: 'view') => void;
}

export interface Command {
  name: string;
  /** One line for `coldprobe --help`. */
  summary: string;
  /** Full help text for `coldprobe <name> --help`. */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** Whether colour is wanted: not `--no-color`, and NO_COLOR unset or empty (https://no-color.org). Read once per command. */
export function colorWanted(io: Pick<CliIo, 'env'>, noColorFlag: boolean | undefined): boolean {
  const noColor = io.env.NO_COLOR;
  return noColorFlag !== true && (noColor === undefined || noColor === '');
}
