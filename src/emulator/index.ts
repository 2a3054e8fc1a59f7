/**
 * The bundled local Lambda: one HTTP server for the Invoke API and the control plane, a registry of functions
 * and a pool of real runtime processes. Standalone: nothing here imports the rest of coldprobe.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { describeFailure, type Emulator, type EmulatorOptions, type FunctionDefinition } from './api.js';
import { handleControlRequest } from './control-api.js';
import { createCpuQuota } from './cpu-quota.js';
import { handleFunctionUrl, matchFunctionUrlPath } from './function-url.js';
import { handleInvoke, matchInvokePath } from './invoke-api.js';
import { sendServiceError, serviceError } from './lambda-errors.js';
import { LogStore, logStreamName } from './log-store.js';
import { handleLogsRequest, isLogsRequest } from './logs-api.js';
import { Pool } from './pool.js';
import { Registry } from './registry.js';

export type { Emulator, EmulatorFailure, EmulatorOptions, EnvironmentSnapshot, FunctionDefinition } from './api.js';
export { EMULATOR_HEADERS, describeFailure } from './api.js';
export { functionUrl } from './function-url.js';

/** The query of an invoke without one (most of them); only ever read. */
const NO_QUERY = new URLSearchParams();

/** Default idle/partial-request timeout of Invoke API connections. */
export const DEFAULT_IDLE_CONNECTION_TIMEOUT_MS = 65_000;


/** Starts the emulator on `options.host ?? '127.0.0.1'`, port `options.port ?? 0`, with the given functions registered. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const accountConcurrency = options.accountConcurrency ?? 1000;
  const registryOptions: ConstructorParameters<typeof Registry>[0] = { region, accountId, accountConcurrency };
  if (options.unreservedMinimum !== undefined) registryOptions.unreservedMinimum = options.unreservedMinimum;
  if (options.testAids?.pendingMs !== undefined) registryOptions.pendingMs = options.testAids.pendingMs;
  const registry = new Registry(registryOptions);
  for (const dir of options.functionsDirs ?? []) registry.registerFolder(dir);
  for (const definition of options.functions ?? []) registry.register(definition);

  const cpuQuota = createCpuQuota(options.cpuQuota ?? false);
  const reported = new Set<string>();
  const fail = (code: string, message: string): void => {
    if (reported.has(code)) return;
    reported.add(code);
    const failure = { code, message };
    options.log?.(describeFailure(failure));
    options.onFailure?.(failure);
  };
  // Every invocation's log, Invoke API and Function URL alike, goes to the function's log group, as on Lambda.
  const logs = new LogStore();
  const pool = new Pool({
    onResourceFailure: fail,
    onLog: (env, text) => logs.append(env.config.functionName, logStreamName(new Date(), env.config.version, env.envId), text),
    accountConcurrency,
    ...(options.initConcurrency === undefined ? {} : { initConcurrency: options.initConcurrency }),
    ...(options.idleTtlMs === undefined ? {} : { idleTtlMs: options.idleTtlMs }),
    ...(options.stopGraceMs === undefined ? {} : { stopGraceMs: options.stopGraceMs }),
    ...(options.scalingRate === undefined ? {} : { scalingRate: options.scalingRate }),
    ...(options.initTimeoutMs === undefined ? {} : { initTimeoutMs: options.initTimeoutMs }),
    ...(options.testAids?.provisionedInitInReport ? { provisionedInitInReport: true } : {}),
    region,
    cpuQuota,
    totalReserved: () => registry.totalReserved(),
  });
  const invokeContext = options.log === undefined ? { registry, pool } : { registry, pool, log: options.log };
  const controlContext = {
    registry,
    dataPlane: pool,
    region,
    accountId,
    ...(options.updateDelayMs === undefined ? {} : { updateDelayMs: options.updateDelayMs }),
    ...(options.testAids ? { testAids: options.testAids } : {}),
  };

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    // Stamped now, not node's cached Date string: node refreshes that cache on a timer, which fires late on a
    // busy event loop, so a response can carry the previous second and contradict the clock probe's bounds
    // (shards' clock offset then came back undefined under load).
    res.setHeader('date', new Date().toUTCString());
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const rawName = req.method === 'POST' ? matchInvokePath(pathname) : undefined;
    if (rawName !== undefined) {
      handleInvoke(req, res, rawName, q < 0 ? NO_QUERY : new URLSearchParams(url.slice(q + 1)), invokeContext);
      return;
    }
    const urlTarget = matchFunctionUrlPath(pathname);
    if (urlTarget !== undefined) return handleFunctionUrl(req, res, urlTarget, q < 0 ? '' : url.slice(q + 1), invokeContext);
    if (isLogsRequest(req)) return handleLogsRequest(req, res, logs);
    handleControlRequest(req, res, controlContext).then(
      (handled) => {
        if (!handled) sendServiceError(res, serviceError(404, 'ResourceNotFoundException', `Unknown operation: ${req.method ?? '?'} ${pathname}`));
      },
      (error: unknown) => sendServiceError(res, serviceError(500, 'ServiceException', error instanceof Error ? error.message : String(error))),
    );
  };

  const idleMs = options.idleConnectionTimeoutMs ?? DEFAULT_IDLE_CONNECTION_TIMEOUT_MS;
  // Idle connections (between requests, or before the first) and half-sent requests are closed after idleMs;
  // a request whose invocation is running is never cut (requestTimeout ends once the request is read).
  const serverOptions = { connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(idleMs / 4))) };
  const server = options.tls ? createTlsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, route) : createServer(serverOptions, route);
  server.keepAliveTimeout = idleMs;
  server.headersTimeout = idleMs;
  server.requestTimeout = idleMs;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // accept() failing (EMFILE: libuv then closes the pending connection) must not take the emulator down.
  server.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'EIO', error.message));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const endpoint = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    port,
    region,
    initSlots: pool.initSlots,
    registerFunction(definition: FunctionDefinition) {
      registry.register(definition);
    },
    functionNames: () => registry.functionNames(),
    drainIdle: (functionName?: string) => pool.drainIdle(functionName),
    environments: () => pool.snapshots(),
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await pool.close();
        server.closeAllConnections();
        await serverClosed;
        cpuQuota.close();
      })();
      return closing;
    },
  };
}
