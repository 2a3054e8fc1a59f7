/** Progress: a bar of done over planned, with sent, in flight and done counts. */
import { Text } from 'ink';
import type { ProgressFacts } from '../store.js';

/** Props of {@link Progress}; `width` is the terminal's columns. */
export interface ProgressProps {
  progress: ProgressFacts;
  width: number;
}

/** One line: `[####==----] done 45/60 · sent 50 · in flight 5` (# done, = in flight); ASCII keeps ink's per-frame measuring cheap. */
export function Progress({ progress, width }: ProgressProps): React.JSX.Element {
  const planned = Math.max(progress.planned, 1);
  const text = ` done ${progress.done}/${progress.planned} · sent ${progress.sent} · in flight ${progress.inFlight}`;
  const barWidth = Math.max(10, Math.min(40, width - text.length - 3));
  const doneCols = Math.min(barWidth, Math.round((progress.done / planned) * barWidth));
  const sentCols = Math.min(barWidth - doneCols, Math.round(((progress.sent - progress.done) / planned) * barWidth));
  return (
    <Text wrap="truncate-end">
      [<Text color="green">{'#'.repeat(doneCols)}</Text>
      <Text color="yellow">{'='.repeat(Math.max(0, sentCols))}</Text>
      <Text dimColor>{'-'.repeat(Math.max(0, barWidth - doneCols - sentCols))}</Text>]{text}
    </Text>
  );
}
