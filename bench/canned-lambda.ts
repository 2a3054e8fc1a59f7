/**
 * A canned Invoke-API server on loopback: answers every Invoke at once with a fixed, Lambda-shaped response
 * (REPORT tail, executed version, request id). It isolates the driver's own cost from any real function.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** A running canned server; `close()` stops it. */
export interface CannedLambda {
  endpoint: string;
  /** Invocations answered so far. */
  invocations(): number;
  close(): Promise<void>;
}

const report = Buffer.from(
  'START RequestId: 00000000-0000-0000-0000-000000000000 Version: $LATEST\n' +
    'END RequestId: 00000000-0000-0000-0000-000000000000\n' +
    'REPORT RequestId: 00000000-0000-0000-0000-000000000000\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t\n',
).toString('base64');

const configuration = JSON.stringify({
  FunctionName: 'canned',
  FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:canned',
  Runtime: 'nodejs20.x',
  MemorySize: 128,
  Timeout: 3,
  Version: '$LATEST',
  LastUpdateStatus: 'Successful',
  State: 'Active',
  Environment: { Variables: {} },
});

/** Start the canned server on 127.0.0.1, port 0; over TLS with `tls` (a key and certificate in PEM). */
export async function startCannedLambda(tls?: { key: string | Buffer; cert: string | Buffer }): Promise<CannedLambda> {
  let count = 0;
  // Arrival times (ms, this process's clock) of Invoke requests, read and cleared by GET /_canned/arrivals:
  // a server-side view of release spread that does not trust the driver's own timestamps.
  let arrivals: number[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.method === 'POST') arrivals.push(performance.now());
    if (req.method === 'GET' && req.url === '/_canned/arrivals') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(arrivals));
      arrivals = [];
      return;
    }
    req.resume();
    // Answer after the current I/O batch: every request that arrived together gets its arrival time first.
    req.on('end', () => setImmediate(() => {
      if (req.method === 'POST' && req.url?.includes('/invocations')) {
        count += 1;
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-amz-executed-version': '$LATEST',
          'x-amz-log-result': report,
          'x-amzn-requestid': `req-${count}`,
        });
        res.end('{}');
        return;
      }
      if (req.method === 'GET' && req.url?.includes('/functions/')) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'cfg' });
        res.end(req.url.endsWith('/configuration') ? configuration : JSON.stringify({ Configuration: JSON.parse(configuration) as unknown }));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
      res.end(JSON.stringify({ Type: 'User', Message: 'Function not found' }));
    }));
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.maxConnections = 100_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    invocations: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
