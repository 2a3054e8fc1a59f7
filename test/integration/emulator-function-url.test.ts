/**
 * Function URLs and CloudWatch Logs on the emulator, end to end: real HTTP requests become payload format 2.0
 * events in a real node runtime, results map back to HTTP responses as Lambda maps them, and the REPORT records
 * of those invocations are read back through the real @aws-sdk/client-cloudwatch-logs.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_HEADERS, type Emulator } from '../../src/emulator/api.js';
import { functionUrl, startEmulator } from '../../src/emulator/index.js';
import { fixture, sdkClient } from './emulator-helpers.js';

interface Echo {
  event: {
    version: string;
    rawPath: string;
    rawQueryString: string;
    headers: Record<string, string>;
    cookies?: string[];
    queryStringParameters?: Record<string, string>;
    requestContext: { requestId: string; http: { method: string; path: string }; routeKey: string };
    body?: string;
    isBase64Encoded: boolean;
  };
  awsRequestId: string;
}

describe('emulator Function URLs and CloudWatch Logs', () => {
  let emulator: Emulator;
  let logs: CloudWatchLogsClient;

  beforeAll(async () => {
    emulator = await startEmulator({ functions: [fixture('http-echo'), fixture('echo'), fixture('echo', 'reserved-zero')] });
    logs = new CloudWatchLogsClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    logs.destroy();
    await emulator.close();
  });

  it('turns a request into a payload format 2.0 event and maps the response object back', async () => {
    const res = await fetch(`${functionUrl(emulator.endpoint, 'http-echo')}items/7?x=1&x=2&status=202`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'c1=v1; c2=v2', 'x-custom': 'hello' },
      body: '{"hello":"world"}',
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-echo')).toBe('yes');
    expect(res.headers.getSetCookie()).toEqual(['a=1; Max-Age=60', 'b=2']);
    const requestId = res.headers.get('x-amzn-requestid');
    const echo = (await res.json()) as Echo;
    expect(requestId).toBe(echo.awsRequestId);
    expect(echo.event.requestContext.requestId).toBe(requestId);
    expect(echo.event).toMatchObject({
      version: '2.0',
      rawPath: '/items/7',
      rawQueryString: 'x=1&x=2&status=202',
      cookies: ['c1=v1', 'c2=v2'],
      queryStringParameters: { x: '1,2', status: '202' },
      body: '{"hello":"world"}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/items/7' }, routeKey: '$default' },
    });
    expect(echo.event.headers['x-custom']).toBe('hello');
    expect(echo.event.headers['cookie']).toBeUndefined();
    expect(res.headers.get(EMULATOR_HEADERS.envSeq)).toBe('1');
  });

  it('maps JSON without statusCode to 200 application/json, binary bodies, and function errors to 502', async () => {
    const plain = await fetch(`${functionUrl(emulator.endpoint, 'echo')}`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('application/json');
    expect(((await plain.json()) as { event: { rawPath: string } }).event.rawPath).toBe('/');

    const binary = await fetch(`${functionUrl(emulator.endpoint, 'http-echo')}binary`);
    expect([...new Uint8Array(await binary.arrayBuffer())]).toEqual([0, 1, 2, 255]);

    const failed = await fetch(`${functionUrl(emulator.endpoint, 'http-echo')}fail`);
    expect(failed.status).toBe(502);
    expect(failed.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const notJson = await fetch(`${functionUrl(emulator.endpoint, 'http-echo')}text`);
    expect(notJson.status).toBe(200); // a JSON string is valid JSON: the body is the string as the function returned it
    expect(await notJson.text()).toBe('"plain text is not JSON"');

    const missing = await fetch(`${functionUrl(emulator.endpoint, 'no-such-function')}`);
    expect(missing.status).toBe(403);
  });

  it('answers a throttled request with 429 and the Reason', async () => {
    await sdkClient(emulator).send(new PutFunctionConcurrencyCommand({ FunctionName: 'reserved-zero', ReservedConcurrentExecutions: 0 }));
    const res = await fetch(functionUrl(emulator.endpoint, 'reserved-zero'));
    expect(res.status).toBe(429);
    expect(res.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
    expect(await res.json()).toMatchObject({ Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
  });

  it('keeps every invocation\'s REPORT in /aws/lambda/<name>, one stream per environment, readable through the SDK', async () => {
    const ids: string[] = [];
    const envs = new Map<string, string>();
    // Four concurrent requests start environments; four more reuse them.
    for (let round = 0; round < 2; round++) {
      const answers = await Promise.all([0, 1, 2, 3].map(() => fetch(`${functionUrl(emulator.endpoint, 'http-echo')}logs`)));
      for (const res of answers) {
        const id = res.headers.get('x-amzn-requestid') as string;
        ids.push(id);
        envs.set(id, res.headers.get(EMULATOR_HEADERS.envId) as string);
        await res.arrayBuffer();
      }
    }
    const events: FilteredLogEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/http-echo', filterPattern: '?"REPORT RequestId" ?"platform.report"', limit: 3, nextToken }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    const reports = new Map(events.map((e) => [/REPORT RequestId: (\S+)/.exec(e.message ?? '')?.[1], e]));
    for (const id of ids) {
      const report = reports.get(id);
      expect(report?.message, id).toMatch(/\tDuration: [\d.]+ ms/);
      expect(report?.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\]/);
    }
    // Streams follow environments: two invocations in one stream ran in one environment.
    const streamOf = (id: string): string | undefined => reports.get(id)?.logStreamName;
    for (const a of ids) for (const b of ids) expect(streamOf(a) === streamOf(b)).toBe(envs.get(a) === envs.get(b));

    const stream = reports.get(ids[0])?.logStreamName as string;
    const head = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/lambda/http-echo', logStreamName: stream, startFromHead: true }));
    expect(head.events?.[0]?.message).toMatch(/^START RequestId: /);
    expect(head.nextForwardToken).toMatch(/^f\//);
  });

  it('answers a missing group and an unsupported pattern as CloudWatch Logs does', async () => {
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/nobody' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await fetch(functionUrl(emulator.endpoint, 'echo'));
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/echo', filterPattern: '{ $.type = "platform.report" }' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });
});
