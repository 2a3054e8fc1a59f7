import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../src/core/gate.js';
import { runGate } from '../../src/core/gate.js';
import { parseThreshold } from '../../src/core/threshold.js';
import { escapeData, escapeProperty, renderAnnotations, underGitHubActions } from '../../src/report/annotations.js';
import { escapeXml, renderJunit } from '../../src/report/junit.js';
import { escapeMarkdownCell, renderMarkdown } from '../../src/report/markdown.js';
import { cell, resultsFile, samples } from './gate-fixtures.js';

const nasty = 'fn<&>"\'|\n%:,';

function gateWith(strict = false): GateResult {
  return {
    items: [
      { kind: 'threshold', cell: 'node-128', metric: 'errors', name: 'errors == 0', status: 'fail', detail: `errors 2 == 0 does not hold ${nasty}` },
      { kind: 'regression', cell: 'node-128', metric: 'cold.init.p50', name: 'cold.init.p50 vs baseline', status: 'inconclusive', detail: 'too few samples' },
      { kind: 'threshold', cell: 'py-512', metric: 'cold_ratio', name: 'cold_ratio <= 0.5', status: 'pass', detail: 'cold_ratio 20.0% <= 50.0%' },
    ],
    comparisons: [],
    passed: false,
    strict,
    counts: { pass: 1, fail: 1, inconclusive: 1 },
    skipped: [],
  };
}

describe('annotations', () => {
  it('escape as GitHub does', () => {
    expect(escapeData('50%\r\nx')).toBe('50%25%0D%0Ax');
    expect(escapeProperty('a:b,c%')).toBe('a%3Ab%2Cc%25');
  });
  it('one ::error per failure, ::warning per inconclusive, nothing for passes', () => {
    const out = renderAnnotations(gateWith());
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^::error title=coldprobe%3A node-128 errors::errors == 0: errors 2 == 0 does not hold fn<&>"'\|%0A%25:,$/);
    expect(lines[1]).toMatch(/^::warning title=coldprobe%3A node-128 cold.init.p50::/);
    expect(renderAnnotations(gateWith(true)).split('\n')[1]).toMatch(/^::error /);
  });
  it('only under GITHUB_ACTIONS=true', () => {
    expect(underGitHubActions({ GITHUB_ACTIONS: 'true' })).toBe(true);
    expect(underGitHubActions({})).toBe(false);
  });
});

describe('junit', () => {
  it('escapes XML and strips characters XML cannot carry', () => {
    expect(escapeXml(`a<b>&"c"'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;');
  });
  it('one suite per cell with failure, skipped and passing testcases, counted', () => {
    const xml = renderJunit(gateWith());
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="coldprobe" tests="3" failures="1" errors="0" skipped="1">/);
    expect(xml).toContain('<testsuite name="coldprobe check: node-128" tests="2" failures="1" errors="0" skipped="1">');
    expect(xml).toContain('<failure message="errors 2 == 0 does not hold fn&lt;&amp;&gt;&quot;&apos;|\n%:," type="threshold">');
    expect(xml).toContain('<skipped message="too few samples"/>');
    expect(xml).toContain('<testcase classname="coldprobe.py-512" name="cold_ratio &lt;= 0.5"/>');
    // No raw special characters outside tags and entities.
    const text = xml.replace(/<[^>]*>/g, '');
    expect(text).not.toMatch(/[<>]/);
  });
  it('strict turns skipped into failures', () => {
    expect(renderJunit(gateWith(true))).toMatch(/tests="3" failures="2" errors="0" skipped="0"/);
  });
});

describe('markdown', () => {
  it('escapes table cells', () => {
    expect(escapeMarkdownCell('a|b\nc <x> `y`')).toBe('a\\|b c \\<x\\> \\`y\\`');
  });
  it('puts the verdict first and failures before passes', () => {
    const md = renderMarkdown(gateWith(), 'results/x.json');
    expect(md.split('\n')[0]).toBe('## coldprobe check ❌ failed');
    expect(md).toContain('1 passed, 1 failed, 1 inconclusive');
    const fail = md.indexOf('❌ fail |');
    const warn = md.indexOf('⚠️ inconclusive');
    const pass = md.indexOf('✅ pass |');
    expect(fail).toBeGreaterThan(0);
    expect(fail).toBeLessThan(warn);
    expect(warn).toBeLessThan(pass);
    // Every table row has exactly four unescaped pipes-separated cells.
    for (const row of md.split('\n').filter((l) => l.startsWith('| ') && l.includes('node-128'))) {
      expect(row.replace(/\\\|/g, '').split('|').length).toBe(6);
    }
  });
  it('includes the comparison with the baseline, per cell', () => {
    const base = resultsFile([cell({ id: 'node', cold: samples(40, 300_000, 1) })]);
    const slow = resultsFile([cell({ id: 'node', cold: samples(40, 450_000, 3) })]);
    const md = renderMarkdown(runGate(slow, [parseThreshold('errors == 0')], base), 'cur.json');
    expect(md).toContain('<details><summary>Cell node vs baseline</summary>');
    expect(md).toMatch(/\| cold.init.p50 \| \d+ms \| \d+ms \| \+\d+\.\d% \| \+\d+\.\d%, larger than the noise/);
    expect(md).toMatch(/❌ fail \| node \| cold.init.p50 vs baseline/);
  });
});
