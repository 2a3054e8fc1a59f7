/**
 * The matrix comparison table as text: one row per cell (cold ratio, cold and warm p50/p99, init p50/p99,
 * throttles, errors, estimated cost per 1,000 invocations), the best cell per question highlighted, sized
 * to the terminal (80 columns by default). Data in, string out.
 */
import { Chalk } from 'chalk';
import type { CellResult } from '../core/results.js';
import { bestCells, rowOf, type BestCells, type MatrixRow } from './matrix-rows.js';

/** How to render: colour on a terminal only, width in columns. */
export interface MatrixTableOptions {
  color: boolean;
  /** Terminal width in columns; default 80. */
  width?: number;
  /** The run was interrupted: no best-cell picks. */
  interrupted?: boolean;
  /** Cut cell labels to fit `width` (default true); off a terminal labels stay whole and the table grows. */
  clip?: boolean;
}

/** Milliseconds from µs, compact: `0.84`, `12.3`, `340`, `1.2s`. */
export function compactMs(us: number | undefined): string {
  if (us === undefined) return '-';
  const ms = us / 1000;
  if (ms < 1) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  if (ms < 10_000) return ms.toFixed(0);
  return `${(ms / 1000).toFixed(1)}s`;
}

/** USD compact: `$0.0021`, `$1.23`. */
export function compactUsd(usd: number | undefined): string {
  if (usd === undefined) return '-';
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toPrecision(2)}`;
  return `$${usd.toFixed(2)}`;
}

const SEPARATOR = ' ';

const percent = (ratio: number | undefined): string => (ratio === undefined ? '-' : `${Math.round(ratio * 100)}%`);

interface Column {
  header: string;
  /** Row keys this column shows (a highlight on either marks it). */
  keys: Array<keyof MatrixRow>;
  render: (row: MatrixRow) => string;
  align: 'left' | 'right';
}

/** Pre-initialized invocations (core/classify.ts): shown only when a cell has one, so other tables keep their shape. */
const PRE_COLUMN: Column = { header: 'pre-init', keys: [], render: (r) => String(r.preInitialized), align: 'right' };

const ALL_COLUMNS: Column[] = [
  { header: 'cell', keys: [], render: (r) => r.label, align: 'left' },
  { header: 'cold', keys: ['coldRatio'], render: (r) => percent(r.coldRatio), align: 'right' },
  PRE_COLUMN,
  { header: 'cold p50/p99', keys: ['coldP50Us'], render: (r) => `${compactMs(r.coldP50Us)}/${compactMs(r.coldP99Us)}`, align: 'right' },
  { header: 'warm p50/p99', keys: ['warmP50Us'], render: (r) => `${compactMs(r.warmP50Us)}/${compactMs(r.warmP99Us)}`, align: 'right' },
  { header: 'init p50/p99', keys: ['initP50Us'], render: (r) => `${compactMs(r.initP50Us)}/${compactMs(r.initP99Us)}`, align: 'right' },
  { header: 'thr', keys: [], render: (r) => String(r.throttles), align: 'right' },
  { header: 'err', keys: [], render: (r) => String(r.errors), align: 'right' },
  { header: 'est$/1k', keys: ['costPerThousandUsd'], render: (r) => compactUsd(r.costPerThousandUsd), align: 'right' },
];

/** `node-hello 128M pc10 load`: the memory, concurrency and load suffix survives clipping, the function name gives way. */
function compactLabel(row: MatrixRow, showPc: boolean, width?: number): string {
  const rc = /( rc \S+)(?: load)?$/.exec(row.label)?.[1]?.replace(' rc ', ' rc') ?? '';
  const suffix = ` ${row.memoryMb}M${showPc ? ` pc${row.provisioned}` : ''}${rc}${row.workload === 'load' ? ' load' : ''}`;
  if (width === undefined || row.functionName.length + suffix.length <= width) return row.functionName + suffix;
  const room = Math.max(1, width - suffix.length - 1);
  return `${row.functionName.slice(0, room)}…${suffix}`;
}

function fit(text: string, width: number, align: 'left' | 'right'): string {
  const clipped = text.length > width ? `${text.slice(0, Math.max(1, width - 1))}…` : text;
  return align === 'left' ? clipped.padEnd(width) : clipped.padStart(width);
}

/** Render the comparison table of `cells`; latencies in ms. */
export function renderMatrixTable(cells: readonly CellResult[], options: MatrixTableOptions): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const width = options.width ?? 80;
  const rows = cells.map(rowOf);
  const COLUMNS = rows.some((r) => r.preInitialized > 0) ? ALL_COLUMNS : ALL_COLUMNS.filter((c) => c !== PRE_COLUMN);
  const best = bestCells(cells, options.interrupted);
  const isBest = (row: MatrixRow, column: Column): boolean => best.answers.some((b) => b.rowId === row.id && column.keys.includes(b.column));
  const showPc = rows.some((r) => r.provisioned > 0);
  // A trailing `*` marks the best value without colour.
  const text = rows.map((row) => COLUMNS.map((c, i) => (i === 0 ? compactLabel(row, showPc) : c.render(row)) + (isBest(row, c) ? '*' : '')));
  const widths = COLUMNS.map((c, i) => Math.max(c.header.length, ...text.map((t) => (t[i] ?? '').length)));
  const total = widths.reduce((a, b) => a + b, 0) + (COLUMNS.length - 1) * SEPARATOR.length;
  if (options.clip !== false && total > width && widths[0] !== undefined) {
    const labelWidth = Math.max(8, widths[0] - (total - width));
    widths[0] = labelWidth;
    rows.forEach((row, r) => {
      const t = text[r];
      if (t) t[0] = compactLabel(row, showPc, labelWidth);
    });
  }

  const line = (cellsText: string[], style?: (s: string, i: number) => string): string =>
    cellsText
      .map((t, i) => {
        const column = COLUMNS[i];
        const padded = fit(t, widths[i] ?? t.length, column?.align ?? 'left');
        return style ? style(padded, i) : padded;
      })
      .join(SEPARATOR)
      .trimEnd();

  const out: string[] = [];
  out.push(line(COLUMNS.map((c) => c.header), (s) => chalk.bold(s)));
  rows.forEach((row, r) => {
    out.push(
      line(text[r] ?? [], (s, i) => {
        const column = COLUMNS[i];
        return column && isBest(row, column) ? chalk.green.bold(s) : s;
      }),
    );
  });
  out.push('');
  const notes = ['Latencies in ms (client-side); cold = cold starts / classified invocations; * = best per question, beyond the noise.'];
  if (COLUMNS.includes(PRE_COLUMN)) notes.push('pre-init = invocations whose REPORT carried an Init Duration longer than the client waited (an init done ahead of the request); neither cold nor warm.');
  const note = cells.find((c) => c.cost)?.cost?.note;
  if (note) notes.push(`est$/1k is an ESTIMATE per 1,000 invocations (${note}).`);
  for (const n of notes) out.push(...wrap(n, width));
  for (const line of bestLines(best, rows)) out.push(...wrap(line, width, '    '));
  return out.join('\n');
}

/** Word-wrap `text` to `width` columns; continuation lines start with `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  const lead = /^ */.exec(text)?.[0] ?? '';
  let current = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    const candidate = current.trim() === '' ? current + word : `${current} ${word}`;
    if (candidate.length > width && current.trim() !== '') {
      lines.push(current);
      current = indent + word;
    } else current = candidate;
  }
  if (current !== '') lines.push(current);
  return lines;
}

/** The best-cell section: each question's pick or why there is none, and the cells left out. */
export function bestLines(best: BestCells, rows: readonly MatrixRow[]): string[] {
  const label = (id: string): string => rows.find((r) => r.id === id)?.label ?? id;
  const lines: string[] = [];
  if (best.note) lines.push(`Best cell: none (${best.note}).`);
  else if (best.answers.length > 0) lines.push('Best cell per question (medians, judged by the noise test):');
  for (const a of best.answers) lines.push(`  ${a.question}: ${a.rowId !== undefined ? label(a.rowId) : a.reason ?? ''}`);
  if (best.excluded.length > 0) lines.push(`  not compared: ${best.excluded.map((e) => `${e.label} (${e.why})`).join(', ')}`);
  return lines;
}
