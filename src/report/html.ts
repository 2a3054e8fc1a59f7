/**
 * A results file as one self-contained HTML page: the comparison table, duration and cost against memory size,
 * cold ratio against provisioned concurrency, latency histograms on one scale, throttles by Reason, an
 * environment timeline per cell and a summary of the environments, all inline SVG and CSS. A chart is drawn
 * only when it carries information (two memory sizes, two provisioned-concurrency values). No scripts, no CDN,
 * nothing fetched: the page opens offline. Data in, string out.
 */
import type { ResultsFile } from '../core/results.js';
import { bestCells, rowOf, type MatrixRow } from './matrix-rows.js';
import { bestLines, compactMs, compactUsd } from './matrix-table.js';
import { quantileSorted } from '../core/noise.js';
import type { CellResult } from '../core/results.js';
import { powerSeries, powerSvg } from './power.js';
import { COLORS, coldRatioSvg, escapeHtml, histogramScale, histogramSvg, legendHtml, provisionedValues } from './svg.js';
import { timelineSvg } from './timeline.js';
import { loadChartsHtml } from './load-chart.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#212529;max-width:1200px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:#495057;font-size:13px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:3px 6px;font-size:13px;border-bottom:1px solid #dee2e6;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
td.best{background:#d3f9d8;font-weight:600}
.note{color:#495057;font-size:12px}
.warn{color:#c92a2a;font-weight:600}
.cells{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0}figcaption{font-size:12px;color:#495057}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
.legend span:first-child{margin-left:0}
h3{font-size:14px;margin:16px 0 4px}
`;

const KIND_LEGEND = legendHtml([
  { label: 'cold', color: COLORS.cold },
  { label: 'pre-initialized (init done before the request)', color: COLORS['pre-initialized'] },
  { label: 'warm', color: COLORS.warm },
  { label: 'throttled (429)', color: COLORS.throttled },
  { label: 'error', color: COLORS.error },
  { label: 'unknown', color: COLORS.unknown },
]);
const TIMELINE_LEGEND = legendHtml([
  { label: 'waiting for an init slot (thin line)', color: COLORS.unknown },
  { label: 'init', color: COLORS.init },
  { label: 'cold invocation', color: COLORS.cold },
  { label: 'pre-initialized invocation', color: COLORS['pre-initialized'] },
  { label: 'warm invocation', color: COLORS.warm },
  { label: 'throttled', color: COLORS.throttled },
  { label: 'error', color: COLORS.error },
]);
const POWER_NOTE =
  '<p class="note">As aws-lambda-power-tuning draws it: Lambda\'s own Duration from the REPORT lines (medians), and the estimated cost per 1,000 invocations with billed init included for cold starts. Cells with provisioned concurrency are left out; each panel has its own scale.</p>';

function tableHtml(results: ResultsFile, rows: readonly MatrixRow[]): string {
  const best = bestCells(results.cells, results.interrupted);
  const mark = (row: MatrixRow, column: keyof MatrixRow, text: string): string =>
    best.answers.some((b) => b.rowId === row.id && b.column === column) ? `<td class="best" title="best">${text}</td>` : `<td>${text}</td>`;
  const head =
    '<tr><th>cell</th><th>n</th><th>cold</th><th>pre-initialized</th><th>cold p50</th><th>cold p99</th><th>warm p50</th><th>warm p99</th><th>init p50</th><th>init p99</th><th>throttles</th><th>errors</th><th>peak memory</th><th>est. $ / 1,000</th></tr>';
  const body = rows
    .map(
      (r) =>
        `<tr data-cell="${escapeHtml(r.id)}"><td>${escapeHtml(r.label)}</td><td>${r.total}</td>` +
        mark(r, 'coldRatio', r.coldRatio === undefined ? '-' : `${(r.coldRatio * 100).toFixed(1)}%`) +
        `<td>${r.preInitialized}</td>` +
        mark(r, 'coldP50Us', compactMs(r.coldP50Us)) +
        `<td>${compactMs(r.coldP99Us)}</td>` +
        mark(r, 'warmP50Us', compactMs(r.warmP50Us)) +
        `<td>${compactMs(r.warmP99Us)}</td>` +
        mark(r, 'initP50Us', compactMs(r.initP50Us)) +
        `<td>${compactMs(r.initP99Us)}</td><td>${r.throttles}</td><td>${r.errors}</td><td>${r.peakMemoryMb === undefined ? '-' : `${r.peakMemoryMb} MB`}</td>` +
        mark(r, 'costPerThousandUsd', compactUsd(r.costPerThousandUsd)) +
        '</tr>',
    )
    .join('');
  const lines = bestLines(best, rows);
  const bestList = lines.length === 0 ? '' : `<ul class="note best-cells">${lines.map((l) => `<li>${escapeHtml(l.trim())}</li>`).join('')}</ul>`;
  return `<div style="overflow-x:auto"><table class="comparison">${head}${body}</table></div><p class="note">Latencies in ms, measured by the client. Pre-initialized: invocations whose REPORT carried an Init Duration longer than the client waited (an init done ahead of the request), neither cold nor warm. Highlighted: the best cell per question, only when it wins beyond the noise.</p>${bestList}`;
}

const spreadOf = (values: number[]): string => {
  if (values.length === 0) return '-';
  const sorted = values.sort((a, b) => a - b);
  return `${sorted[0]} / ${Number(quantileSorted(sorted, 0.5).toFixed(1))} / ${sorted[sorted.length - 1]}`;
};

/**
 * The environments of each cell in one row: how many, how they started, invocations each and peak memory
 * (REPORT Max Memory Used is a running maximum over an environment's life, so its last value is its peak).
 */
function environmentsHtml(cells: readonly CellResult[]): string {
  const rows: string[] = [];
  for (const cell of cells) {
    const envs = new Map<string, { invocations: number; peakMb: number; initType: string }>();
    for (const r of cell.records) {
      if (!r.env) continue;
      const entry = envs.get(r.env.envId) ?? { invocations: 0, peakMb: 0, initType: r.env.initType };
      entry.invocations += 1;
      entry.peakMb = Math.max(entry.peakMb, r.report?.maxMemoryUsedMb ?? 0);
      envs.set(r.env.envId, entry);
    }
    if (envs.size === 0) continue;
    const byInit = new Map<string, number>();
    for (const e of envs.values()) byInit.set(e.initType, (byInit.get(e.initType) ?? 0) + 1);
    const started = [...byInit].map(([type, n]) => `${n} ${type}`).join(', ');
    const all = [...envs.values()];
    rows.push(
      `<tr data-cell="${escapeHtml(cell.spec.id)}"><td>${escapeHtml(cell.spec.label)}</td><td>${envs.size}</td><td>${escapeHtml(started)}</td><td>${spreadOf(all.map((e) => e.invocations))}</td><td>${spreadOf(all.map((e) => e.peakMb))} MB</td><td>${cell.spec.memoryMb} MB</td></tr>`,
    );
  }
  if (rows.length === 0) return '<p class="note">No environment ids in these results (real Lambda does not say which environment served a request): peak memory per cell is in the comparison table.</p>';
  return `<div style="overflow-x:auto"><table class="environments"><tr><th>cell</th><th>environments</th><th>started as</th><th>invocations each (min / median / max)</th><th>peak memory used (min / median / max)</th><th>memory size</th></tr>${rows.join('')}</table></div>`;
}

/** Throttles by Lambda's Reason and errors by type, per cell; empty when there were none. */
function failuresHtml(cells: readonly CellResult[]): string {
  const rows: string[] = [];
  for (const cell of cells) {
    const total = cell.summary.total;
    for (const [reason, count] of Object.entries(cell.summary.throttlesByReason)) {
      rows.push(`<tr><td>${escapeHtml(cell.spec.label)}</td><td>throttled (429)</td><td>${escapeHtml(reason)}</td><td>${count}</td><td>${((count / Math.max(1, total)) * 100).toFixed(1)}%</td></tr>`);
    }
    for (const [type, count] of Object.entries(cell.summary.errorsByType)) {
      rows.push(`<tr><td>${escapeHtml(cell.spec.label)}</td><td>error</td><td>${escapeHtml(type)}</td><td>${count}</td><td>${((count / Math.max(1, total)) * 100).toFixed(1)}%</td></tr>`);
    }
  }
  if (rows.length === 0) return '';
  return `<h2 id="failures">Throttles and errors</h2><table class="failures"><tr><th>cell</th><th>outcome</th><th>Reason / type</th><th>count</th><th>of the cell</th></tr>${rows.join('')}</table>`;
}

/** Render `results` as a self-contained HTML page. */
export function renderHtml(results: ResultsFile): string {
  const rows = results.cells.map(rowOf);
  const costNote = results.cells.find((c) => c.cost)?.cost;
  const title = `coldprobe ${results.command}: ${String(results.options['profile'] ?? results.cells[0]?.spec.functionName ?? '')}`.trim();
  const notes = results.cells.flatMap((c) => (c.notes ?? []).map((n) => `${c.spec.label}: ${n}`));
  const parts: string[] = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    // Nothing may be fetched: forbid it outright so a stray URL can never leak a request.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="meta">${escapeHtml(results.target.description)} · ${escapeHtml(results.startedAt)} → ${escapeHtml(results.finishedAt)} · ${results.cells.length} cell(s) · coldprobe ${escapeHtml(results.tool.version)}</p>`,
  ];
  if (results.interrupted) {
    const inv = results.invocations;
    const givenUp = results.cells.reduce((n, cell) => n + (cell.summary.byOutcome.interrupted ?? 0), 0);
    const counts =
      inv === undefined
        ? ''
        : ` ${inv.sent} of ${inv.planned} planned invocations were sent, ${inv.notSent} not sent${givenUp > 0 ? `; ${givenUp} sent were given up unanswered when it stopped (counted as interrupted, not as errors)` : ''}.`;
    parts.push(`<p class="warn">This run was interrupted: the results are partial.${counts}</p>`);
  }
  parts.push('<h2 id="comparison">Comparison</h2>', tableHtml(results, rows));
  if (costNote) {
    const prices = Object.entries(costNote.prices)
      .map(([k, v]) => `${escapeHtml(k)} ${v}`)
      .join(', ');
    parts.push(`<p class="note"><b>Cost is an estimate</b>: ${escapeHtml(costNote.note)}. Prices used (USD): ${prices}.</p>`);
  }
  if (results.thresholds && results.thresholds.length > 0) {
    parts.push('<h2 id="thresholds">Thresholds</h2><ul>');
    for (const t of results.thresholds) parts.push(`<li class="${t.passed ? '' : 'warn'}">${t.passed ? 'pass' : 'FAIL'} · ${escapeHtml(t.cell)} · ${escapeHtml(t.expression)} · ${escapeHtml(t.detail)}</li>`);
    parts.push('</ul>');
  }
  const power = powerSeries(results.cells);
  if (power.length > 0) {
    parts.push('<h2 id="power">Duration and cost against memory size</h2>', POWER_NOTE, ...power.map((p) => `<h3>${escapeHtml(p.name)}</h3><figure>${powerSvg(p)}</figure>`));
  }
  if (provisionedValues(results.cells).length > 1) parts.push('<h2 id="cold-ratio">Cold ratio against provisioned concurrency</h2>', coldRatioSvg(results.cells));
  parts.push(failuresHtml(results.cells));
  const scale = histogramScale(results.cells);
  parts.push('<h2 id="histograms">Latency histograms</h2>', '<p class="note">Every histogram has the same axes, so cells compare by eye.</p>', KIND_LEGEND, '<div class="cells">');
  for (const cell of results.cells) {
    parts.push(`<figure>${histogramSvg(cell, scale)}<figcaption>${escapeHtml(cell.spec.label)} · ${cell.summary.total} invocations</figcaption></figure>`);
  }
  parts.push('</div>');
  parts.push(loadChartsHtml(results.cells));
  parts.push('<h2 id="timeline">Environment timeline</h2>', TIMELINE_LEGEND);
  for (const cell of results.cells) {
    const timeline = timelineSvg(cell);
    parts.push(`<h3>${escapeHtml(cell.spec.label)}</h3><div style="overflow-x:auto">${timeline.svg}</div><p class="note">${escapeHtml(timeline.note)}</p>`);
  }
  parts.push('<h2 id="environments">Environments</h2>', environmentsHtml(results.cells));
  if (notes.length > 0) parts.push('<h2>Notes</h2><ul class="note">', ...notes.map((n) => `<li>${escapeHtml(n)}</li>`), '</ul>');
  parts.push('</body></html>');
  return parts.join('\n');
}
