/**
 * Shared helpers for the emulator integration tests: fixture function definitions, an SDK client that never
 * retries, and parsing of the log tail (REPORT and coldprobe's own COLDPROBE line).
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Emulator, FunctionDefinition } from '../../src/emulator/api.js';
import { readFunctionJson } from '../../src/emulator/function-folder.js';

/** Folder of the test fixture functions. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/functions/', import.meta.url));

/** The fixture `folder` as a function definition named `name`, with `overrides` applied. */
export function fixture(folder: string, name: string = folder, overrides: Partial<FunctionDefinition> = {}): FunctionDefinition {
  return { ...readFunctionJson(join(FIXTURES, folder, 'function.json'), name), ...overrides };
}

/** An SDK client for `emulator` that never retries (throttles must surface) and allows many sockets. */
export function sdkClient(emulator: Emulator): LambdaClient {
  return new LambdaClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets: 200, keepAlive: true } }),
  });
}

/** What one log tail says about its invocation. */
export interface TailInfo {
  text: string;
  envId: string | undefined;
  envSeq: number | undefined;
  initType: string | undefined;
  initDurationMs: number | undefined;
  durationMs: number | undefined;
  billedMs: number | undefined;
  maxMemoryUsedMb: number | undefined;
  status: string | undefined;
  errorType: string | undefined;
  lastLine: string;
}

/** Parses the base64 `LogResult` of an invoke. */
export function parseTail(logResult: string | undefined): TailInfo {
  const text = logResult === undefined ? '' : Buffer.from(logResult, 'base64').toString('utf8');
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(text);
    return m?.[1] === undefined ? undefined : Number(m[1]);
  };
  const cp = /COLDPROBE EnvId: (\S+)\tEnvSeq: (\d+)\tInitType: (\S+)/.exec(text);
  const report = text.split('\n').find((l) => l.startsWith('REPORT ')) ?? '';
  const lines = text.split('\n').filter((l) => l !== '');
  return {
    text,
    envId: cp?.[1],
    envSeq: cp?.[2] === undefined ? undefined : Number(cp[2]),
    initType: cp?.[3],
    initDurationMs: num(/REPORT .*\tInit Duration: ([\d.]+) ms/),
    durationMs: num(/REPORT .*\tDuration: ([\d.]+) ms/),
    billedMs: num(/\tBilled Duration: (\d+) ms/),
    maxMemoryUsedMb: num(/\tMax Memory Used: (\d+) MB/),
    status: /\tStatus: (\w+)/.exec(report)?.[1],
    errorType: /\tError Type: (\S+)/.exec(report)?.[1],
    lastLine: lines[lines.length - 1] ?? '',
  };
}

/** Polls `check` every 25 ms until it returns true or `timeoutMs` passes; resolves with the last result. */
export async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
}

/** True while a process with `pid` exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
