/**
 * Runs the canned Invoke-API server as its own process (so it never shares the driver's event loop or CPU
 * accounting) and prints its endpoint on the first stdout line. Stops on SIGTERM or when stdin closes.
 * With COLDPROBE_CANNED_TLS_DIR (a folder holding key.pem and cert.pem) it serves HTTPS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCannedLambda } from './canned-lambda.js';

const tlsDir = process.env.COLDPROBE_CANNED_TLS_DIR;
const canned = await startCannedLambda(tlsDir ? { key: readFileSync(join(tlsDir, 'key.pem')), cert: readFileSync(join(tlsDir, 'cert.pem')) } : undefined);
process.stdout.write(`${canned.endpoint}\n`);
const stop = (): void => {
  void canned.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
