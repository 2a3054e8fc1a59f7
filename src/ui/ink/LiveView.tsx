/**
 * The whole live region for one snapshot, laid out for the terminal's size. Its height stays below the
 * terminal's rows so ink can redraw in place (taller output makes ink clear the screen on every frame).
 */
import { Text } from 'ink';
import { counterLines, headerLine, histogramLines, latencyLines, progressLine, timelineLines } from '../lines.js';
import type { UiSnapshot } from '../store.js';
import { layoutTimeline } from '../timeline-layout.js';

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

/** Every line of the live region, pre-coloured and fitted to `columns` × `rows`. */
export function liveLines({ snapshot, columns, rows }: LiveViewProps): string[] {
  const width = Math.max(40, columns);
  // Keep one spare line: output as tall as the terminal makes ink clear and redraw everything.
  const timelineRows = Math.max(2, rows - 1 - fixedLines(snapshot));
  const labelWidth = 10;
  const layout = layoutTimeline(snapshot.timeline, width - labelWidth - 1, timelineRows);
  return [
    headerLine(snapshot.header, width),
    progressLine(snapshot.progress, width),
    ...counterLines(snapshot.counters, width),
    ...latencyLines(snapshot.latency, width),
    ...histogramLines(snapshot.histogram, width),
    ...timelineLines(layout, width),
  ];
}

/**
 * Header, progress, counters, latency, histogram and timeline (the blocks the components in this folder draw
 * on their own), as one ink Text of finished lines: ink's cost is per node and per character, and a single
 * node of lines that already fit saves its layout, nested colouring and wrapping work (bench/tui.bench.ts).
 */
export function LiveView(props: LiveViewProps): React.JSX.Element {
  return <Text>{liveLines(props).join('\n')}</Text>;
}
