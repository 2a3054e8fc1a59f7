/**
 * The gate as JUnit XML, for CI systems other than GitHub Actions: one testsuite per cell, one testcase per
 * gate item; failures as <failure>, inconclusive items as <skipped> (or <failure> under --strict).
 */
import type { GateItem, GateResult } from '../core/gate.js';

/** Escape text for XML content and attribute values, dropping characters XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function testcase(item: GateItem, strict: boolean): string {
  const open = `    <testcase classname="${escapeXml(`coldprobe.${item.cell}`)}" name="${escapeXml(item.name)}"`;
  if (item.status === 'pass') return `${open}/>`;
  const message = escapeXml(item.detail);
  if (item.status === 'fail' || strict) {
    const type = item.kind === 'regression' ? 'regression' : 'threshold';
    return `${open}>\n      <failure message="${message}" type="${type}">${message}</failure>\n    </testcase>`;
  }
  return `${open}>\n      <skipped message="${message}"/>\n    </testcase>`;
}

/** The JUnit XML document for a gate result. */
export function renderJunit(gate: GateResult): string {
  const byCell = new Map<string, GateItem[]>();
  for (const item of gate.items) byCell.set(item.cell, [...(byCell.get(item.cell) ?? []), item]);
  const suites: string[] = [];
  let failures = 0;
  let skipped = 0;
  for (const [cell, items] of byCell) {
    const f = items.filter((i) => i.status === 'fail' || (gate.strict && i.status === 'inconclusive')).length;
    const s = gate.strict ? 0 : items.filter((i) => i.status === 'inconclusive').length;
    failures += f;
    skipped += s;
    suites.push(
      [
        `  <testsuite name="${escapeXml(`coldprobe check: ${cell}`)}" tests="${items.length}" failures="${f}" errors="0" skipped="${s}">`,
        ...items.map((i) => testcase(i, gate.strict)),
        '  </testsuite>',
      ].join('\n'),
    );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="coldprobe" tests="${gate.items.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
