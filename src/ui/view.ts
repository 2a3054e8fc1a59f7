/**
 * Picks the run's view: the live TUI when a person is watching a terminal, otherwise the plain line log.
 * Both are sinks over the same events; the plain output is never silent.
 */
// Must stay the first import: it selects React's production build before the TUI loads React.
import './react-production.js';
import { performance } from 'node:perf_hooks';
import type { EventSink } from '../core/events.js';
import { createPlainSink } from './plain.js';
import { startTui, type TuiIo } from './tui.js';

/** What choosing a view needs of the process (the CLI's io satisfies it). */
export interface ViewIo extends TuiIo {
  stderr: TuiIo['stderr'] & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Flags that force plain output. */
export interface ViewFlags {
  /** `--no-tui`. */
  noTui?: boolean;
  /** `--json`: stdout carries JSON only, so the plain log goes to stderr. */
  json?: boolean;
}

/** The chosen view: feed `sink` the run's events, then `finish` once with the final summary. */
export interface View {
  kind: 'tui' | 'plain';
  sink: EventSink;
  /**
   * Ends the view. TUI: replaces the live region with `finalText` and the results path, and restores the
   * terminal. Plain: prints `finalText` and the results path on stdout. With `--json` only the results path is
   * printed (on stderr): the caller prints the JSON.
   */
  finish(finalText: string, resultsPath?: string): Promise<void>;
}

/** True when the live TUI should run: stdout is a terminal, `CI` is unset, and neither `--no-tui` nor `--json`. */
export function wantsTui(io: Pick<ViewIo, 'stdout' | 'env'>, flags: ViewFlags): boolean {
  if (flags.noTui || flags.json) return false;
  if (io.stdout.isTTY !== true) return false;
  const ci = io.env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') return false;
  return io.env.TERM !== 'dumb';
}

function colorFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/** Chooses the TUI or the plain sink for this process and these flags. */
export function chooseView(io: ViewIo, flags: ViewFlags): View {
  if (wantsTui(io, flags)) {
    const tui = startTui(io, { color: colorFor(io.stdout, io.env) });
    return { kind: 'tui', sink: tui.sink, finish: (text, path) => tui.finish(text, path) };
  }
  const out = flags.json ? io.stderr : io.stdout;
  const sink = createPlainSink((s) => out.write(s), { color: colorFor(out, io.env), now: () => performance.now() });
  return {
    kind: 'plain',
    sink,
    async finish(finalText, resultsPath) {
      if (!flags.json && finalText !== '') io.stdout.write(finalText.endsWith('\n') ? finalText : `${finalText}\n`);
      if (resultsPath) out.write(`results: ${resultsPath}\n`);
    },
  };
}
