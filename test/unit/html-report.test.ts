import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { escapeHtml, TIMELINE_MAX_BARS, timelineSvg } from '../../src/report/svg.js';
import { fakeCell, fakeResults } from '../fixtures/matrix-cells.js';

const results = fakeResults([
  fakeCell({ functionName: 'node-hello', memoryMb: 128, coldMs: [300, 320], warmMs: [3, 4, 5, 30] }),
  fakeCell({ functionName: 'node-hello', memoryMb: 128, provisioned: 5, coldMs: [150], warmMs: [2, 2, 2] }),
  fakeCell({ functionName: 'py<script>', memoryMb: 512, coldMs: [200], warmMs: [1], throttled: 1 }),
]);

describe('HTML report structure', () => {
  const html = renderHtml(results);

  it('is one self-contained page: no scripts, no external URLs, a CSP that forbids fetching', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).toContain("default-src 'none'");
  });

  it('has a histogram per cell, the cold-ratio chart and the timeline', () => {
    expect(html.match(/<svg class="chart histogram"/g)?.length).toBe(3);
    expect(html.match(/<svg class="chart cold-ratio"/g)?.length).toBe(1);
    expect(html.match(/<svg class="chart timeline"/g)?.length).toBe(1);
    // Cold and warm bars appear in the histograms; one timeline bar per invocation.
    expect(html).toMatch(/class="bar cold"/);
    expect(html).toMatch(/class="bar warm"/);
    expect(html.match(/<rect class="inv /g)?.length).toBe(6 + 4 + 3);
    // Cold ratio points: one per cell with classified invocations, a line joining pc 0 and pc 5 of node-hello 128 MB.
    expect(html.match(/<circle class="point"/g)?.length).toBe(3);
    expect(html.match(/<polyline class="series"/g)?.length).toBe(1);
  });

  it('has the comparison table, no best cell from a handful of samples, and the cost labelled as an estimate', () => {
    expect(html.match(/<tr data-cell=/g)?.length).toBe(3);
    expect(html).not.toMatch(/<td class="best"/);
    expect(html).toMatch(/<li>not compared: py&lt;script&gt; 512 MB pc 0 \(1 throttled\)<\/li>/);
    expect(html).toMatch(/Cost is an estimate/);
    expect(html).toContain('perGbSecond');
  });

  it('lists each environment with its peak memory, highest first', () => {
    const table = /<table class="environments">(.*?)<\/table>/s.exec(html)?.[1] ?? '';
    // Fixture: env-i reports 40 + i MB; the largest environment id in the fixture is env-3 (node-hello 128 MB pc 0).
    expect(table.match(/<tr><td>/g)?.length).toBe(4 + 3 + 1);
    expect(/<tr><td>[^<]*<\/td><td>env-3<\/td><td>on-demand<\/td><td>1<\/td><td>43 MB<\/td>/.test(table)).toBe(true);
  });

  it('escapes names', () => {
    expect(html).not.toContain('py<script>');
    expect(html).toContain('py&lt;script&gt;');
    expect(escapeHtml(`a&"'<>`)).toBe('a&amp;&quot;&#39;&lt;&gt;');
  });

  it('flags interrupted runs and samples a huge timeline', () => {
    expect(renderHtml({ ...results, interrupted: true })).toContain('interrupted');
    const big = fakeCell({ functionName: 'big', memoryMb: 128, coldMs: [], warmMs: Array.from({ length: TIMELINE_MAX_BARS * 3 }, () => 2) });
    const { svg, note } = timelineSvg([big]);
    expect(svg.match(/<rect class="inv /g)?.length).toBeLessThanOrEqual(TIMELINE_MAX_BARS);
    expect(note).toMatch(/every 3th/);
  });
});
