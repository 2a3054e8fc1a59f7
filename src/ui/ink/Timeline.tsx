/**
 * The environment timeline: one lane per environment (folded into rows of several when there are many),
 * or, when the target gives no environment ids (AWS), concurrency and cold starts over time with a note saying so.
 */
import { Box, Text } from 'ink';
import chalk from 'chalk';
import { Cell, GLYPH, THROTTLE_GLYPH, type Run, type TimelineLayout, type TimelineRow } from '../timeline-layout.js';

/** Props of {@link Timeline}: a layout already fitted to the terminal by `layoutTimeline`. */
export interface TimelineProps {
  layout: TimelineLayout;
}

// The default chalk instance, the one ink colours with, so `startTui`'s colour switch governs both.
const PAINT: Partial<Record<Run['style'], (text: string) => string>> = {
  init: chalk.yellow,
  failed: chalk.red,
  throttled: chalk.magenta,
  level: chalk.cyan,
  cold: chalk.yellow,
};

/**
 * One row as one pre-coloured string: a single ink Text node per row instead of one per run keeps the
 * layout tree small (5-10% cheaper frames in an A/B at 300 environments; ink's per-cell work is the rest).
 */
function rowText(row: TimelineRow, labelWidth: number): string {
  let text = row.label.padStart(labelWidth) + ' ';
  for (const run of trimTrailingGaps(row.runs)) {
    if (isGap(run)) text += ' '.repeat(run.text.length);
    else text += (PAINT[run.style] ?? String)(run.text);
  }
  return text;
}

function isGap(run: Run): boolean {
  return run.style === 'empty' || run.style === 'idle';
}

function trimTrailingGaps(runs: Run[]): Run[] {
  let end = runs.length;
  while (end > 0 && isGap(runs[end - 1] as Run)) end -= 1;
  return runs.slice(0, end);
}

function heading(layout: TimelineLayout): string {
  if (layout.mode === 'aggregate') {
    // Fits 80 columns: why there are no lanes, and what is drawn instead.
    return 'no env ids from this target (Lambda does not name them): in flight, cold starts';
  }
  if (layout.totalEnvs === 0) return 'environments: waiting for responses…';
  const fold = layout.lanesPerRow > 1 ? `, ${layout.lanesPerRow} per row` : '';
  const legend = `${GLYPH[Cell.init]} init  ${GLYPH[Cell.invoke]} invoke  ${GLYPH[Cell.failed]} error  ${THROTTLE_GLYPH} throttled  (gaps: idle)`;
  return `environments ${layout.totalEnvs}${fold}  ${legend}`;
}

/** A heading, the rows, and a count of hidden environments when even folded lanes do not fit. */
export function Timeline({ layout }: TimelineProps): React.JSX.Element {
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate-end">
        {heading(layout)}
      </Text>
      {layout.rows.map((row) => (
        <Text key={row.label}>{rowText(row, layout.labelWidth)}</Text>
      ))}
      {layout.hiddenEnvs > 0 ? (
        <Text dimColor>
          … {layout.hiddenEnvs} more environments not shown (of {layout.totalEnvs})
        </Text>
      ) : null}
    </Box>
  );
}
