/**
 * The gate as GitHub-flavoured markdown, for `$GITHUB_STEP_SUMMARY` or `--markdown`: the verdict, the
 * failed and inconclusive items first, every item, and the per-cell comparison with the baseline.
 */
import type { GateItem, GateResult } from '../core/gate.js';
import type { VerdictStatus } from '../core/threshold.js';
import { formatValue } from '../core/threshold.js';
import { formatDelta, shortVerdict } from './compare-table.js';

/** Escape text for a markdown table cell (pipes, newlines, and markup that would change the meaning). */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/([`*_<>[\]])/g, '\\$1');
}

const MARK: Record<VerdictStatus, string> = { pass: '✅ pass', fail: '❌ fail', inconclusive: '⚠️ inconclusive' };

function itemRow(item: GateItem): string {
  return `| ${MARK[item.status]} | ${escapeMarkdownCell(item.cell)} | ${escapeMarkdownCell(item.name)} | ${escapeMarkdownCell(item.detail)} |`;
}

/** The markdown summary; `title` names what was checked (e.g. the results file). */
export function renderMarkdown(gate: GateResult, title: string): string {
  const { pass, fail, inconclusive } = gate.counts;
  const verdict = gate.passed ? '✅ passed' : '❌ failed';
  const lines: string[] = [
    `## coldprobe check ${verdict}`,
    '',
    `\`${title.replace(/`/g, "'")}\`: ${pass} passed, ${fail} failed, ${inconclusive} inconclusive${gate.strict ? ' (strict: inconclusive fails)' : ''}.`,
    '',
  ];
  const ordered = [
    ...gate.items.filter((i) => i.status === 'fail'),
    ...gate.items.filter((i) => i.status === 'inconclusive'),
    ...gate.items.filter((i) => i.status === 'pass'),
  ];
  if (ordered.length > 0) lines.push('| | Cell | Check | Detail |', '|---|---|---|---|', ...ordered.map(itemRow), '');
  for (const skipped of gate.skipped) lines.push(`⏭️ ${escapeMarkdownCell(skipped)}`, '');
  for (const c of gate.comparisons) {
    if (!c.pair.baseline || !c.pair.current) continue;
    lines.push(
      `<details><summary>Cell ${escapeMarkdownCell(c.pair.id)} vs baseline</summary>`,
      '',
      '| Metric | Baseline | Current | Δ | Noise test |',
      '|---|---:|---:|---:|---|',
    );
    for (const m of c.metrics) {
      const v = (x: number | undefined): string => (x === undefined ? '—' : formatValue(x, m.kind));
      lines.push(
        `| ${m.metric} | ${v(m.baseline)} | ${v(m.current)} | ${formatDelta(m.delta)} | ${escapeMarkdownCell(m.noise ? m.noise.reason : shortVerdict(m.noise))} |`,
      );
    }
    lines.push('', '</details>', '');
  }
  return lines.join('\n');
}
