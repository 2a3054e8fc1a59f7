/**
 * How many invocations one machine can hold parked: memory and file descriptors per prepared invocation (a
 * signed request waiting on its own open connection, as a burst holds them before the release), against the
 * canned Invoke-API server in its own process, so only the load side is counted. docs/scale.md quotes it.
 *
 * Environment: COLDPROBE_BENCH_PARKED (comma list of N, default 1000,2000,4000).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createAwsTarget } from '../src/targets/aws.js';
import type { BenchResult } from './lib.js';

const SIZES = (process.env.COLDPROBE_BENCH_PARKED ?? '1000,2000,4000').split(',').map((s) => Number(s.trim()));
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const payload = new TextEncoder().encode('{}');

async function startCanned(): Promise<{ endpoint: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./canned-lambda-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const endpoint = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`canned server exited with ${code}`)));
  });
  return { endpoint, child };
}

function fullGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

interface Footprint {
  rssMb: number;
  heapMb: number;
  fds: number;
}

function footprint(gc: () => void): Footprint {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rssMb: m.rss / 2 ** 20, heapMb: (m.heapUsed + m.external + m.arrayBuffers) / 2 ** 20, fds: readdirSync('/proc/self/fd').length };
}

export async function run(): Promise<BenchResult[]> {
  const gc = fullGc();
  const canned = await startCanned();
  const rows: BenchResult['rows'] = [];
  try {
    for (const n of SIZES) {
      const target = await createAwsTarget({ region: 'us-east-1', endpoint: canned.endpoint, credentials, allowMutations: false });
      await target.getFunction('canned');
      const before = footprint(gc);
      const parked = await target.prepare({ functionName: 'canned', payload }, n);
      const after = footprint(gc);
      for (const p of parked) p.discard();
      await target.close();
      const kb = (mb: number): number => Math.round(((mb * 1024) / n) * 10) / 10;
      rows.push(
        { metric: `N=${n}: RSS per parked invocation`, value: kb(after.rssMb - before.rssMb), unit: 'KB', reference: Math.round(after.rssMb) },
        { metric: `N=${n}: JS heap + buffers per parked invocation`, value: kb(after.heapMb - before.heapMb), unit: 'KB' },
        { metric: `N=${n}: file descriptors per parked invocation`, value: Math.round(((after.fds - before.fds) / n) * 100) / 100, unit: 'fd', reference: after.fds },
      );
    }
  } finally {
    canned.child.kill('SIGTERM');
  }
  return [
    {
      name: 'parked invocations (load side, plain HTTP to a canned server)',
      rows,
      notes: ['reference column: the process RSS (MB) or open fds with all N parked', 'TLS to AWS adds each connection\'s TLS state on top'],
    },
  ];
}
