/** Live latency percentiles for cold and warm invocations. */
import { Box, Text } from 'ink';
import type { LivePercentiles } from '../store.js';
import { shortUs } from '../units.js';

/** Props of {@link Latency}. */
export interface LatencyProps {
  latency: { cold: LivePercentiles; warm: LivePercentiles };
}

const COL = 9;

function row(label: string, p: LivePercentiles): string {
  const cells = p.count === 0 ? ['-', '-', '-', '-'] : [p.p50Us, p.p90Us, p.p99Us, p.maxUs].map(shortUs);
  return label.padEnd(8) + cells.map((c) => c.padStart(COL)).join('') + String(p.count).padStart(COL);
}

/** Three lines: a heading and one row each for cold and warm. */
export function Latency({ latency }: LatencyProps): React.JSX.Element {
  return (
    <Box flexDirection="column">
      <Text dimColor>{'latency'.padEnd(8) + ['p50', 'p90', 'p99', 'max', 'n'].map((h) => h.padStart(COL)).join('')}</Text>
      <Text color="yellow">{row('cold', latency.cold)}</Text>
      <Text color="green">{row('warm', latency.warm)}</Text>
    </Box>
  );
}
