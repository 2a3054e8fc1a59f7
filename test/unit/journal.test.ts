import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanupPlan } from '../../src/core/cleanup.js';
import { describeOpenJournals, Journal, markUndone, readJournal, remainingOf, unfinishedJournals } from '../../src/io/journal.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-journal-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const header = { runId: 'r1', command: 'run', startedAt: '2026-11-30T00:00:00.000Z', pid: 1, target: { region: 'us-east-1', description: 'aws us-east-1' } };

describe('the change journal', () => {
  it('keeps every change on disk before the run finishes, and what is left after each undo', () => {
    const journal = Journal.create(dir, header);
    journal.change({ kind: 'memory', functionName: 'fn', beforeMb: 128 });
    journal.change({ kind: 'provisioned', functionName: 'fn', qualifier: 'coldprobe' });
    // What a crash right now would leave: both changes, read back from disk by another process.
    const onDisk = unfinishedJournals(dir);
    expect(onDisk).toHaveLength(1);
    expect(remainingOf(onDisk[0]!).map((a) => a.kind)).toEqual(['delete-provisioned', 'restore-memory']);
    // What a second Ctrl-C would print: both, in the order they would be undone.
    expect(describeOpenJournals()).toHaveLength(2);
    journal.undo(cleanupPlan([{ kind: 'provisioned', functionName: 'fn', qualifier: 'coldprobe' }])[0]!);
    expect(remainingOf(readJournal(journal.path)).map((a) => a.kind)).toEqual(['restore-memory']);
    // Closing with something left keeps the file for `coldprobe cleanup`.
    journal.close();
    expect(readdirSync(dir)).toEqual(['r1.jsonl']);
    markUndone(journal.path, remainingOf(readJournal(journal.path))[0]!);
    expect(unfinishedJournals(dir)).toEqual([]);
  });

  it('is removed when its run put everything back', () => {
    const journal = Journal.create(dir, header);
    journal.change({ kind: 'memory', functionName: 'fn', beforeMb: 128 });
    for (const action of journal.remaining()) journal.undo(action);
    journal.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('ignores a last line torn by a crash mid-write', () => {
    const journal = Journal.create(dir, header);
    journal.change({ kind: 'memory', functionName: 'fn', beforeMb: 128 });
    appendFileSync(journal.path, '{"type":"change","change":{"kind":"reser');
    expect(remainingOf(readJournal(journal.path)).map((a) => a.kind)).toEqual(['restore-memory']);
    journal.close();
  });
});
