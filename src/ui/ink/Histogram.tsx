/** A small log-scale latency histogram that fills in as responses arrive: one row each for cold and warm. */
import { Box, Text } from 'ink';
import type { HistogramView } from '../live-histogram.js';
import { shortUs } from '../units.js';

/** Props of {@link Histogram}; `width` is the terminal's columns. */
export interface HistogramProps {
  histogram: HistogramView;
  width: number;
}

const LEVELS = ' ▁▂▃▄▅▆▇█';

function bars(counts: readonly number[], max: number, cellWidth: number): string {
  return counts
    .map((n) => (n === 0 ? ' ' : (LEVELS[Math.max(1, Math.round((n / max) * 8))] ?? '█')).repeat(cellWidth))
    .join('');
}

/** Three lines: cold bars, warm bars, and the axis's first and last edges. */
export function Histogram({ histogram, width }: HistogramProps): React.JSX.Element {
  const bins = histogram.cold.length;
  if (bins === 0) {
    return (
      <Box flexDirection="column">
        <Text dimColor>histogram: waiting for responses…</Text>
      </Box>
    );
  }
  const max = Math.max(1, ...histogram.cold, ...histogram.warm);
  const cellWidth = Math.max(1, Math.min(3, Math.floor((width - 10) / bins)));
  const lo = shortUs(histogram.edgesUs[0] ?? 0);
  const hi = shortUs(histogram.edgesUs[bins] ?? 0);
  const span = bins * cellWidth;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        {'hist cold│'}
        <Text color="yellow">{bars(histogram.cold, max, cellWidth)}</Text>│
      </Text>
      <Text wrap="truncate-end">
        {'     warm│'}
        <Text color="green">{bars(histogram.warm, max, cellWidth)}</Text>│
      </Text>
      <Text dimColor wrap="truncate-end">
        {'         ' + lo + hi.padStart(Math.max(1, span + 2 - lo.length))}
      </Text>
    </Box>
  );
}
