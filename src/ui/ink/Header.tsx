/** The header line: target, function, runtime, memory, burst size, wave k of K, elapsed time. */
import { Text } from 'ink';
import type { HeaderFacts } from '../store.js';
import { elapsed } from '../units.js';

/** Props of {@link Header}. */
export interface HeaderProps {
  header: HeaderFacts;
}

/** One line of run facts; says when the run is stopping after an interrupt. */
export function Header({ header }: HeaderProps): React.JSX.Element {
  const fn = header.functionName || '…';
  const parts = [
    header.targetKind || 'starting',
    fn,
    header.runtime,
    header.memoryMb ? `${header.memoryMb} MB` : '',
    header.burstN ? `n=${header.burstN}` : '',
    header.waves ? `wave ${header.wave}/${header.waves}` : '',
    elapsed(header.elapsedUs),
  ].filter((p) => p !== '');
  const state = header.phase === 'ended' ? (header.interrupted ? ' · interrupted' : ' · done') : '';
  return (
    <Text wrap="truncate-end">
      <Text bold color="cyan">
        coldprobe
      </Text>
      {' '}
      {parts.join(' · ')}
      {state}
    </Text>
  );
}
