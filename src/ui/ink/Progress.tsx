/** Progress: a bar of done over planned, with sent, in flight and done counts. */
import { Text } from 'ink';
import { progressLine } from '../lines.js';
import type { ProgressFacts } from '../store.js';

/** Props of {@link Progress}; `width` is the terminal's columns. */
export interface ProgressProps {
  progress: ProgressFacts;
  width: number;
}

/** One line: `[####==----] done 45/60 · sent 50 · in flight 5` (# done, = in flight). */
export function Progress({ progress, width }: ProgressProps): React.JSX.Element {
  return <Text>{progressLine(progress, width)}</Text>;
}
