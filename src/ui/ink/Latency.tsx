/** Live latency percentiles for cold and warm invocations. */
import { Text } from 'ink';
import { latencyLines } from '../lines.js';
import type { LivePercentiles } from '../store.js';

/** Props of {@link Latency}; `width` is the terminal's columns (longer lines are cut with `…`). */
export interface LatencyProps {
  latency: { cold: LivePercentiles; warm: LivePercentiles };
  width?: number;
}

/** Three lines: a heading and one row each for cold and warm. */
export function Latency({ latency, width = Number.POSITIVE_INFINITY }: LatencyProps): React.JSX.Element {
  return <Text>{latencyLines(latency, width).join('\n')}</Text>;
}
