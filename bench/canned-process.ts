/** The canned Invoke-API server (canned-lambda.ts) in its own process, for benchmarks that must not share its CPU. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Canned {
  endpoint: string;
  child: ChildProcess;
}

export async function startCannedProcess(): Promise<Canned> {
  const script = fileURLToPath(new URL('./canned-lambda-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const endpoint = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`canned server exited with ${code}`)));
  });
  return { endpoint, child };
}

