/**
 * The Runtime API from the runtime's side: the test process plays the runtime over raw HTTP (the fixture's
 * bootstrap only publishes its AWS_LAMBDA_RUNTIME_API address and sleeps), so every status code, header and
 * misbehaviour (posting twice, unknown ids, garbage, chunked bodies with trailers, a vanishing caller) is exercised.
 */
import { InvokeCommand, PutFunctionConcurrencyCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/api.js';
import { startEmulator } from '../../src/emulator/index.js';
import { fixture, parseTail, sdkClient, waitFor } from './emulator-helpers.js';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One raw HTTP exchange with `address` (`host:port`); `trailers` turns on chunked encoding. */
function http(address: string, method: string, path: string, body?: string | Buffer, extra: { headers?: Record<string, string>; trailers?: Record<string, string> } = {}): Promise<RawResponse> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const chunked = extra.trailers !== undefined;
    const headers: Record<string, string | number> = { ...extra.headers };
    if (chunked) {
      headers['Transfer-Encoding'] = 'chunked';
      headers['Trailer'] = Object.keys(extra.trailers ?? {}).join(', ');
    } else if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
    const req = request({ host, port: Number(port), method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (chunked) {
      // Several chunks, then trailers, exactly like aws-lambda-go's length-unknown bodies.
      const text = Buffer.from(body ?? '');
      req.write(text.subarray(0, Math.floor(text.length / 2)));
      req.write(text.subarray(Math.floor(text.length / 2)));
      req.addTrailers(extra.trailers ?? {});
      req.end();
    } else req.end(body);
  });
}

const RT = '/2018-06-01/runtime';
const json = (out: InvokeCommandOutput): unknown => JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8'));

describe('emulator runtime API', () => {
  let emulator: Emulator | undefined;
  let client: LambdaClient | undefined;
  let portFile = '';

  afterEach(async () => {
    client?.destroy();
    await emulator?.close();
    emulator = undefined;
    client = undefined;
    rmSync(portFile, { force: true });
  });

  /** An emulator with the raw-runtime function `raw`; resolves once an invoke has spawned it, with its address. */
  async function startRaw(invokePayload: string, options: { reserved?: number } = {}): Promise<{ api: string; pending: Promise<InvokeCommandOutput> }> {
    portFile = join(tmpdir(), `coldprobe-rt-${randomUUID()}`);
    emulator = await startEmulator({ functions: [fixture('raw-runtime', 'raw', { environment: { PORT_FILE: portFile } })], stopGraceMs: 200 });
    client = sdkClient(emulator);
    if (options.reserved !== undefined) await client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'raw', ReservedConcurrentExecutions: options.reserved }));
    const pending = client.send(new InvokeCommand({ FunctionName: 'raw', Payload: Buffer.from(invokePayload), LogType: 'Tail' }));
    expect(await waitFor(() => existsSync(portFile))).toBe(true);
    return { api: readFileSync(portFile, 'utf8').trim(), pending };
  }

  it('delivers the event with its headers and enforces one answer per request id', async () => {
    const { api, pending } = await startRaw('{"hello":"runtime"}');
    expect(api).toMatch(/^127\.0\.0\.1:\d+$/);
    const before = Date.now();
    const next = await http(api, 'GET', `${RT}/invocation/next`);
    expect(next.status).toBe(200);
    expect(next.body).toBe('{"hello":"runtime"}');
    const id = String(next.headers['lambda-runtime-aws-request-id']);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
    expect(deadline).toBeGreaterThan(before);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 3000);
    expect(next.headers['lambda-runtime-invoked-function-arn']).toBe('arn:aws:lambda:us-east-1:123456789012:function:raw');
    expect(next.headers['lambda-runtime-trace-id']).toMatch(/^Root=1-[0-9a-f]+-[0-9a-f]{24};Parent=[0-9a-f]+;Sampled=0$/);
    expect(next.headers['lambda-runtime-client-context']).toBeUndefined();

    // A second /next before answering re-renders the same event (RIE behaviour), it is not an error.
    const again = await http(api, 'GET', `${RT}/invocation/next`);
    expect(again.headers['lambda-runtime-aws-request-id']).toBe(id);

    const unknown = await http(api, 'POST', `${RT}/invocation/not-a-request/response`, '{}');
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body)).toEqual({ errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });

    const answer = await http(api, 'POST', `${RT}/invocation/${id}/response`, '{"answer":42}');
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({ status: 'OK' });
    const twice = await http(api, 'POST', `${RT}/invocation/${id}/response`, '{"answer":43}');
    expect(twice.status).toBe(400);
    expect(JSON.parse(twice.body)).toMatchObject({ errorType: 'InvalidRequestID' });
    const errorAfter = await http(api, 'POST', `${RT}/invocation/${id}/error`, '{}');
    expect(errorAfter.status).toBe(400);
    const lateInitError = await http(api, 'POST', `${RT}/init/error`, '{}');
    expect(lateInitError.status).toBe(403);
    expect(JSON.parse(lateInitError.body)).toMatchObject({ errorType: 'InvalidStateTransition' });

    // The invocation ends when the runtime asks for the next one (Duration = dispatch → next /next).
    const secondNext = http(api, 'GET', `${RT}/invocation/next`);
    const out = await pending;
    expect(out.FunctionError).toBeUndefined();
    expect(json(out)).toEqual({ answer: 42 });
    expect(out.$metadata.requestId).toBe(id);
    const tail = parseTail(out.LogResult);
    expect(tail.initDurationMs).toBeGreaterThan(0);
    expect(tail.envSeq).toBe(1);

    // Warm: the parked /next gets the second event; /error with a type header is a function error, body verbatim.
    const warm = client?.send(new InvokeCommand({ FunctionName: 'raw', Payload: Buffer.from('{"n":2}'), LogType: 'Tail' }));
    const next2 = await secondNext;
    expect(next2.body).toBe('{"n":2}');
    const id2 = String(next2.headers['lambda-runtime-aws-request-id']);
    const errorDoc = '{"errorMessage":"bad","errorType":"Custom.Failure","stackTrace":[]}';
    const posted = await http(api, 'POST', `${RT}/invocation/${id2}/error`, errorDoc, { headers: { 'Lambda-Runtime-Function-Error-Type': 'Custom.Failure' } });
    expect(posted.status).toBe(202);
    void http(api, 'GET', `${RT}/invocation/next`).catch(() => undefined);
    const failed = await warm;
    expect(failed?.FunctionError).toBe('Unhandled');
    expect(Buffer.from(failed?.Payload ?? new Uint8Array()).toString()).toBe(errorDoc);
    const tail2 = parseTail(failed?.LogResult);
    expect(tail2).toMatchObject({ envSeq: 2, status: 'error', errorType: 'Custom.Failure', initDurationMs: undefined });
  });

  it('reads chunked bodies with trailers; an error-type trailer makes it a function error', async () => {
    const { api, pending } = await startRaw('{}');
    const next = await http(api, 'GET', `${RT}/invocation/next`);
    const id = String(next.headers['lambda-runtime-aws-request-id']);
    const errorBody = JSON.stringify({ errorMessage: 'stream broke', errorType: 'Runtime.StreamError' });
    const posted = await http(api, 'POST', `${RT}/invocation/${id}/response`, '{"partial":', {
      trailers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.StreamError', 'Lambda-Runtime-Function-Error-Body': Buffer.from(errorBody).toString('base64') },
    });
    expect(posted.status).toBe(202);
    const secondNext = http(api, 'GET', `${RT}/invocation/next`);
    const out = await pending;
    expect(out.FunctionError).toBe('Unhandled');
    expect(Buffer.from(out.Payload ?? new Uint8Array()).toString()).toBe(errorBody);

    // Chunked without an error trailer is an ordinary response.
    const ok = client?.send(new InvokeCommand({ FunctionName: 'raw', Payload: Buffer.from('{}') }));
    const id2 = String((await secondNext).headers['lambda-runtime-aws-request-id']);
    expect((await http(api, 'POST', `${RT}/invocation/${id2}/response`, '{"chunked":true}', { trailers: {} })).status).toBe(202);
    void http(api, 'GET', `${RT}/invocation/next`).catch(() => undefined);
    const okOut = await ok;
    expect(okOut?.FunctionError).toBeUndefined();
    expect(json(okOut as InvokeCommandOutput)).toEqual({ chunked: true });
  });

  it('speaks HTTP/1.1 as curl does: Expect: 100-continue, chunk extensions, Connection: close; refuses bad chunk sizes', async () => {
    const { api, pending } = await startRaw('{}');
    const [host, port] = api.split(':');
    /** Writes `chunks` one after another on a fresh socket; resolves with all it got once `until` matches or it closes. */
    const rawExchange = (chunks: string[], until: RegExp): Promise<{ text: string; closed: boolean }> =>
      new Promise((resolve, reject) => {
        const socket = connect(Number(port), host);
        let got = '';
        socket.on('data', (d: Buffer) => {
          got += d.toString('latin1');
          if (until.test(got)) setTimeout(() => resolve({ text: got, closed: socket.destroyed }), 50);
        });
        socket.on('close', () => resolve({ text: got, closed: true }));
        socket.on('error', reject);
        void (async () => {
          for (const c of chunks) {
            socket.write(c);
            await new Promise((r) => setTimeout(r, 10));
          }
        })();
      });
    const next = await rawExchange([`GET ${RT}/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n`], /\r\n\r\n\{\}$/);
    const id = /lambda-runtime-aws-request-id: (\S+)/i.exec(next.text)?.[1] ?? '';
    expect(next.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(id).not.toBe('');
    // curl-style Expect: 100-continue, then a chunked body with a chunk extension; Connection: close is honoured.
    const answer = await rawExchange(
      [
        `POST ${RT}/invocation/${id}/response HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n`,
        '5;ext=1\r\n"spli\r\n',
        '3\r\nt!"\r\n0\r\n\r\n',
      ],
      /HTTP\/1\.1 202 [\s\S]*\{"status":"OK"\}/,
    );
    expect(answer.text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 202 /);
    expect(answer.text).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer.closed).toBe(true);
    void http(api, 'GET', `${RT}/invocation/next`).catch(() => undefined);
    expect(json(await pending)).toBe('split!');
    // A chunk size that is not hex ends in a 400 and a closed connection (parseInt would have read "1x" as 1).
    const badChunk = await rawExchange([`POST ${RT}/nowhere HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1x\r\na\r\n0\r\n\r\n`], /HTTP\/1\.1 400/);
    expect(badChunk.text).toMatch(/HTTP\/1\.1 400 /);
    expect(badChunk.closed).toBe(true);
  });

  it('answers garbage and unknown routes with a 4xx and keeps serving', async () => {
    const { api, pending } = await startRaw('{}');
    const [host, port] = api.split(':');
    const garbage = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), host, () => socket.write('THIS IS NOT HTTP\r\n\r\n'));
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString()));
      socket.on('close', () => resolve(got));
      socket.on('error', reject);
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    expect((await http(api, 'GET', '/nonsense')).status).toBe(404);
    expect((await http(api, 'POST', `${RT}/invocation/x/bogus`, '{}')).status).toBe(404);
    expect((await http(api, 'DELETE', `${RT}/invocation/next`)).status).toBe(404);
    expect((await http(api, 'GET', `${RT}/invocation/x/response`)).status).toBe(404);

    const next = await http(api, 'GET', `${RT}/invocation/next`);
    const id = String(next.headers['lambda-runtime-aws-request-id']);
    expect((await http(api, 'POST', `${RT}/invocation/${id}/response`, '"still fine"')).status).toBe(202);
    void http(api, 'GET', `${RT}/invocation/next`).catch(() => undefined);
    expect(json(await pending)).toBe('still fine');
  });

  it('hands an /init/error body to the pending invoke after the retried init fails too, and stops the environment', async () => {
    const { api, pending } = await startRaw('{}');
    const doc = '{"errorType":"Runtime.ImportModuleError","errorMessage":"Unable to import module","trace":[]}';
    const headers = { 'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError' };
    const firstPid = emulator?.environments()[0]?.pid;
    expect((await http(api, 'POST', `${RT}/init/error`, doc, { headers })).status).toBe(202);
    // The failed init is retried inside the invocation, by a new process on the same Runtime API address.
    expect(await waitFor(() => emulator?.environments()[0]?.pid !== undefined && emulator.environments()[0]?.pid !== firstPid)).toBe(true);
    const retryDoc = '{"errorType":"Runtime.ImportModuleError","errorMessage":"Unable to import module, again","trace":[]}';
    expect((await http(api, 'POST', `${RT}/init/error`, retryDoc, { headers })).status).toBe(202);
    const out = await pending;
    expect(out.FunctionError).toBe('Unhandled');
    expect(Buffer.from(out.Payload ?? new Uint8Array()).toString()).toBe(retryDoc);
    const tail = parseTail(out.LogResult);
    expect(tail.text).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime.Unknown/);
    expect(tail.text).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: error\tError Type: Runtime.Unknown/);
    expect(await waitFor(() => emulator?.environments().length === 0)).toBe(true);
  });

  it('answers 413 to an oversized response and gives the caller Function.ResponseSizeTooLarge', async () => {
    const { api, pending } = await startRaw('{}');
    const next = await http(api, 'GET', `${RT}/invocation/next`);
    const id = String(next.headers['lambda-runtime-aws-request-id']);
    const tooBig = await http(api, 'POST', `${RT}/invocation/${id}/response`, Buffer.alloc(6_291_557, 0x61));
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.body)).toEqual({ errorMessage: 'Exceeded maximum allowed payload size (6291556 bytes).', errorType: 'RequestEntityTooLarge' });
    void http(api, 'GET', `${RT}/invocation/next`).catch(() => undefined);
    const out = await pending;
    expect(out.FunctionError).toBe('Unhandled');
    expect(json(out)).toMatchObject({ errorType: 'Function.ResponseSizeTooLarge' });
  });

  it('lets an invocation finish when its caller disconnects, frees its slot, and keeps serving', async () => {
    portFile = join(tmpdir(), `coldprobe-rt-${randomUUID()}`);
    emulator = await startEmulator({ functions: [fixture('sleep')] });
    client = sdkClient(emulator);
    // Reserved concurrency 1: a leaked slot would throttle the follow-up invoke.
    await client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'sleep', ReservedConcurrentExecutions: 1 }));
    const [host, port] = emulator.endpoint.replace('http://', '').split(':');
    const req = request({ host, port: Number(port), method: 'POST', path: '/2015-03-31/functions/sleep/invocations', agent: false });
    req.on('error', () => undefined);
    req.end('{"ms":600}');
    expect(await waitFor(() => emulator?.environments().some((e) => e.state === 'busy') === true)).toBe(true);
    req.destroy();
    // The invocation still completes in its environment, which then becomes idle at its runtime's next /next.
    expect(await waitFor(() => emulator?.environments().some((e) => e.state === 'idle' && e.invocations === 1) === true)).toBe(true);
    const out = await client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: Buffer.from('{"ms":1}'), LogType: 'Tail' }));
    expect(out.FunctionError).toBeUndefined();
    const tail = parseTail(out.LogResult);
    expect(tail.envSeq).toBe(2);
    expect(tail.initDurationMs).toBeUndefined();
    expect(emulator.environments()).toHaveLength(1);
  });
});
