/**
 * The shards section of a merged results file as text: per burst, how far apart the shards released (on which
 * clock), and beside it each shard's own release spread, records and clock offset. Data in, string out.
 */
import type { MergedShards, ShardInfo } from '../core/shard.js';
import { formatCount, formatUs } from './format.js';

/** `+0.31ms ±1.2ms`, or `–` when the shard could not measure its clock. */
function offsetText(offset: MergedShards['shards'][number]['clockOffset']): string {
  if (offset === undefined) return '–';
  const sign = offset.offsetMs < 0 ? '-' : '+';
  return `${sign}${formatUs(Math.abs(offset.offsetMs) * 1000)} ±${formatUs(offset.uncertaintyMs * 1000)}`;
}

/** Text of a merged file's `shards` field: one block per burst, one line per shard. */
export function renderShards(merged: MergedShards): string {
  const clock = merged.timebase === 'target' ? "the target's clock (each shard corrected by its offset)" : "each machine's own clock";
  const lines = [`${merged.count} shards of run ${merged.runId}, compared on ${clock}.`];
  const byIndex = new Map(merged.shards.map((s) => [s.index, s]));
  for (const burst of merged.bursts) {
    const plus = burst.uncertaintyUs !== undefined ? ` ±${formatUs(burst.uncertaintyUs)}` : '';
    const what = burst.load === true ? `${burst.cell}, load: shards started the schedule` : `${burst.cell}, burst ${burst.burst + 1}: shards released`;
    lines.push('', `${what} ${formatUs(burst.spreadUs)}${plus} apart`);
    lines.push(`  ${'shard'.padEnd(7)}${'start'.padStart(10)}${'own spread'.padStart(12)}${'records'.padStart(9)}  clock offset`);
    for (const s of burst.shards) {
      const info = byIndex.get(s.shard);
      lines.push(
        `  ${`${s.shard}/${merged.count}`.padEnd(7)}${`+${formatUs(s.startUs)}`.padStart(10)}${formatUs(s.releaseSpreadUs).padStart(12)}` +
          `${formatCount(info?.records ?? 0).padStart(9)}  ${offsetText(info?.clockOffset)}`,
      );
    }
  }
  return lines.join('\n');
}

/** One line about a shard's own results file: which shard, when it released against the plan, its clock offset. */
export function renderShardLine(shard: ShardInfo): string {
  const parts = [`shard ${shard.index}/${shard.count} of run ${shard.runId}`];
  if (shard.releasedAtUs !== undefined) {
    const at = new Date(Math.floor(shard.releasedAtUs / 1000)).toISOString();
    const planned = shard.releaseAt !== undefined ? Date.parse(shard.releaseAt) * 1000 : undefined;
    const late = planned !== undefined ? ` (${formatUs(shard.releasedAtUs - planned)} after the planned ${shard.releaseAt})` : '';
    parts.push(`released at ${at}${late}`);
  }
  parts.push(shard.clockOffset !== undefined ? `clock offset ${offsetText(shard.clockOffset)} against ${shard.clockOffset.source}` : 'clock offset not measured');
  return `${parts.join('; ')}.`;
}
