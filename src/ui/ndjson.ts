/**
 * The NDJSON event sink (`--events ndjson`): every run event as one JSON object per line, for scripts that
 * follow a run live. Records are included as they arrive; nothing is buffered.
 */
import type { EventSink, RunEvent } from '../core/events.js';

/** Create a sink that writes each event as one line of JSON (ending in `\n`) through `write`. */
export function createNdjsonSink(write: (s: string) => void): EventSink {
  return (event: RunEvent): void => {
    write(`${JSON.stringify(event)}\n`);
  };
}
