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

  it('pooled invocations hold no connection while prepared and go out on the spares, reused one after another', async () => {
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests += 1;
      req.resume();
      req.on('end', () => {
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
    // 20 prepared, 3 spare connections: the connections are the spares, not one per prepared invocation.
    const prepared = await t.prepare(spec, 20, undefined, { connections: 'pooled', spareConnections: 3 });
    expect(t.connectionsOpened()).toBe(3);
    expect(requests).toBe(0);
    // One at a time: each goes out on a connection an earlier response gave back.
    for (const p of prepared) expect((await p.fire()).statusCode).toBe(200);
    expect(requests).toBe(20);
    // The spares kept topped up while requests took them: at most one in flight plus three spare.
    expect(t.connectionsOpened()).toBeLessThanOrEqual(4);
    expect(connections.size).toBeLessThanOrEqual(t.connectionsOpened());
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

  it('a parked request whose connection the server closed before the release moves to a fresh one: never a transport error', async () => {
    // Like a front end dropping idle keep-alive connections: any connection without a request for 400 ms is closed.
    const response = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Amz-Executed-Version: $LATEST\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}';
    const server = await rawServer((socket) => {
      const idle = setTimeout(() => socket.destroy(), 400);
      socket.on('data', () => {
        clearTimeout(idle);
        socket.write(response);
      });
    });
    const t = await target(server.endpoint);
    const prepared = await t.prepare(spec, 5);
    // The first connections are closed while parked; the requests re-park on new ones, which are still fresh here.
    await new Promise((resolve) => setTimeout(resolve, 550));
    const results = await Promise.all(prepared.map((p) => p.fire()));
    expect(results.map((r) => r.transportError)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(server.connections()).toBeGreaterThanOrEqual(10);
  });

  it('retries a failed connect while warming instead of aborting the burst, and gives up after the last attempt', async () => {
    let refused = 0;
    const response = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Amz-Executed-Version: $LATEST\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}';
    const { ConnectionPool } = await import('../../src/targets/connection-pool.js');
    const flaky = await rawServer((socket) => socket.on('data', () => socket.write(response)));
    const port = Number(new URL(flaky.endpoint).port);
    const origin = { protocol: 'http:' as const, hostname: '127.0.0.1', port };
    const pool = new ConnectionPool({ connectParallelism: 4 });
    closers.push(async () => pool.close());
    await pool.warm(origin, 20);
    expect(pool.idleCount(origin)).toBe(20);
    expect(pool.retriedConnects).toBe(0);
    // Nothing listens on a closed port: every attempt is refused, three per connection, then warm rejects.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dead = { protocol: 'http:' as const, hostname: '127.0.0.1', port: deadPort };
    await expect(pool.warm(dead, 1)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    refused = pool.retriedConnects;
    expect(refused).toBe(2);
  });

  it('a prepared invocation that waited longer than the signing limit for its slot is signed again when fired', async () => {
    const response = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Amz-Executed-Version: $LATEST\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}';
    const dates: string[] = [];
    const server = await rawServer((socket) =>
      socket.on('data', (chunk: Buffer) => {
        const date = /x-amz-date: (\d{8}T\d{6}Z)/i.exec(chunk.toString('latin1'))?.[1];
        if (date) dates.push(date);
        socket.write(response);
      }),
    );
    const { createClients } = await import('../../src/targets/client.js');
    const { client, control, handler } = createClients({ region: 'us-east-1', endpoint: server.endpoint, credentials });
    const t = new SdkTarget({ kind: 'aws', description: 'signing', client, control, handler, waiter: { minDelayS: 0.05, maxDelayS: 0.1, maxWaitS: 5 }, maxSignedWaitMs: 300, forceCold: async () => '' });
    closers.push(() => t.close());
    const [fresh, stale] = await t.prepare(spec, 2);
    const signedAt = new Date();
    expect((await fresh?.fire())?.statusCode).toBe(200);
    // Past the limit and into the next second, so a new signature carries a later X-Amz-Date.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await stale?.fire())?.statusCode).toBe(200);
    expect(dates).toHaveLength(2);
    const asDate = (d: string): number => Date.parse(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`);
    expect(asDate(dates[1] as string)).toBeGreaterThan(Math.floor(signedAt.getTime() / 1000) * 1000);
  });
});

