import { describe, expect, it } from 'vitest';
import type { LoadWindow } from '../../src/core/load-windows.js';
import type { CellResult } from '../../src/core/results.js';
import { loadChartsHtml } from '../../src/report/load-chart.js';

const window = (index: number, extra: Partial<LoadWindow> = {}): LoadWindow => ({
  index, requested: 10 * index, started: 10 * index, finished: 10 * index, inFlight: 1, cold: index === 1 ? 3 : 0, warm: 5, unknown: 0,
  throttled: index === 3 ? 2 : 0, throttlesByReason: {}, errors: 0, latencyP50Us: 5000, latencyP99Us: 90_000, dueLatencyP99Us: 95_000,
  scheduleLagP99Us: 300, late: 0, environments: index + 1, newEnvironments: index === 1 ? 3 : 0, ...extra,
});

const cell = (load?: CellResult['load']): CellResult => ({
  spec: { id: 'default', label: 'node-<hello>', functionName: 'node-hello', runtime: 'nodejs20.x', memoryMb: 128, provisioned: 0 },
  bursts: [],
  records: [],
  histograms: {},
  summary: {} as CellResult['summary'],
  ...(load === undefined ? {} : { load }),
});

describe('load charts in the HTML report', () => {
  it('draws rate, cold starts, throttles, environments and latency per window, escaping labels', () => {
    const html = loadChartsHtml([cell({ stages: '4s:0-40', windowMs: 1000, maxInFlight: 10, originUs: 0, durationUs: 4e6, scheduled: 80, notSent: 0, startedFromBacklog: 0, windows: [0, 1, 2, 3].map((i) => window(i)) })]);
    expect(html).toContain('<h2>Load over time</h2>');
    expect(html.match(/<polyline/g)).toHaveLength(5 + 3);
    expect(html).toContain('environments in use');
    expect(html).toContain('node-&lt;hello&gt;');
    expect(html).not.toMatch(/NaN|undefined/);
  });

  it('draws nothing for cells that are not loads, and leaves environments out on AWS', () => {
    expect(loadChartsHtml([cell()])).toBe('');
    const aws = loadChartsHtml([cell({ stages: '1s:5', windowMs: 1000, maxInFlight: 10, originUs: 0, durationUs: 1e6, scheduled: 5, notSent: 0, startedFromBacklog: 0, windows: [{ ...window(0), environments: undefined, newEnvironments: undefined }] as LoadWindow[] })]);
    expect(aws).not.toContain('environments in use');
  });
});
