/** Counters: cold, warm, unknown, throttled (by reason) and errors (by type). */
import { Text } from 'ink';
import { counterLines } from '../lines.js';
import type { CounterFacts } from '../store.js';

/** Props of {@link Counters}; `width` is the terminal's columns (longer lines are cut with `…`). */
export interface CountersProps {
  counters: CounterFacts;
  width?: number;
}

/** One line of counts, and a second line naming throttle reasons and error types when there are any. */
export function Counters({ counters, width = Number.POSITIVE_INFINITY }: CountersProps): React.JSX.Element {
  return <Text>{counterLines(counters, width).join('\n')}</Text>;
}
