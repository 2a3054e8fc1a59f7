/**
 * The environment timeline: one lane per environment (folded into rows of several when there are many),
 * or, when the target gives no environment ids (AWS), concurrency and cold starts over time with a note saying so.
 */
import { Text } from 'ink';
import { timelineLines } from '../lines.js';
import type { TimelineLayout } from '../timeline-layout.js';

/** Props of {@link Timeline}: a layout already fitted to the terminal by `layoutTimeline`. */
export interface TimelineProps {
  layout: TimelineLayout;
  /** The terminal's columns (longer lines are cut with `…`). */
  width?: number;
}

/** A heading, the rows, and a count of hidden environments when even folded lanes do not fit: one pre-coloured Text. */
export function Timeline({ layout, width = Number.POSITIVE_INFINITY }: TimelineProps): React.JSX.Element {
  return <Text>{timelineLines(layout, width).join('\n')}</Text>;
}
