/**
 * A results file as one self-contained HTML page: the comparison table, a latency histogram per cell, cold ratio
 * against provisioned concurrency and the environment timeline, all inline SVG and CSS. No scripts, no CDN,
 * nothing fetched: the page opens offline. Data in, string out.
 */
import type { ResultsFile } from '../core/results.js';
import { bestCells, rowOf, type MatrixRow } from './matrix-rows.js';
import { bestLines, compactMs, compactUsd } from './matrix-table.js';
import { coldRatioSvg, escapeHtml, histogramSvg, timelineSvg } from './svg.js';
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
`;

const LEGEND =
  '<p class="legend note"><span style="background:#d9480f"></span>cold<span style="background:#1971c2"></span>warm<span style="background:#f08c00"></span>throttled<span style="background:#c92a2a"></span>error<span style="background:#868e96"></span>unknown</p>';

function tableHtml(results: ResultsFile, rows: readonly MatrixRow[]): string {
  const best = bestCells(results.cells, results.interrupted);
  const mark = (row: MatrixRow, column: keyof MatrixRow, text: string): string =>
    best.answers.some((b) => b.rowId === row.id && b.column === column) ? `<td class="best" title="best">${text}</td>` : `<td>${text}</td>`;
  const head =
    '<tr><th>cell</th><th>n</th><th>cold</th><th>cold p50</th><th>cold p99</th><th>warm p50</th><th>warm p99</th><th>init p50</th><th>init p99</th><th>throttles</th><th>errors</th><th>peak memory</th><th>est. $ / 1,000</th></tr>';
  const body = rows
    .map(
      (r) =>
        `<tr data-cell="${escapeHtml(r.id)}"><td>${escapeHtml(r.label)}</td><td>${r.total}</td>` +
        mark(r, 'coldRatio', r.coldRatio === undefined ? '-' : `${(r.coldRatio * 100).toFixed(1)}%`) +
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
  return `<div style="overflow-x:auto"><table class="comparison">${head}${body}</table></div><p class="note">Latencies in ms, measured by the client. Highlighted: the best cell per question, only when it wins beyond the noise.</p>${bestList}`;
}

/** Most environments listed in the peak-memory table. */
const MAX_ENV_ROWS = 50;

/** Each environment's peak memory (REPORT Max Memory Used is a running maximum over the environment's life). */
function environmentsHtml(results: ResultsFile): string {
  const envs = new Map<string, { cell: string; envId: string; invocations: number; peakMb: number; initType: string }>();
  for (const cell of results.cells) {
    for (const r of cell.records) {
      if (!r.env) continue;
      const key = `${cell.spec.id} ${r.env.envId}`;
      const entry = envs.get(key) ?? { cell: cell.spec.label, envId: r.env.envId, invocations: 0, peakMb: 0, initType: r.env.initType };
      entry.invocations += 1;
      entry.peakMb = Math.max(entry.peakMb, r.report?.maxMemoryUsedMb ?? 0);
      envs.set(key, entry);
    }
  }
  if (envs.size === 0) return '<p class="note">No environment ids in these results (AWS): peak memory per cell is in the comparison table.</p>';
  const rows = [...envs.values()].sort((a, b) => b.peakMb - a.peakMb);
  const shown = rows.slice(0, MAX_ENV_ROWS);
  const body = shown
    .map((e) => `<tr><td>${escapeHtml(e.cell)}</td><td>${escapeHtml(e.envId)}</td><td>${escapeHtml(e.initType)}</td><td>${e.invocations}</td><td>${e.peakMb} MB</td></tr>`)
    .join('');
  const more = rows.length > shown.length ? `<p class="note">${rows.length - shown.length} more environments not listed.</p>` : '';
  return `<div style="overflow-x:auto"><table class="environments"><tr><th>cell</th><th>environment</th><th>init type</th><th>invocations</th><th>peak memory</th></tr>${body}</table></div>${more}`;
}

/** Render `results` as a self-contained HTML page. */
export function renderHtml(results: ResultsFile): string {
  const rows = results.cells.map(rowOf);
  const costNote = results.cells.find((c) => c.cost)?.cost;
  const title = `coldprobe ${results.command}: ${String(results.options['profile'] ?? results.cells[0]?.spec.functionName ?? '')}`.trim();
  const timeline = timelineSvg(results.cells);
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
  if (results.interrupted) parts.push('<p class="warn">This run was interrupted: the results are partial.</p>');
  parts.push('<h2>Comparison</h2>', tableHtml(results, rows));
  if (costNote) {
    const prices = Object.entries(costNote.prices)
      .map(([k, v]) => `${escapeHtml(k)} ${v}`)
      .join(', ');
    parts.push(`<p class="note"><b>Cost is an estimate</b>: ${escapeHtml(costNote.note)}. Prices used (USD): ${prices}.</p>`);
  }
  if (results.thresholds && results.thresholds.length > 0) {
    parts.push('<h2>Thresholds</h2><ul>');
    for (const t of results.thresholds) parts.push(`<li class="${t.passed ? '' : 'warn'}">${t.passed ? 'pass' : 'FAIL'} · ${escapeHtml(t.cell)} · ${escapeHtml(t.expression)} · ${escapeHtml(t.detail)}</li>`);
    parts.push('</ul>');
  }
  parts.push('<h2>Latency histograms</h2>', LEGEND, '<div class="cells">');
  for (const cell of results.cells) {
    parts.push(`<figure>${histogramSvg(cell)}<figcaption>${escapeHtml(cell.spec.label)} · ${cell.summary.total} invocations</figcaption></figure>`);
  }
  parts.push('</div>');
  parts.push(loadChartsHtml(results.cells));
  parts.push('<h2>Cold ratio against provisioned concurrency</h2>', coldRatioSvg(results.cells));
  parts.push('<h2>Environment timeline</h2>', LEGEND, `<div style="overflow-x:auto">${timeline.svg}</div>`);
  if (timeline.note) parts.push(`<p class="note">${escapeHtml(timeline.note)}</p>`);
  parts.push('<h2>Peak memory per environment</h2>', environmentsHtml(results));
  if (notes.length > 0) parts.push('<h2>Notes</h2><ul class="note">', ...notes.map((n) => `<li>${escapeHtml(n)}</li>`), '</ul>');
  parts.push('</body></html>');
  return parts.join('\n');
}
