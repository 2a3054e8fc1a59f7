/**
 * Cold starts that queued for the emulator's init slots. On a laptop only a few environments can initialise at
 * once; the wait for a slot is part of the client's latency and not of Init Duration (as on Lambda, where it
 * would not happen at all), so the user must be told, in the live view, the summary and the results notes.
 */
import type { EventSink } from './events.js';
import type { InvocationRecord } from './types.js';

/** Waits below this are scheduling noise, not worth a note. */
export const QUEUE_WAIT_NOTE_MIN_US = 100_000;

/** Longest init-slot wait among `records`, µs (0 when none carries one: warm, or not on the emulator). */
export function maxQueueWaitUs(records: readonly InvocationRecord[]): number {
  let max = 0;
  for (const r of records) {
    const wait = r.env?.queueWaitUs;
    if (wait !== undefined && wait > max) max = wait;
  }
  return max;
}

/** `12.1 s` or `340 ms`. */
function formatWait(us: number): string {
  return us >= 1_000_000 ? `${(us / 1_000_000).toFixed(1)} s` : `${Math.round(us / 1000)} ms`;
}

/** The sentence for a longest wait of `maxUs` with `initSlots` slots (how many, when known). */
export function queueWaitSentence(maxUs: number, initSlots: number | undefined, soFar = false): string {
  const slots = initSlots === undefined ? 'an init slot' : `one of ${initSlots} init slot${initSlots === 1 ? '' : 's'}`;
  return (
    `cold starts waited up to ${formatWait(maxUs)}${soFar ? ' so far' : ''} for ${slots}; ` +
    'client latency includes this wait, Init Duration does not; see --init-concurrency'
  );
}

/** The results/summary note for `records`, or undefined when no cold start waited noticeably. */
export function queueWaitNote(records: readonly InvocationRecord[], initSlots: number | undefined): string | undefined {
  const maxUs = maxQueueWaitUs(records);
  return maxUs < QUEUE_WAIT_NOTE_MIN_US ? undefined : queueWaitSentence(maxUs, initSlots);
}

/** Passes every event to `sink`, plus one notice at the first cold start that waited noticeably (live view). */
export function withQueueWaitNotice(sink: EventSink, initSlots: number | undefined): EventSink {
  let told = false;
  return (event) => {
    sink(event);
    if (told || event.type !== 'record') return;
    const wait = event.record.env?.queueWaitUs;
    if (wait === undefined || wait < QUEUE_WAIT_NOTE_MIN_US) return;
    told = true;
    sink({ type: 'notice', atUs: event.record.finishedUs, level: 'info', message: queueWaitSentence(wait, initSlots, true) });
  };
}
