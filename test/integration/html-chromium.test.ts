/**
 * The HTML report in a real browser: headless Chromium (Debian's `chromium` package) parses the page offline,
 * and the DOM it built (not our string) has every section and chart; a screenshot is taken. Skipped when
 * Chromium is not installed.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { fakeCell, fakeResults } from '../fixtures/matrix-cells.js';

const CHROMIUM = '/usr/bin/chromium';
const run = promisify(execFile);
const PNG_MAGIC = '89504e470d0a1a0a';

describe.skipIf(!existsSync(CHROMIUM))(`HTML report in headless Chromium${existsSync(CHROMIUM) ? '' : ' (skipped: /usr/bin/chromium is not installed; apt-get install chromium)'}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'coldprobe-html-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders offline with every section and chart in the DOM, the timeline readable at 1,000 environments', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => 300 + (i % 40) * 5);
    const results = fakeResults([
      fakeCell({ functionName: 'node-hello', memoryMb: 128, coldMs: [300, 320], warmMs: [3, 4, 5], throttled: 2 }),
      fakeCell({ functionName: 'node-hello', memoryMb: 512, coldMs: [150], warmMs: [2, 2] }),
      fakeCell({ functionName: 'node-hello', memoryMb: 512, provisioned: 5, coldMs: many, warmMs: many.map(() => 2) }),
    ]);
    const page = join(dir, 'report.html');
    writeFileSync(page, renderHtml(results));
    const flags = [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', `--user-data-dir=${join(dir, 'profile')}`,
    ];
    const { stdout } = await run(CHROMIUM, [...flags, '--dump-dom', `file://${page}`], { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 });
    const sections = [...stdout.matchAll(/<h2 id="([a-z-]+)">/g)].map((m) => m[1]);
    expect(sections).toEqual(['comparison', 'power', 'cold-ratio', 'failures', 'histograms', 'timeline', 'environments']);
    expect(stdout.match(/<svg class="chart power"/g)).toHaveLength(1);
    expect(stdout.match(/<svg class="chart histogram"/g)).toHaveLength(3);
    expect(stdout.match(/<svg class="chart timeline lanes"/g)).toHaveLength(2);
    expect(stdout.match(/<svg class="chart timeline density"/g)).toHaveLength(1);
    expect(stdout).toContain('<td>ReservedFunctionConcurrentInvocationLimitExceeded</td>');
    expect(stdout.match(/<table class="environments">.*?<\/table>/s)?.[0].match(/<tr data-cell=/g)).toHaveLength(3);
    await run(CHROMIUM, [...flags, '--hide-scrollbars', `--screenshot=${join(dir, 'shot.png')}`, '--window-size=1280,2400', `file://${page}`], { timeout: 60_000 });
    const png = readFileSync(join(dir, 'shot.png'));
    expect(png.subarray(0, 8).toString('hex')).toBe(PNG_MAGIC);
    expect(png.readUInt32BE(16)).toBe(1280); // IHDR width
  }, 150_000);
});
