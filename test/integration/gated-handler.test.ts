/**
 * The gated request handler through the real SDK against real loopback servers: requests park until fired,
 * discarded ones never leave, connections are opened ahead and reused, and transport failures, timeouts and
 * service errors come back as data.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startCannedLambda, type CannedLambda } from '../../bench/canned-lambda.js';
import { createAwsTarget } from '../../src/targets/aws.js';
import { SdkTarget } from '../../src/targets/sdk-target.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const spec = { functionName: 'canned', payload: new TextEncoder().encode('{"k":"é"}') };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function canned(): Promise<CannedLambda> {
  const server = await startCannedLambda();
  closers.push(() => server.close());
  return server;
}

async function target(endpoint: string, requestTimeoutOverrideMs?: number): Promise<SdkTarget> {
  const t = await createAwsTarget({ region: 'us-east-1', endpoint, credentials, allowMutations: false, ...(requestTimeoutOverrideMs ? { requestTimeoutOverrideMs } : {}) });
  closers.push(() => t.close());
  return t;
}

/** A raw server: `onSocket` decides what happens to each connection; counts connections. */
async function rawServer(onSocket: (socket: net.Socket) => void): Promise<{ endpoint: string; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

describe('gated handler', () => {
  it('parks prepared requests until fired, and times each from its write', async () => {
    const server = await canned();
    const t = await target(server.endpoint);
    await t.getFunction('canned');
    const prepared = await t.prepare(spec, 5);
    expect(prepared).toHaveLength(5);
    // Give a parked request every chance to leak out: none may arrive before fire().
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.invocations()).toBe(0);
    const results = await Promise.all(prepared.map((p) => p.fire()));
    expect(server.invocations()).toBe(5);
    for (const r of results) {
      expect(r.statusCode).toBe(200);
      expect(r.finishedAt).toBeGreaterThanOrEqual(r.sentAt);
      expect(r.sentAt).toBeGreaterThanOrEqual(prepared[0]?.preparedAt ?? 0);
      expect(r.logTail).toMatch(/^REPORT RequestId/m);
      expect(r.executedVersion).toBe('$LATEST');
    }
  });

  it('never sends a discarded invocation', async () => {
    const server = await canned();
    const t = await target(server.endpoint);
    const prepared = await t.prepare(spec, 3);
    prepared[1]?.discard();
    const fired = await Promise.all([prepared[0]?.fire(), prepared[2]?.fire()]);
    expect(fired.map((r) => r?.statusCode)).toEqual([200, 200]);
    expect(server.invocations()).toBe(2);
  });

  it('opens one connection per invocation ahead of the release and reuses them for the next burst', async () => {
    let requests = 0;
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      requests += 1;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('hex'));
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
        res.end('{}');
      });
    });
    const connections = new Set<net.Socket>();
    server.on('connection', (s) => connections.add(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const t = await target(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const first = await t.prepare(spec, 8);
    // The client saw 8 connects; the server (same process) accepts them on its next turns of the loop.
    for (let i = 0; i < 100 && connections.size < 8; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(connections.size).toBe(8);
    expect(requests).toBe(0);
    await Promise.all(first.map((p) => p.fire()));
    const second = await t.prepare(spec, 8);
    await Promise.all(second.map((p) => p.fire()));
    expect(requests).toBe(16);
    expect(connections.size).toBe(8);
    // Bodies arrive byte-exact (the payload has a multi-byte character).
    expect(new Set(bodies)).toEqual(new Set([Buffer.from(spec.payload).toString('hex')]));
  });

  it('a connection reset is a transport error, not an exception', async () => {
    const server = await rawServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const t = await target(server.endpoint);
    const [p] = await t.prepare(spec, 1);
    const r = await p?.fire();
    expect(r?.transportError).toMatch(/ECONNRESET|EPIPE|socket hang up/);
    expect(r?.clientTimeout).toBeUndefined();
  });

  it('no response within the request timeout is a client timeout', async () => {
    const server = await rawServer(() => undefined);
    const t = await target(server.endpoint, 300);
    const [p] = await t.prepare(spec, 1);
    const r = await p?.fire();
    expect(r?.clientTimeout).toBe(true);
    expect((r?.finishedAt ?? 0) - (r?.sentAt ?? 0)).toBeGreaterThanOrEqual(250);
  });

  it('a 429 comes back as the SDK exception name and its Reason', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException', 'x-amzn-requestid': 'r-429' });
        res.end(JSON.stringify({ Reason: 'ConcurrentInvocationLimitExceeded', Type: 'User', message: 'Rate Exceeded.' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const t = await target(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const [p] = await t.prepare(spec, 1);
    const r = await p?.fire();
    expect(r).toMatchObject({ statusCode: 429, serviceErrorName: 'TooManyRequestsException', throttleReason: 'ConcurrentInvocationLimitExceeded', requestId: 'r-429' });
  });

  it('https: TLS connections are opened and handshaken before the release', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coldprobe-tls-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    // A throwaway self-signed certificate for 127.0.0.1 (real openssl, as a user's machine has it).
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'));
    let handshakes = 0;
    let requests = 0;
    const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      requests += 1;
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
        res.end('{}');
      });
    });
    server.on('secureConnection', () => (handshakes += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const t = await createAwsTarget({ region: 'us-east-1', endpoint, credentials, ca: cert.toString(), allowMutations: false, env: {} });
    closers.push(() => t.close());
    const prepared = await t.prepare(spec, 4);
    for (let i = 0; i < 100 && handshakes < 4; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(handshakes).toBe(4);
    expect(requests).toBe(0);
    const results = await Promise.all(prepared.map((p) => p.fire()));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(requests).toBe(4);
    expect(handshakes).toBe(4);
  });
});
