import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { powerSeries } from '../../src/report/power.js';
import { escapeHtml, histogramScale, niceTicks } from '../../src/report/svg.js';
import { TIMELINE_MAX_LANES, timelineSvg } from '../../src/report/timeline.js';
import { fakeCell, fakeResults } from '../fixtures/matrix-cells.js';

const results = fakeResults([
  fakeCell({ functionName: 'node-hello', memoryMb: 128, coldMs: [300, 320], warmMs: [3, 4, 5, 30] }),
  fakeCell({ functionName: 'node-hello', memoryMb: 512, coldMs: [150], warmMs: [2, 2, 2] }),
  fakeCell({ functionName: 'node-hello', memoryMb: 128, provisioned: 5, coldMs: [150], warmMs: [2, 2, 2] }),
  fakeCell({ functionName: 'py<script>', memoryMb: 512, coldMs: [200], warmMs: [1], throttled: 1 }),
]);

const count = (html: string, re: RegExp): number => html.match(re)?.length ?? 0;

describe('HTML report structure', () => {
  const html = renderHtml(results);

  it('is one self-contained page: no scripts, no external URLs, a CSP that forbids fetching', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).toContain("default-src 'none'");
  });

  it('draws duration and cost against memory size per function, cold and warm apart, for functions with two sizes', () => {
    // node-hello has 128 and 512 MB without provisioned concurrency; py<script> has one size: no chart.
    expect(count(html, /<svg class="chart power"/g)).toBe(1);
    expect(html).toContain('data-series="node-hello (nodejs20.x)"');
    const power = /<svg class="chart power".*?<\/svg>/s.exec(html)?.[0] ?? '';
    expect(count(power, /<polyline class="series cold"/g)).toBe(2); // duration and cost
    expect(count(power, /<polyline class="series warm"/g)).toBe(2);
    expect(count(power, /memory size \(MB\)/g)).toBe(4);
    const [series] = powerSeries(results.cells);
    expect(series?.points.map((p) => p.memoryMb)).toEqual([128, 512]);
    // Cold median = Init Duration + Duration (fixture: init = latency - 5, duration 2).
    expect(series?.points[0]?.coldMs).toBeCloseTo(((295 + 2 + (315 + 2)) / 2), 5);
    expect(series?.points[0]?.warmMs).toBe(2);
    expect(series?.points[0]?.coldUsdPer1k).toBeGreaterThan(series?.points[0]?.warmUsdPer1k ?? Infinity);
  });

  it('draws charts only when they carry information', () => {
    expect(count(html, /<svg class="chart cold-ratio"/g)).toBe(1); // pc 0 and pc 5
    const onePc = renderHtml(fakeResults([results.cells[0]!, results.cells[3]!]));
    expect(onePc).not.toContain('chart cold-ratio');
    expect(onePc).not.toContain('chart power');
    expect(onePc).not.toContain('Cold ratio against provisioned concurrency');
  });

  it('draws every histogram on one scale with labelled axes', () => {
    expect(count(html, /<svg class="chart histogram"/g)).toBe(4);
    const charts = html.match(/<svg class="chart histogram".*?<\/svg>/gs) ?? [];
    const axisTicks = charts.map((svg) => [...svg.matchAll(/text-anchor="(?:middle|end)">([^<]*)<\/text>/g)].map((m) => m[1]).join(','));
    expect(new Set(axisTicks).size).toBe(1); // the same tick labels on both axes everywhere
    for (const svg of charts) {
      expect(svg).toContain('>client latency (log scale)</text>');
      expect(svg).toContain('>invocations</text>');
    }
    expect(html).toMatch(/class="bar throttled"[^>]*fill="#862e9c"/);
    const scale = histogramScale(results.cells);
    expect(scale.edges[0]).toBeLessThanOrEqual(1000);
    expect(scale.edges[scale.edges.length - 1]).toBeGreaterThanOrEqual(320_000);
  });

  it('lists throttles with their Reason', () => {
    const table = /<table class="failures">(.*?)<\/table>/s.exec(html)?.[1] ?? '';
    expect(table).toMatch(/<td>py&lt;script&gt; 512 MB pc 0<\/td><td>throttled \(429\)<\/td><td>ReservedFunctionConcurrentInvocationLimitExceeded<\/td><td>1<\/td>/);
    expect(renderHtml(fakeResults([results.cells[0]!]))).not.toContain('class="failures"');
  });

  it('draws a timeline per cell with a time axis, init apart from the invocation, and throttles on their own strip', () => {
    expect(count(html, /<svg class="chart timeline lanes"/g)).toBe(4);
    const first = timelineSvg(results.cells[0]!).svg;
    expect(first).toContain("time since the cell's first invocation was sent");
    expect(first).toMatch(/>0 ms<\/text>/);
    expect(count(first, /<rect class="init"/g)).toBe(2); // two cold starts
    expect(count(first, /<rect class="inv /g)).toBe(6);
    const throttled = timelineSvg(results.cells[3]!).svg;
    expect(throttled).toMatch(/<rect class="fail throttled"[^>]*><title>#2 throttled \(ReservedFunctionConcurrentInvocationLimitExceeded\)/);
    expect(throttled).toContain('>1 throttled</text>');
  });

  it('turns to density above the lane limit, so 1,000 environments stay readable', () => {
    const n = 1000;
    const big = fakeCell({ functionName: 'big', memoryMb: 128, coldMs: Array.from({ length: n }, (_, i) => 300 + (i % 50)), warmMs: Array.from({ length: n }, () => 2) });
    const { svg, note } = timelineSvg(big);
    expect(n).toBeGreaterThan(TIMELINE_MAX_LANES);
    expect(svg).toContain('class="chart timeline density"');
    expect(note).toMatch(/^1000 environments, more than 150 lanes can show/);
    // Bounded size whatever the number of records: bins, not bars per invocation.
    expect(count(svg, /<rect /g)).toBeLessThanOrEqual(160 * 3);
    expect(svg).toMatch(/class="density init"/);
    expect(svg).toMatch(/class="density warm"/);
    expect(svg).toContain('environments (mean per bin)');
  });

  it('summarises environments in one row per cell', () => {
    const table = /<table class="environments">(.*?)<\/table>/s.exec(html)?.[1] ?? '';
    expect(count(table, /<tr data-cell=/g)).toBe(4);
    // node-hello 128 MB pc 0: env-0..env-3; env-0 and env-1 served a cold and a warm invocation; peaks 40..43 MB.
    expect(table).toContain('<td>node-hello 128 MB pc 0</td><td>4</td><td>4 on-demand</td><td>1 / 1.5 / 2</td><td>40 / 41.5 / 43 MB</td>');
  });

  it('has the comparison table, no best cell from a handful of samples, and the cost labelled as an estimate', () => {
    expect(count(html, /<tr data-cell=/g)).toBe(4 + 4);
    expect(html).not.toMatch(/<td class="best"/);
    expect(html).toMatch(/<li>not compared: py&lt;script&gt; 512 MB pc 0 \(1 throttled\)<\/li>/);
    expect(html).toMatch(/Cost is an estimate/);
    expect(html).toContain('perGbSecond');
  });

  it('escapes names and flags interrupted runs', () => {
    expect(html).not.toContain('py<script>');
    expect(html).toContain('py&lt;script&gt;');
    expect(escapeHtml(`a&"'<>`)).toBe('a&amp;&quot;&#39;&lt;&gt;');
    expect(renderHtml({ ...results, interrupted: true })).toContain('interrupted');
  });

  it('picks round ticks that reach the largest value', () => {
    expect(niceTicks(7, 4)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(600, 4)).toEqual([0, 200, 400, 600]);
    expect(niceTicks(0)).toEqual([0]);
  });
});
