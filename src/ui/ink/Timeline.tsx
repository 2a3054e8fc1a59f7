/**
 * The environment timeline: one lane per environment (folded into rows of several when there are many),
 * or, when the target gives no environment ids (AWS), concurrency and cold starts over time with a note saying so.
 */
import { Box, Text } from 'ink';
import { GLYPH, Cell, THROTTLE_GLYPH, type Run, type TimelineLayout } from '../timeline-layout.js';

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

function heading(layout: TimelineLayout): string {
  if (layout.mode === 'aggregate') {
    return 'no environment ids from this target (Lambda does not say which environment served a request): in flight and cold starts over time';
  }
  if (layout.totalEnvs === 0) return 'environments: waiting for responses…';
  const fold = layout.lanesPerRow > 1 ? `, ${layout.lanesPerRow} per row` : '';
  const legend = `${GLYPH[Cell.init]} init ${GLYPH[Cell.invoke]} invoke ${GLYPH[Cell.idle]} idle ${GLYPH[Cell.failed]} error ${THROTTLE_GLYPH} throttled`;
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
        <Text key={row.label} wrap="truncate-end">
          <Text dimColor>{row.label.padStart(layout.labelWidth)} </Text>
          {row.runs.map((run, i) => {
            const color = COLOR[run.style];
            return color ? (
              <Text key={i} color={color}>
                {run.text}
              </Text>
            ) : (
              <Text key={i} dimColor={run.style === 'idle'}>
                {run.text}
              </Text>
            );
          })}
        </Text>
      ))}
      {layout.hiddenEnvs > 0 ? (
        <Text dimColor>
          … {layout.hiddenEnvs} more environments not shown (of {layout.totalEnvs})
        </Text>
      ) : null}
    </Box>
  );
}
