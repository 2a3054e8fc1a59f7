/**
 * The control-plane HTTP API (lambda-protocol.md §4.1): every Lambda path except Invoke, with the exact
 * methods, status codes and JSON shapes the SDK and the AWS CLI expect. Errors always carry `x-amzn-ErrorType`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { aliasView, functionConfigurationView, provisionedView } from './control-views.js';
import { parseFunctionRef } from './function-ref.js';
import { LIMITS } from './function-folder.js';
import { performance } from 'node:perf_hooks';
import type { TestAids } from './api.js';
import { sendServiceError, serviceError, throttled, type ServiceError } from './lambda-errors.js';
import type { DataPlane, FunctionRef } from './model.js';
import type { ConfigPatch, Registry } from './registry.js';
import { fail, LambdaApiError, type ProvisionedChange, type Snapshot } from './registry-types.js';

export interface ControlContext {
  registry: Registry;
  dataPlane: DataPlane;
  region: string;
  accountId: string;
  /** How long an UpdateFunctionConfiguration stays InProgress before it applies; default 100 ms. */
  updateDelayMs?: number;
  /** The control plane's test aids (api.ts TestAids); all off when absent. */
  testAids?: Pick<TestAids, 'unreadableEnvironment' | 'controlPlaneRps' | 'denyControlPlane'>;
}

/** The rate test aid's token bucket per context: tokens left and when they were counted (performance.now() ms). */
const buckets = new WeakMap<ControlContext, { tokens: number; at: number }>();

/**
 * The test aids that refuse a request before it is served: AccessDenied for an invoke-only principal, and
 * 429 above `controlPlaneRps` (Lambda's control-plane quota, 15 per second, with GetFunction outside it:
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). AWS does not document the shape
 * of its limiter; a token bucket of one second's worth, refilled continuously, is the one we chose.
 */
function refusedByTestAid(ctx: ControlContext, method: string, resource: string): ServiceError | undefined {
  const aids = ctx.testAids;
  if (aids === undefined) return undefined;
  if (aids.denyControlPlane) {
    return serviceError(403, 'AccessDeniedException', 'User is not authorized to perform this action (coldprobe emulator test aid: denyControlPlane).');
  }
  const rps = aids.controlPlaneRps;
  if (rps === undefined || (method === 'GET' && resource === '')) return undefined;
  const now = performance.now();
  const bucket = buckets.get(ctx) ?? { tokens: rps, at: now };
  bucket.tokens = Math.min(rps, bucket.tokens + ((now - bucket.at) / 1000) * rps);
  bucket.at = now;
  buckets.set(ctx, bucket);
  if (bucket.tokens < 1) return throttled('CallerRateLimitExceeded');
  bucket.tokens -= 1;
  return undefined;
}

/** Lambda's largest control-plane request body we accept (bytes). */
const MAX_BODY_BYTES = 1_048_576;

/** Reserved environment variable names Lambda refuses in UpdateFunctionConfiguration. */
const RESERVED_ENV = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

interface Reply {
  status: number;
  body?: unknown;
}

type Route = (ctx: ControlContext, m: RouteMatch) => Promise<Reply> | Reply;

interface RouteMatch {
  fn: FunctionRef;
  /** Second path parameter (alias name), when the route has one. */
  param?: string;
  query: URLSearchParams;
  body: () => Promise<Record<string, unknown>>;
}

/**
 * Serve one control-plane request; resolves false (nothing written) when the path is not a control-plane path,
 * so the caller can answer 404 itself.
 */
export async function handleControlRequest(req: IncomingMessage, res: ServerResponse, ctx: ControlContext): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  const method = req.method ?? 'GET';
  const requestId = randomUUID();

  if (path === '/2016-08-19/account-settings') {
    if (method !== 'GET') return false;
    send(res, { status: 200, body: accountSettings(ctx) }, requestId);
    return true;
  }
  if (path === '/2015-03-31/functions') {
    if (method !== 'GET') return false;
    send(res, { status: 200, body: listFunctions(ctx) }, requestId);
    return true;
  }
  const match = /^\/(\d{4}-\d{2}-\d{2})\/functions\/([^/]+)(?:\/([a-z-]+)(?:\/([^/]+))?)?$/.exec(path);
  if (match === null) return false;
  const [, date, rawLabel, resource = '', rawParam] = match;
  const route = findRoute(date ?? '', method, resource, rawParam !== undefined);
  if (route === undefined) return false;

  const refused = refusedByTestAid(ctx, method, resource);
  if (refused !== undefined) {
    sendServiceError(res, refused, requestId);
    return true;
  }
  try {
    const label = safeDecode(rawLabel ?? '');
    // Provisioned concurrency carries a version/alias in `Qualifier` that must not count as the path's qualifier
    // for listing; every path still has to agree with it (lambda-protocol.md §1.1).
    const parsed = parseFunctionRef(label, url.searchParams.get('Qualifier'));
    if (!parsed.ok) fail(400, 'InvalidParameterValueException', parsed.message);
    const routeMatch: RouteMatch = { fn: parsed.ref, query: url.searchParams, body: () => readJsonBody(req) };
    if (rawParam !== undefined) routeMatch.param = safeDecode(rawParam);
    send(res, await route(ctx, routeMatch), requestId);
  } catch (error) {
    if (error instanceof LambdaApiError) sendServiceError(res, error.serviceError, requestId);
    else sendServiceError(res, serviceError(500, 'ServiceException', error instanceof Error ? error.message : String(error)), requestId);
  }
  return true;
}

function findRoute(date: string, method: string, resource: string, hasParam: boolean): Route | undefined {
  const key = `${method} ${date} ${resource}${hasParam ? '/*' : ''}`;
  return ROUTES[key];
}

const ROUTES: Record<string, Route> = {
  'GET 2015-03-31 ': getFunction,
  'DELETE 2015-03-31 ': deleteFunction,
  'GET 2015-03-31 configuration': getFunctionConfiguration,
  'PUT 2015-03-31 configuration': updateFunctionConfiguration,
  'POST 2015-03-31 versions': publishVersion,
  'GET 2015-03-31 versions': listVersions,
  'POST 2015-03-31 aliases': createAlias,
  'GET 2015-03-31 aliases': listAliases,
  'GET 2015-03-31 aliases/*': getAlias,
  'PUT 2015-03-31 aliases/*': updateAlias,
  'DELETE 2015-03-31 aliases/*': deleteAlias,
  'PUT 2017-10-31 concurrency': putFunctionConcurrency,
  'DELETE 2017-10-31 concurrency': deleteFunctionConcurrency,
  'GET 2019-09-30 concurrency': getFunctionConcurrency,
  'PUT 2019-09-30 provisioned-concurrency': putProvisioned,
  'GET 2019-09-30 provisioned-concurrency': getProvisioned,
  'DELETE 2019-09-30 provisioned-concurrency': deleteProvisioned,
};

// ---- functions and configuration ---------------------------------------------------------------------------

function configuration(ctx: ControlContext, fn: FunctionRef): Record<string, unknown> {
  const snap = ctx.registry.snapshot(fn);
  const record = ctx.registry.get(fn);
  const status = snap.version === '$LATEST' ? record.lastUpdateStatus : 'Successful';
  const qualifier = fn.qualifier === '$LATEST' ? undefined : fn.qualifier;
  return functionConfigurationView(record.name, ctx.registry.arn(record.name, qualifier), snap, status, ctx.accountId, {
    state: ctx.registry.state(record.name),
    environmentUnreadable: ctx.testAids?.unreadableEnvironment?.includes(record.name) === true,
  });
}

function getFunctionConfiguration(ctx: ControlContext, m: RouteMatch): Reply {
  return { status: 200, body: configuration(ctx, m.fn) };
}

function getFunction(ctx: ControlContext, m: RouteMatch): Reply {
  const snap = ctx.registry.snapshot(m.fn);
  const reserved = ctx.registry.getReservedConcurrency(m.fn.functionName);
  return {
    status: 200,
    body: {
      Configuration: configuration(ctx, m.fn),
      Code: { RepositoryType: 'S3', Location: `file://${snap.codeDir}` },
      ...(reserved === undefined ? {} : { Concurrency: { ReservedConcurrentExecutions: reserved } }),
    },
  };
}

/**
 * DeleteFunction: a published version (Qualifier, or `name:version` in the path) is deleted as Lambda does.
 * Deleting a whole function is not something the emulator does: its functions come from folders.
 */
function deleteFunction(ctx: ControlContext, m: RouteMatch): Reply {
  const qualifier = m.fn.qualifier;
  if (qualifier === undefined) {
    fail(400, 'InvalidParameterValueException', 'The coldprobe emulator deletes published versions only (give a Qualifier); its functions come from folders.');
  }
  // A provisioned-concurrency config on the version itself goes with it: its environments are released.
  for (const change of ctx.registry.deleteVersion(m.fn.functionName, qualifier)) ctx.dataPlane.setProvisioned(change.key, change.config, 0);
  return { status: 204 };
}

function listFunctions(ctx: ControlContext): Record<string, unknown> {
  return { Functions: ctx.registry.functionNames().map((name) => configuration(ctx, { functionName: name })) };
}

async function updateFunctionConfiguration(ctx: ControlContext, m: RouteMatch): Promise<Reply> {
  const name = unqualified(m.fn);
  const body = await m.body();
  const patch: ConfigPatch = {};
  const memory = optionalInteger(body, 'MemorySize', 'memorySize', LIMITS.memoryMinMb);
  if (memory !== undefined) {
    if (memory > LIMITS.memoryMaxMb) {
      fail(400, 'InvalidParameterValueException', `'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to ${LIMITS.memoryMaxMb}`);
    }
    patch.memoryMb = memory;
  }
  const timeout = optionalInteger(body, 'Timeout', 'timeout', LIMITS.timeoutMinS);
  if (timeout !== undefined) {
    if (timeout > LIMITS.timeoutMaxS) {
      fail(400, 'InvalidParameterValueException', `'Timeout' value failed to satisfy constraint: Member must have value less than or equal to ${LIMITS.timeoutMaxS}`);
    }
    patch.timeoutS = timeout;
  }
  if (body['Environment'] !== undefined) patch.environment = environmentVariables(body['Environment']);
  const description = optionalString(body, 'Description');
  if (description !== undefined) patch.description = description;
  const handler = optionalString(body, 'Handler');
  if (handler !== undefined) patch.handler = handler;
  const revisionId = optionalString(body, 'RevisionId');
  if (revisionId !== undefined) patch.revisionId = revisionId;

  ctx.registry.beginUpdate(name, patch);
  // Like Lambda, the update is InProgress first; invokes keep the previous configuration until it applies,
  // then only environments of the new generation are used (lambda-protocol.md §6).
  const timer = setTimeout(() => {
    const generation = ctx.registry.applyUpdate(name);
    if (generation > 0) ctx.dataPlane.retireGeneration(name, generation);
  }, ctx.updateDelayMs ?? 100);
  timer.unref();
  return { status: 200, body: configuration(ctx, { functionName: name }) };
}

// ---- versions ----------------------------------------------------------------------------------------------

async function publishVersion(ctx: ControlContext, m: RouteMatch): Promise<Reply> {
  const name = unqualified(m.fn);
  const body = await m.body();
  const options: { description?: string; codeSha256?: string; revisionId?: string } = {};
  const description = optionalString(body, 'Description');
  if (description !== undefined) options.description = description;
  const codeSha256 = optionalString(body, 'CodeSha256');
  if (codeSha256 !== undefined) options.codeSha256 = codeSha256;
  const revisionId = optionalString(body, 'RevisionId');
  if (revisionId !== undefined) options.revisionId = revisionId;
  const snap = ctx.registry.publishVersion(name, options);
  return { status: 201, body: versionView(ctx, name, snap) };
}

function listVersions(ctx: ControlContext, m: RouteMatch): Reply {
  const name = unqualified(m.fn);
  return { status: 200, body: { Versions: ctx.registry.listVersions(name).map((snap) => versionView(ctx, name, snap)) } };
}

function versionView(ctx: ControlContext, name: string, snap: Snapshot): Record<string, unknown> {
  const status = snap.version === '$LATEST' ? ctx.registry.get({ functionName: name }).lastUpdateStatus : 'Successful';
  const qualifier = snap.version === '$LATEST' ? undefined : snap.version;
  return functionConfigurationView(name, ctx.registry.arn(name, qualifier), snap, status, ctx.accountId);
}

// ---- aliases -----------------------------------------------------------------------------------------------

async function createAlias(ctx: ControlContext, m: RouteMatch): Promise<Reply> {
  const name = unqualified(m.fn);
  const body = await m.body();
  const aliasName = requiredString(body, 'Name', 'name');
  const functionVersion = requiredString(body, 'FunctionVersion', 'functionVersion');
  const input: Parameters<Registry['createAlias']>[1] = { name: aliasName, functionVersion };
  const description = optionalString(body, 'Description');
  if (description !== undefined) input.description = description;
  const routing = routingConfig(body['RoutingConfig']);
  if (routing !== undefined) input.routingConfig = routing;
  const alias = ctx.registry.createAlias(name, input);
  return { status: 201, body: aliasView(ctx.registry.arn(name, alias.name), alias) };
}

function getAlias(ctx: ControlContext, m: RouteMatch): Reply {
  const name = unqualified(m.fn);
  const alias = ctx.registry.getAlias(name, m.param ?? '');
  return { status: 200, body: aliasView(ctx.registry.arn(name, alias.name), alias) };
}

function listAliases(ctx: ControlContext, m: RouteMatch): Reply {
  const name = unqualified(m.fn);
  const version = m.query.get('FunctionVersion') ?? undefined;
  const aliases = ctx.registry.listAliases(name, version);
  return { status: 200, body: { Aliases: aliases.map((a) => aliasView(ctx.registry.arn(name, a.name), a)) } };
}

async function updateAlias(ctx: ControlContext, m: RouteMatch): Promise<Reply> {
  const name = unqualified(m.fn);
  const body = await m.body();
  const input: Parameters<Registry['updateAlias']>[2] = {};
  const functionVersion = optionalString(body, 'FunctionVersion');
  if (functionVersion !== undefined) input.functionVersion = functionVersion;
  const description = optionalString(body, 'Description');
  if (description !== undefined) input.description = description;
  const routing = routingConfig(body['RoutingConfig']);
  if (routing !== undefined) input.routingConfig = routing;
  const revisionId = optionalString(body, 'RevisionId');
  if (revisionId !== undefined) input.revisionId = revisionId;
  const { alias, changes } = ctx.registry.updateAlias(name, m.param ?? '', input);
  applyProvisioned(ctx, name, changes);
  return { status: 200, body: aliasView(ctx.registry.arn(name, alias.name), alias) };
}

function deleteAlias(ctx: ControlContext, m: RouteMatch): Reply {
  const name = unqualified(m.fn);
  applyProvisioned(ctx, name, ctx.registry.deleteAlias(name, m.param ?? ''));
  return { status: 204 };
}

// ---- concurrency -------------------------------------------------------------------------------------------

async function putFunctionConcurrency(ctx: ControlContext, m: RouteMatch): Promise<Reply> {
  const name = unqualified(m.fn);
  const body = await m.body();
  const reserved = optionalInteger(body, 'ReservedConcurrentExecutions', 'reservedConcurrentExecutions', 0);
  if (reserved === undefined) {
    fail(400, 'ValidationException',
      "1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null");
  }
  return { status: 200, body: { ReservedConcurrentExecutions: ctx.registry.putReservedConcurrency(name, reserved) } };
}

function getFunctionConcurrency(ctx: ControlContext, m: RouteMatch): Reply {
  const reserved = ctx.registry.getReservedConcurrency(unqualified(m.fn));
  return { status: 200, body: reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved } };
}

function deleteFunctionConcurrency(ctx: ControlContext, m: RouteMatch): Reply {
  ctx.registry.deleteReservedConcurrency(unqualified(m.fn));
  return { status: 204 };
}

async function putProvisioned(ctx: ControlContext, m: RouteMatch): Promise<Reply> {
  const body = await m.body();
  const requested = optionalInteger(body, 'ProvisionedConcurrentExecutions', 'provisionedConcurrentExecutions', 1);
  if (requested === undefined) {
    fail(400, 'ValidationException',
      "1 validation error detected: Value null at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must not be null");
  }
  const { record, changes } = ctx.registry.putProvisioned(m.fn.functionName, m.fn.qualifier, requested);
  applyProvisioned(ctx, m.fn.functionName, changes);
  const key = changes[0]?.key ?? '';
  return { status: 202, body: provisionedView(record, ctx.dataPlane.provisionedProgress(key)) };
}

function getProvisioned(ctx: ControlContext, m: RouteMatch): Reply {
  if (m.query.get('List') === 'ALL') {
    const name = m.fn.functionName;
    const configs = ctx.registry.listProvisioned(name).map(({ record, key }) => ({
      FunctionArn: ctx.registry.arn(name, record.qualifier),
      ...provisionedView(record, ctx.dataPlane.provisionedProgress(key)),
    }));
    return { status: 200, body: { ProvisionedConcurrencyConfigs: configs } };
  }
  const { record, key } = ctx.registry.getProvisioned(m.fn.functionName, m.fn.qualifier);
  return { status: 200, body: provisionedView(record, ctx.dataPlane.provisionedProgress(key)) };
}

function deleteProvisioned(ctx: ControlContext, m: RouteMatch): Reply {
  applyProvisioned(ctx, m.fn.functionName, ctx.registry.deleteProvisioned(m.fn.functionName, m.fn.qualifier));
  return { status: 204 };
}

/** Hand provisioned-concurrency changes to the data plane, releases first so a moved alias never double-counts. */
function applyProvisioned(ctx: ControlContext, functionName: string, changes: ProvisionedChange[]): void {
  const ordered = [...changes].sort((a, b) => a.count - b.count);
  for (const change of ordered) {
    ctx.dataPlane.setProvisioned(change.key, ctx.registry.configForVersion(functionName, change.version), change.count);
  }
}

function accountSettings(ctx: ControlContext): Record<string, unknown> {
  const usage = ctx.registry.accountUsage();
  return {
    AccountLimit: {
      TotalCodeSize: 80_530_636_800,
      CodeSizeUnzipped: 262_144_000,
      CodeSizeZipped: 52_428_800,
      ConcurrentExecutions: ctx.registry.accountConcurrency,
      UnreservedConcurrentExecutions: ctx.registry.accountConcurrency - ctx.registry.totalReserved(),
    },
    AccountUsage: { TotalCodeSize: usage.totalCodeSizeBytes, FunctionCount: usage.functionCount },
  };
}

// ---- parsing helpers ---------------------------------------------------------------------------------------

/** Paths such as `…/concurrency` take a bare function; a qualifier there is Lambda's 400. */
function unqualified(fn: FunctionRef): string {
  return fn.functionName;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return fail(400, 'InvalidParameterValueException', `Invalid function name: '${segment}'.`);
  }
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) fail(413, 'RequestTooLargeException', `Request must be smaller than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail(400, 'InvalidRequestContentException', `Could not parse request body into json: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail(400, 'InvalidRequestContentException', 'Could not parse request body into json: expected an object');
  }
  return parsed as Record<string, unknown>;
}

/** An integer member ≥ `min`, or undefined when absent; otherwise the ValidationException Lambda sends. */
function optionalInteger(body: Record<string, unknown>, member: string, wireName: string, min: number): number | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    fail(400, 'ValidationException', `1 validation error detected: Value '${String(value)}' at '${wireName}' failed to satisfy constraint: Member must be an integer`);
  }
  if (value < min) {
    fail(400, 'ValidationException',
      `1 validation error detected: Value '${value}' at '${wireName}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`);
  }
  return value;
}

function optionalString(body: Record<string, unknown>, member: string): string | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(400, 'InvalidParameterValueException', `${member} must be a string.`);
  return value;
}

function requiredString(body: Record<string, unknown>, member: string, wireName: string): string {
  const value = optionalString(body, member);
  if (value === undefined || value === '') {
    fail(400, 'ValidationException', `1 validation error detected: Value null at '${wireName}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

function environmentVariables(raw: unknown): Record<string, string> {
  if (typeof raw !== 'object' || raw === null) fail(400, 'InvalidParameterValueException', 'Environment must be an object.');
  const variables = (raw as Record<string, unknown>)['Variables'] ?? {};
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
    fail(400, 'InvalidParameterValueException', 'Environment.Variables must be a map of strings.');
  }
  const env: Record<string, string> = {};
  const reserved: string[] = [];
  for (const [key, value] of Object.entries(variables as Record<string, unknown>)) {
    if (typeof value !== 'string') fail(400, 'InvalidParameterValueException', `Environment variable ${key} must be a string.`);
    if (!/^[a-zA-Z]([a-zA-Z0-9_])*$/.test(key) && !RESERVED_ENV.has(key)) {
      fail(400, 'ValidationException',
        `1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]`);
    }
    if (RESERVED_ENV.has(key)) reserved.push(key);
    env[key] = value;
  }
  if (reserved.length > 0) {
    fail(400, 'InvalidParameterValueException',
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`);
  }
  // Lambda's limit is 4 KB over the serialized map.
  const size = Buffer.byteLength(JSON.stringify(env));
  if (size > 4096) {
    fail(400, 'InvalidParameterValueException',
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${JSON.stringify(env).slice(0, 64)}...`);
  }
  return env;
}

function routingConfig(raw: unknown): { AdditionalVersionWeights: Record<string, number> } | undefined {
  if (raw === undefined || raw === null) return undefined;
  const weights = typeof raw === 'object' ? (raw as Record<string, unknown>)['AdditionalVersionWeights'] : undefined;
  const out: Record<string, number> = {};
  if (typeof weights === 'object' && weights !== null) {
    for (const [version, weight] of Object.entries(weights as Record<string, unknown>)) {
      if (typeof weight !== 'number' || weight < 0 || weight > 1) {
        fail(400, 'InvalidParameterValueException', `Invalid weight for version ${version}: must be between 0.0 and 1.0.`);
      }
      out[version] = weight;
    }
  }
  return { AdditionalVersionWeights: out };
}

function send(res: ServerResponse, reply: Reply, requestId: string): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status, { 'x-amzn-requestid': requestId, 'content-length': 0 });
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}
