/**
 * A canned HTTP endpoint as its own process: answers every request at once with 200, a small JSON body and an
 * `x-amzn-RequestId`, like a Function URL of a function that does nothing. Prints its URL on the first stdout
 * line; stops on SIGTERM or when stdin closes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

let count = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    count += 1;
    res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-RequestId': `req-${count}` });
    res.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60_000;
server.maxConnections = 100_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}/\n`);
});
const stop = (): void => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
