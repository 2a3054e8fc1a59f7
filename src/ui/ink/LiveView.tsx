/**
 * The whole live region for one snapshot, laid out for the terminal's size. Its height stays below the
 * terminal's rows so ink can redraw in place (taller output makes ink clear the screen on every frame).
 */
import { Box } from 'ink';
import type { UiSnapshot } from '../store.js';
import { layoutTimeline } from '../timeline-layout.js';
import { Counters } from './Counters.js';
import { Header } from './Header.js';
import { Histogram } from './Histogram.js';
import { Latency } from './Latency.js';
import { Progress } from './Progress.js';
import { Timeline } from './Timeline.js';

/** Props of {@link LiveView}: the snapshot and the terminal's size in characters. */
export interface LiveViewProps {
  snapshot: UiSnapshot;
  columns: number;
  rows: number;
}

/** Lines used by everything but the timeline rows. */
function fixedLines(snapshot: UiSnapshot): number {
  const counterDetail = snapshot.counters.throttlesByReason.length + snapshot.counters.errorsByType.length > 0 ? 1 : 0;
  const histogram = snapshot.histogram.cold.length > 0 ? 3 : 1;
  // header, progress, counters(+detail), latency 3, histogram, timeline heading, hidden-count line.
  return 1 + 1 + 1 + counterDetail + 3 + histogram + 1 + 1;
}

/** Header, progress, counters, latency, histogram and timeline, fitted to `columns` × `rows`. */
export function LiveView({ snapshot, columns, rows }: LiveViewProps): React.JSX.Element {
  const width = Math.max(40, columns);
  // Keep one spare line: output as tall as the terminal makes ink clear and redraw everything.
  const timelineRows = Math.max(2, rows - 1 - fixedLines(snapshot));
  const labelWidth = 10;
  const layout = layoutTimeline(snapshot.timeline, width - labelWidth - 1, timelineRows);
  return (
    <Box flexDirection="column" width={width}>
      <Header header={snapshot.header} />
      <Progress progress={snapshot.progress} width={width} />
      <Counters counters={snapshot.counters} />
      <Latency latency={snapshot.latency} />
      <Histogram histogram={snapshot.histogram} width={width} />
      <Timeline layout={layout} />
    </Box>
  );
}
