import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { fakeCell, fakeResults } from '../fixtures/matrix-cells.js';

const CHROMIUM = '/usr/bin/chromium';
const run = promisify(execFile);

describe.skipIf(!existsSync(CHROMIUM))(`HTML report in headless Chromium${existsSync(CHROMIUM) ? '' : ' (skipped: /usr/bin/chromium is not installed; apt-get install chromium)'}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'coldprobe-html-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders offline with every chart in the DOM', async () => {
    const results = fakeResults([
      fakeCell({ functionName: 'node-hello', memoryMb: 128, coldMs: [300, 320], warmMs: [3, 4, 5] }),
      fakeCell({ functionName: 'node-hello', memoryMb: 128, provisioned: 5, coldMs: [150], warmMs: [2, 2] }),
    ]);
    const page = join(dir, 'report.html');
    writeFileSync(page, renderHtml(results));
    const flags = [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', `--user-data-dir=${join(dir, 'profile')}`,
    ];
    const { stdout } = await run(CHROMIUM, [...flags, '--dump-dom', `file://${page}`], { timeout: 45_000, maxBuffer: 32 * 1024 * 1024 });
    // The DOM Chromium built (not our string): charts parsed as SVG elements with their bars.
    expect(stdout.match(/<svg class="chart histogram"/g)?.length).toBe(2);
    expect(stdout).toContain('<svg class="chart cold-ratio"');
    expect(stdout).toContain('<svg class="chart timeline"');
    expect(stdout.match(/<rect class="inv /g)?.length).toBe(8);
    await run(CHROMIUM, [...flags, `--screenshot=${join(dir, 'shot.png')}`, '--window-size=1000,1400', `file://${page}`], { timeout: 45_000 });
    expect(existsSync(join(dir, 'shot.png'))).toBe(true);
  });
});
