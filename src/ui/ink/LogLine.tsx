/** One finished line (a wave's tally or an engine notice), printed once above the live region. */
import { Text } from 'ink';
import type { LogLine as LogLineModel } from '../store.js';
import { shortUs } from '../units.js';

/** Props of {@link LogLine}. */
export interface LogLineProps {
  line: LogLineModel;
}

/** Formats a finished wave the way the plain log would, on one line. */
export function waveText(line: Extract<LogLineModel, { kind: 'wave' }>): string {
  const parts = [
    line.load ? `load: ${line.n - line.notSent} sent` : `burst ${line.wave}/${line.waves}: ${line.n - line.notSent} sent`,
    `cold ${line.cold}`,
    line.preInitialized ? `pre-initialized ${line.preInitialized}` : '',
    `warm ${line.warm}`,
    line.throttled ? `throttled ${line.throttled}` : '',
    line.errors ? `errors ${line.errors}` : '',
    line.interrupted ? `interrupted ${line.interrupted}` : '',
    line.notSent ? `not sent ${line.notSent}` : '',
    line.load ? '' : `release spread ${shortUs(line.releaseSpreadUs)}`,
  ];
  return parts.filter((p) => p !== '').join(' · ');
}

/** A wave line, or a notice (warnings in yellow). */
export function LogLine({ line }: LogLineProps): React.JSX.Element {
  if (line.kind === 'wave') return <Text>{waveText(line)}</Text>;
  return <Text color={line.level === 'warn' ? 'yellow' : undefined}>{line.message}</Text>;
}
