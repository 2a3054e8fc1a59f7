import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/events.js';
import { queueWaitNote, withQueueWaitNotice } from '../../src/core/queue-wait.js';
import type { InvocationRecord } from '../../src/core/types.js';

const record = (index: number, queueWaitUs?: number): InvocationRecord => ({
  index,
  cell: 'default',
  burst: 0,
  scheduledUs: 0,
  sentUs: 0,
  finishedUs: 1000 + index,
  latencyUs: 1000,
  prepareUs: 0,
  outcome: 'ok',
  classification: 'cold',
  env: { envId: `env-${index}`, envSeq: 1, initType: 'on-demand', ...(queueWaitUs === undefined ? {} : { queueWaitUs }) },
});

describe('queued cold starts', () => {
  it('the note gives the longest wait and the number of init slots, and says what the wait is part of', () => {
    expect(queueWaitNote([record(0, 0), record(1, 12_100_000), record(2, 400_000)], 2)).toBe(
      'cold starts waited up to 12.1 s for one of 2 init slots; client latency includes this wait, Init Duration does not; see --init-concurrency',
    );
    expect(queueWaitNote([record(0, 340_000)], 1)).toMatch(/^cold starts waited up to 340 ms for one of 1 init slot;/);
  });

  it('no note when nothing waited noticeably, or on AWS (no queue wait in the records)', () => {
    expect(queueWaitNote([record(0, 0), record(1, 99_000)], 2)).toBeUndefined();
    expect(queueWaitNote([record(0), record(1)], undefined)).toBeUndefined();
  });

  it('the live view gets one notice, at the first cold start that waited, and every event still passes', () => {
    const events: RunEvent[] = [];
    const sink = withQueueWaitNotice((e) => events.push(e), 2);
    for (const r of [record(0, 0), record(1, 250_000), record(2, 900_000)]) sink({ type: 'record', record: r });
    expect(events.map((e) => e.type)).toEqual(['record', 'record', 'notice', 'record']);
    const notice = events[2];
    expect(notice?.type === 'notice' && notice.message).toBe(
      'cold starts waited up to 250 ms so far for one of 2 init slots; client latency includes this wait, Init Duration does not; see --init-concurrency',
    );
  });
});
