/**
 * Runs the canned Invoke-API server as its own process (so it never shares the driver's event loop or CPU
 * accounting) and prints its endpoint on the first stdout line. Stops on SIGTERM or when stdin closes.
 */
import { startCannedLambda } from './canned-lambda.js';

const canned = await startCannedLambda();
process.stdout.write(`${canned.endpoint}\n`);
const stop = (): void => {
  void canned.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
