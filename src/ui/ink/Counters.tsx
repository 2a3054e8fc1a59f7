/** Counters: cold, warm, unknown, throttled (by reason) and errors (by type). */
import { Box, Text } from 'ink';
import type { CounterFacts } from '../store.js';

/** Props of {@link Counters}. */
export interface CountersProps {
  counters: CounterFacts;
}

function byKey(entries: CounterFacts['throttlesByReason']): string {
  return entries.map(([key, n]) => `${key} ${n}`).join(', ');
}

/** One line of counts, and a second line naming throttle reasons and error types when there are any. */
export function Counters({ counters }: CountersProps): React.JSX.Element {
  const detail = [
    counters.throttlesByReason.length > 0 ? `throttled: ${byKey(counters.throttlesByReason)}` : '',
    counters.errorsByType.length > 0 ? `errors: ${byKey(counters.errorsByType)}` : '',
  ].filter((d) => d !== '');
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text color="yellow">cold {counters.cold}</Text>
        {'  '}
        <Text color="green">warm {counters.warm}</Text>
        {'  '}unknown {counters.unknown}
        {'  '}
        <Text color={counters.throttled > 0 ? 'magenta' : undefined}>throttled {counters.throttled}</Text>
        {'  '}
        <Text color={counters.errors > 0 ? 'red' : undefined}>errors {counters.errors}</Text>
      </Text>
      {detail.length > 0 ? (
        <Text wrap="truncate-end" dimColor>
          {detail.join(' · ')}
        </Text>
      ) : null}
    </Box>
  );
}
