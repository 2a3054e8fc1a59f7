/**
 * A burst over TLS, as a user runs it: `coldprobe emulator --tls` (the built CLI, a self-signed certificate made
 * with openssl at start) and `coldprobe burst --target aws --endpoint-url https://…` trusting that certificate
 * through `--ca-bundle` or `AWS_CA_BUNDLE`, as the AWS CLI does. Run `npm run build` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../../src/core/types.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const SAMPLES = fileURLToPath(new URL('../../profiles/functions', import.meta.url));
const AWS_ENV = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-tls-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  closed: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(process.execPath, [cli, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', CI: '1', AWS_CA_BUNDLE: '', ...env } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, closed };
}

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const recordsOf = (file: string): InvocationRecord[] =>
  (JSON.parse(readFileSync(file, 'utf8')) as { cells: Array<{ records: InvocationRecord[] }> }).cells.flatMap((c) => c.records);

describe('a burst over TLS against `coldprobe emulator --tls`', () => {
  it('every invocation is sent, answered and classified; the certificate is trusted through --ca-bundle or AWS_CA_BUNDLE only', async () => {
    const emulator = start(['emulator', '--tls', '--port', '0', '--functions', SAMPLES, '--idle-ttl', '2m']);
    await until(() => /Press Ctrl-C to stop/.test(emulator.stdout()) || emulator.child.exitCode !== null);
    const endpoint = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(emulator.stdout())?.[1];
    const certPath = /self-signed certificate (\S+), deleted at exit/.exec(emulator.stdout())?.[1];
    expect(endpoint, emulator.stderr()).toBeDefined();
    expect(certPath).toBeDefined();
    expect(emulator.stdout()).toContain(`--endpoint-url ${endpoint} --ca-bundle ${certPath}`);
    const url = endpoint as string;
    const cert = certPath as string;

    // Untrusted: the handshake fails before anything is sent, and nothing is written.
    const untrusted = start(['burst', '--target', 'aws', '--endpoint-url', url, '--n', '2', '--no-tui', '--out', join(dir, 'untrusted.json')], AWS_ENV);
    expect(await untrusted.closed).toBe(3);
    expect(untrusted.stderr()).toMatch(/certificate/i);
    expect(existsSync(join(dir, 'untrusted.json'))).toBe(false);

    const out = join(dir, 'tls.json');
    const burst = start(['burst', '--target', 'aws', '--endpoint-url', url, '--ca-bundle', cert, '--n', '20', '--no-tui', '--out', out], AWS_ENV);
    expect(await burst.closed, burst.stderr()).toBe(0);
    const records = recordsOf(out);
    expect(records).toHaveLength(20);
    expect(records.every((r) => r.outcome === 'ok')).toBe(true);
    // Ground truth from the emulator's headers, read over TLS: one environment per invocation, each one's first.
    expect(records.map((r) => r.classification)).toEqual(records.map((r) => (r.env?.envSeq === 1 ? 'cold' : 'warm')));
    expect(records.filter((r) => r.classification === 'cold').length).toBeGreaterThan(0);

    const viaEnv = start(['burst', '--target', 'aws', '--endpoint-url', url, '--n', '5', '--no-tui', '--out', join(dir, 'env.json')], { ...AWS_ENV, AWS_CA_BUNDLE: cert });
    expect(await viaEnv.closed, viaEnv.stderr()).toBe(0);
    const again = recordsOf(join(dir, 'env.json'));
    expect(again.every((r) => r.outcome === 'ok' && r.classification !== 'unknown')).toBe(true);

    const missing = start(['burst', '--target', 'aws', '--endpoint-url', url, '--ca-bundle', join(dir, 'nope.pem'), '--n', '1', '--no-tui'], AWS_ENV);
    expect(await missing.closed).toBe(2);
    expect(missing.stderr()).toContain(`--ca-bundle ${join(dir, 'nope.pem')} cannot be read (ENOENT).`);

    emulator.child.kill('SIGINT');
    expect(await emulator.closed).toBe(0);
    // The certificate and its key are gone with the emulator.
    expect(existsSync(cert)).toBe(false);
  });
});
