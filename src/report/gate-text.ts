/**
 * The gate as plain text for the terminal and CI logs: one line per item (status, cell, check), the detail
 * wrapped underneath, failures first, and the verdict last. Fits 80 columns.
 */
import type { GateItem, GateResult } from '../core/gate.js';
import type { VerdictStatus } from '../core/threshold.js';

const WIDTH = 80;
const TAG: Record<VerdictStatus, string> = { fail: 'FAIL', inconclusive: 'WARN', pass: 'ok  ' };

/** Greedy word wrap to `width` columns with an indent on every line. */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length > indent.length && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent;
    }
    line += (line.length > indent.length ? ' ' : '') + word;
  }
  if (line.length > indent.length) lines.push(line);
  return lines;
}

function item(i: GateItem): string[] {
  // The check's name is never cut: a cell id or threshold must be copyable from a CI log.
  return [`${TAG[i.status]}  [${i.cell}] ${i.name}`, ...wrap(i.detail, WIDTH, '      ')];
}

/** The gate's text report; `showPassing` false keeps CI logs short by listing only failures and warnings. */
export function renderGateText(gate: GateResult, showPassing = true): string {
  const order: VerdictStatus[] = ['fail', 'inconclusive', 'pass'];
  const lines: string[] = [];
  for (const status of order) {
    if (status === 'pass' && !showPassing) continue;
    for (const i of gate.items.filter((x) => x.status === status)) lines.push(...item(i));
  }
  const { pass, fail, inconclusive } = gate.counts;
  const verdict = gate.passed ? 'PASSED' : 'FAILED';
  const strict = gate.strict && inconclusive > 0 ? ' (strict: inconclusive counts as failed)' : '';
  for (const skipped of gate.skipped) lines.push(...wrap(skipped, WIDTH - 6, '').map((l, i) => (i === 0 ? `SKIP  ${l}` : `      ${l}`)));
  lines.push(`check ${verdict}: ${pass} passed, ${fail} failed, ${inconclusive} inconclusive${strict}`);
  return lines.join('\n') + '\n';
}
