/**
 * The HTML report's time series of a load (data in, SVG string out): per window the rate asked for and
 * achieved, cold starts, throttles and, on the emulator, environments in use, on one time axis; and latency
 * p50/p99 on a second chart. No scripts, nothing fetched.
 */
import type { CellResult } from '../core/results.js';
import { escapeHtml } from './svg.js';

const WIDTH = 720;
const HEIGHT = 200;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

interface Series {
  name: string;
  color: string;
  values: number[];
  dashed?: boolean;
}

/** The load charts of every load cell, as HTML (figures), or '' when no cell is a load. */
export function loadChartsHtml(cells: readonly CellResult[]): string {
  const parts: string[] = [];
  for (const cell of cells) {
    const load = cell.load;
    if (load === undefined || load.windows.length === 0) continue;
    const perS = 1000 / load.windowMs;
    const w = load.windows;
    const rates: Series[] = [
      { name: 'asked/s', color: '#868e96', values: w.map((x) => x.requested * perS), dashed: true },
      { name: 'achieved/s', color: '#1971c2', values: w.map((x) => x.started * perS) },
      { name: 'cold starts', color: '#d9480f', values: w.map((x) => x.cold) },
      { name: 'throttles', color: '#f08c00', values: w.map((x) => x.throttled) },
    ];
    if (w.some((x) => x.environments !== undefined)) rates.push({ name: 'environments in use', color: '#2b8a3e', values: w.map((x) => x.environments ?? 0) });
    const latency: Series[] = [
      { name: 'p50 ms', color: '#1971c2', values: w.map((x) => x.latencyP50Us / 1000) },
      { name: 'p99 ms', color: '#d9480f', values: w.map((x) => x.latencyP99Us / 1000) },
      { name: 'p99 from due time ms', color: '#868e96', values: w.map((x) => x.dueLatencyP99Us / 1000), dashed: true },
    ];
    const caption = `${escapeHtml(cell.spec.label)} · stages ${escapeHtml(load.stages)} · ${load.windowMs} ms windows`;
    parts.push(`<figure>${chartSvg(rates, load.windowMs, 'per window')}<figcaption>${caption}</figcaption></figure>`);
    parts.push(`<figure>${chartSvg(latency, load.windowMs, 'latency')}<figcaption>${caption}: latency per window</figcaption></figure>`);
  }
  return parts.length === 0 ? '' : `<h2>Load over time</h2>\n${parts.join('\n')}`;
}

function chartSvg(series: readonly Series[], windowMs: number, label: string): string {
  const n = Math.max(...series.map((s) => s.values.length));
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number): number => PAD.left + (n <= 1 ? 0 : (i / (n - 1)) * plotW);
  const y = (v: number): number => PAD.top + plotH - (v / max) * plotH;
  const lines = series.map((s) => {
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="4 3"' : ''} points="${points}"><title>${escapeHtml(s.name)}</title></polyline>`;
  });
  const ticks = [0, Math.floor((n - 1) / 2), n - 1]
    .filter((t, i, all) => t >= 0 && all.indexOf(t) === i)
    .map((t) => `<text x="${x(t).toFixed(1)}" y="${HEIGHT - 8}" font-size="10" text-anchor="middle">${((t * windowMs) / 1000).toFixed(0)}s</text>`);
  const legend = series.map((s, i) => `<text x="${PAD.left + 8 + i * 130}" y="${PAD.top + 10}" font-size="10" fill="${s.color}">${escapeHtml(s.name)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(label)}">`,
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${WIDTH - PAD.right}" y2="${PAD.top + plotH}" stroke="#adb5bd"/>`,
    `<text x="4" y="${PAD.top + 10}" font-size="10">${formatMax(max)}</text>`,
    `<text x="4" y="${PAD.top + plotH}" font-size="10">0</text>`,
    ...lines,
    ...ticks,
    ...legend,
    '</svg>',
  ].join('');
}

function formatMax(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}
