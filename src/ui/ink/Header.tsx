/** The header line: target, function, runtime, memory, burst size, wave k of K, elapsed time. */
import { Text } from 'ink';
import { headerLine } from '../lines.js';
import type { HeaderFacts } from '../store.js';

/** Props of {@link Header}; `width` is the terminal's columns (longer lines are cut with `…`). */
export interface HeaderProps {
  header: HeaderFacts;
  width?: number;
}

/** One line of run facts; says when the run is stopping after an interrupt. */
export function Header({ header, width = Number.POSITIVE_INFINITY }: HeaderProps): React.JSX.Element {
  return <Text>{headerLine(header, width)}</Text>;
}
