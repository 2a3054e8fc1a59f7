/** A small log-scale latency histogram that fills in as responses arrive: one row each for cold and warm. */
import { Text } from 'ink';
import { histogramLines } from '../lines.js';
import type { HistogramView } from '../live-histogram.js';

/** Props of {@link Histogram}; `width` is the terminal's columns. */
export interface HistogramProps {
  histogram: HistogramView;
  width: number;
}

/** Three lines: cold bars, warm bars, and the axis's first and last edges. */
export function Histogram({ histogram, width }: HistogramProps): React.JSX.Element {
  return <Text>{histogramLines(histogram, width).join('\n')}</Text>;
}
