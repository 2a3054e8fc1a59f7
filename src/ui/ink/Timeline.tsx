/**
 * The environment timeline: one lane per environment (folded into rows of several when there are many),
 * or, when the target gives no environment ids (AWS), concurrency and cold starts over time with a note saying so.
 */
import { Box, Text } from 'ink';
import { Cell, GLYPH, THROTTLE_GLYPH, type Run, type TimelineLayout } from '../timeline-layout.js';

/** Props of {@link Timeline}: a layout already fitted to the terminal by `layoutTimeline`. */
export interface TimelineProps {
  layout: TimelineLayout;
}

const COLOR: Partial<Record<Run['style'], string>> = {
  init: 'yellow',
  invoke: 'green',
  failed: 'red',
  throttled: 'magenta',
  level: 'cyan',
  cold: 'yellow',
};

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
    return 'no environment ids from this target (Lambda does not say which environment served a request): in flight and cold starts over time';
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
        <Box key={row.label}>
          <Text dimColor>{row.label.padStart(layout.labelWidth)} </Text>
          {trimTrailingGaps(row.runs).map((run, i) =>
            isGap(run) ? (
              // Idle time and time before an environment existed are drawn as empty space by a spacer box:
              // ink then has no characters to measure there, which is most of the lanes' area.
              <Box key={i} width={run.text.length} flexShrink={0} />
            ) : (
              <Text key={i} color={COLOR[run.style]}>
                {run.text}
              </Text>
            ),
          )}
        </Box>
      ))}
      {layout.hiddenEnvs > 0 ? (
        <Text dimColor>
          … {layout.hiddenEnvs} more environments not shown (of {layout.totalEnvs})
        </Text>
      ) : null}
    </Box>
  );
}
