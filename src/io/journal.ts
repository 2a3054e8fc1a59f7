/**
 * The change journal: every change a run makes to a real function is appended here, with its before-value,
 * and fsynced before the change is made; every undo is appended after it is done. A run killed with SIGKILL,
 * a closed terminal or a second Ctrl-C leaves its journal behind, and `coldprobe cleanup` replays what it
 * says is left. One file per run: `<dir>/<runId>.jsonl`, removed once everything in it is undone.
 *
 * Lines (JSON, one per line): a header `{type:'run', …}`, then `{type:'change', change}` and
 * `{type:'undone', what}` in the order they happened. A torn last line (a crash mid-write) is ignored.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { cleanupPlan, describeUndo, type Change, type UndoAction } from '../core/cleanup.js';
import { ColdprobeError } from '../core/errors.js';

/** Where the journaled run ran: enough to reach the same functions again (never credentials). */
export interface JournalTarget {
  region: string;
  profile?: string;
  endpoint?: string;
  description: string;
}

export interface JournalHeader {
  type: 'run';
  runId: string;
  command: string;
  startedAt: string;
  pid: number;
  target: JournalTarget;
}

/** A journal read back from disk: its header, every change, and which undo actions are already done. */
export interface JournalState {
  path: string;
  header: JournalHeader;
  changes: Change[];
  undone: Set<string>;
}

/** The journal folder: `COLDPROBE_JOURNAL_DIR`, else `~/.coldprobe/journal` (one per user, whatever the working folder). */
export function journalDir(env: NodeJS.ProcessEnv): string {
  return env.COLDPROBE_JOURNAL_DIR ?? join(homedir(), '.coldprobe', 'journal');
}

/** Journals whose process may still be writing them, for the last words of a second interrupt. */
const open = new Set<Journal>();
let exitHookInstalled = false;

/** An open journal of the current run. */
export class Journal {
  private readonly fd: number;
  private readonly changes: Change[] = [];
  private readonly undone = new Set<string>();
  private closed = false;

  private constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Start the journal of a run in `dir` (created if needed). */
  static create(dir: string, header: Omit<JournalHeader, 'type'>): Journal {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new ColdprobeError('usage', `Cannot create the change journal folder ${dir} (${(error as NodeJS.ErrnoException).code ?? 'error'}); set COLDPROBE_JOURNAL_DIR to a writable folder.`, { cause: error });
    }
    const journal = new Journal(join(dir, `${header.runId}.jsonl`));
    journal.append({ type: 'run', ...header });
    open.add(journal);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', sayWhatIsLeft);
    }
    return journal;
  }

  /** Record a change before it is made: written and fsynced when this returns. */
  change(change: Change): void {
    this.changes.push(change);
    this.append({ type: 'change', change });
  }

  /** Record that an undo action is done. */
  undo(action: UndoAction): void {
    const what = describeUndo(action);
    this.undone.add(what);
    this.append({ type: 'undone', what });
  }

  /** The undo actions still to do, in order. */
  remaining(): UndoAction[] {
    return cleanupPlan(this.changes).filter((a) => !this.undone.has(describeUndo(a)));
  }

  /** Close the journal; remove it when nothing is left to undo (then it has no more to say). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    open.delete(this);
    closeSync(this.fd);
    if (this.remaining().length === 0) rmSync(this.path, { force: true });
  }

  private append(line: object): void {
    const bytes = Buffer.from(JSON.stringify(line) + '\n', 'utf8');
    let offset = 0;
    while (offset < bytes.byteLength) {
      const written = writeSync(this.fd, bytes, offset, bytes.byteLength - offset);
      if (!(written > 0)) throw new ColdprobeError('internal', `the change journal ${this.path} could not be written (disk full?); nothing more is changed.`);
      offset += written;
    }
    // The change is made only after this: a crash right after it must still find the line on disk.
    fsyncSync(this.fd);
  }
}

/**
 * What every open journal of this process still has to undo, as lines a user can act on; empty when nothing
 * is left. Said on a second interrupt, when the clean-up is abandoned.
 */
export function describeOpenJournals(): string[] {
  const lines: string[] = [];
  for (const journal of open) {
    for (const action of journal.remaining()) lines.push(describeUndo(action));
  }
  return lines;
}

/**
 * On exit with a journal still open (a second Ctrl-C quit the clean-up, or a crash): say exactly what is left
 * on the functions, and how to put it back. Synchronous, as 'exit' requires; a closed journal says nothing.
 */
function sayWhatIsLeft(): void {
  const left = describeOpenJournals();
  if (left.length === 0) return;
  process.stderr.write(`\ncoldprobe: quitting before the clean-up finished; still changed on AWS:\n${left.map((l) => `  - ${l}`).join('\n')}\nRun 'coldprobe cleanup' to put it back.\n`);
}

/** Read one journal; a torn last line is ignored, any other damage throws a usage error naming the file. */
export function readJournal(path: string): JournalState {
  const lines = readFileSync(path, 'utf8').split('\n');
  let header: JournalHeader | undefined;
  const changes: Change[] = [];
  const undone = new Set<string>();
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: { type?: unknown; change?: Change; what?: unknown };
    try {
      value = JSON.parse(line) as typeof value;
    } catch {
      if (i >= lines.length - 2) continue; // the last line, torn by a crash mid-write
      throw new ColdprobeError('usage', `change journal ${path} is damaged at line ${i + 1}; read it and undo its changes by hand.`);
    }
    if (value.type === 'run') header = value as unknown as JournalHeader;
    else if (value.type === 'change' && value.change) changes.push(value.change);
    else if (value.type === 'undone' && typeof value.what === 'string') undone.add(value.what);
  }
  if (header === undefined) throw new ColdprobeError('usage', `change journal ${path} has no header; read it and undo its changes by hand.`);
  return { path, header, changes, undone };
}

/** The undo actions a journal read back still needs, in order. */
export function remainingOf(state: JournalState): UndoAction[] {
  return cleanupPlan(state.changes).filter((a) => !state.undone.has(describeUndo(a)));
}

/** Every journal in `dir` with something left to undo, oldest first. */
export function unfinishedJournals(dir: string): JournalState[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
  } catch {
    return [];
  }
  const states = names.map((n) => readJournal(join(dir, n))).filter((s) => remainingOf(s).length > 0);
  return states.sort((a, b) => a.header.startedAt.localeCompare(b.header.startedAt));
}

/** Append `undone` for an action of a journal read back (by `coldprobe cleanup`), fsynced. */
export function markUndone(path: string, action: UndoAction): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, JSON.stringify({ type: 'undone', what: describeUndo(action) }) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The functions a journal's remaining actions touch. */
export function functionsOf(actions: readonly UndoAction[]): Set<string> {
  return new Set(actions.map((a) => a.functionName));
}
