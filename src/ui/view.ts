/**
 * Picks the run's view: the live TUI when a person is watching a terminal, otherwise the plain line log.
 * Both are sinks over the same events and read the same tally; the plain output is never silent. The TUI (ink
 * and React) is imported only when it is shown, so piped runs and CI never load it.
 */
import { performance } from 'node:perf_hooks';
import type { EventSink } from '../core/events.js';
import type { RunTally } from '../core/tally.js';
import { createPlainSink } from './plain.js';
import type { TuiIo } from './tui.js';

/** What choosing a view needs of the process (the CLI's io satisfies it). */
export interface ViewIo extends TuiIo {
  stderr: TuiIo['stderr'] & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Flags that force plain output, and what the command decided once. */
export interface ViewFlags {
  /** `--no-tui`. */
  noTui?: boolean;
  /** `--json`: stdout carries JSON only, so the plain log goes to stderr. */
  json?: boolean;
  /** Colour wanted (no `--no-color`, no NO_COLOR); drawn only on a terminal. Default true. */
  color?: boolean;
  /** The tally the engine feeds; without one each sink tallies the events it gets. */
  tally?: RunTally;
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

/** Chooses the TUI or the plain sink for this process and these flags. */
export async function chooseView(io: ViewIo, flags: ViewFlags): Promise<View> {
  const color = flags.color !== false;
  const tally = flags.tally !== undefined ? { tally: flags.tally } : {};
  if (wantsTui(io, flags)) {
    // First: it selects React's production build before anything loads React.
    await import('./react-production.js');
    const { startTui } = await import('./tui.js');
    const tui = startTui(io, { color: color && io.stdout.isTTY === true, ...tally });
    return { kind: 'tui', sink: tui.sink, finish: (text, path) => tui.finish(text, path) };
  }
  const out = flags.json ? io.stderr : io.stdout;
  const sink = createPlainSink((s) => out.write(s), { color: color && out.isTTY === true, now: () => performance.now(), ...tally });
  return {
    kind: 'plain',
    sink,
    async finish(finalText, resultsPath) {
      if (!flags.json && finalText !== '') io.stdout.write(finalText.endsWith('\n') ? finalText : `${finalText}\n`);
      if (resultsPath) out.write(`results: ${resultsPath}\n`);
    },
  };
}
