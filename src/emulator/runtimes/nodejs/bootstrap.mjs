// coldprobe's nodejs runtime: loads `<file>.<export>` from LAMBDA_TASK_ROOT and runs the Lambda Runtime API
// loop (2018-06-01). Plain JS on node:http only, because everything here is on the cold-start path.
import { Agent, request } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const env = process.env;
const [apiHost, apiPort] = (env.AWS_LAMBDA_RUNTIME_API ?? '127.0.0.1:9001').split(':');
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const BASE = '/2018-06-01/runtime';
let currentRequestId;

/** One Runtime API exchange; resolves with status, headers and body text. */
function call(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: apiHost, port: Number(apiPort), method, path: BASE + path, agent, headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Lambda's text log format for console output: `<ISO time>\t<request id>\t<LEVEL>\t<message>`. */
function patchConsole() {
  const write = (stream, level) => (...args) => {
    stream.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${format(...args)}\n`);
  };
  console.log = write(process.stdout, 'INFO');
  console.info = write(process.stdout, 'INFO');
  console.debug = write(process.stdout, 'DEBUG');
  console.warn = write(process.stderr, 'WARN');
  console.error = write(process.stderr, 'ERROR');
  console.trace = write(process.stderr, 'TRACE');
}

/** The error document Lambda's node runtime posts: `trace`, not `stackTrace`. */
function errorDocument(error, fallbackType = 'Error') {
  if (error instanceof Error) {
    return { errorType: error.name || fallbackType, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: typeof error === 'string' ? 'string' : fallbackType, errorMessage: String(error), trace: [] };
}

async function initError(errorType, errorMessage, error) {
  const doc = { errorType, errorMessage, trace: error instanceof Error ? (error.stack ?? '').split('\n') : [] };
  console.error(JSON.stringify(doc));
  try {
    await call('POST', '/init/error', JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': errorType });
  } finally {
    process.exit(129);
  }
}

/** Resolves `_HANDLER` (`path/file.export[.nested]`) to a function, or reports the init failure and exits. */
async function loadHandler() {
  const root = env.LAMBDA_TASK_ROOT ?? process.cwd();
  const spec = env._HANDLER ?? '';
  const slash = spec.lastIndexOf('/');
  const dot = spec.indexOf('.', slash + 1);
  if (dot < 0) return initError('Runtime.MalformedHandlerName', `Bad handler ${spec}: expected <file>.<export>`);
  const modulePath = spec.slice(0, dot);
  const exportPath = spec.slice(dot + 1).split('.');
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(root, modulePath + ext)).find((f) => existsSync(f));
  if (file === undefined) {
    return initError('Runtime.ImportModuleError', `Error: Cannot find module '${modulePath}'`);
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (error) {
    const name = error instanceof SyntaxError ? 'Runtime.UserCodeSyntaxError' : 'Runtime.ImportModuleError';
    return initError(name, error instanceof Error ? `${error.name}: ${error.message}` : String(error), error);
  }
  // CommonJS modules arrive as `default`; their named exports may or may not be detected.
  let target = exportPath[0] !== undefined && exportPath[0] in mod ? mod : (mod.default ?? mod);
  for (const key of exportPath) target = target?.[key];
  if (typeof target !== 'function') {
    return initError('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  }
  return target;
}

/** Runs the handler: async (promise) or callback style; resolves with its result, rejects with its error. */
function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, value) => (error === null || error === undefined ? resolve(value) : reject(error));
    const returned = handler(event, context, callback);
    if (returned !== null && typeof returned === 'object' && typeof returned.then === 'function') returned.then(resolve, reject);
    else if (handler.length < 3) resolve(returned);
  });
}

async function main() {
  patchConsole();
  const handler = await loadHandler();
  const memory = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128';
  for (;;) {
    const next = await call('GET', '/invocation/next');
    if (next.status !== 200) {
      console.error(`Runtime API /next answered ${next.status}: ${next.body}`);
      process.exit(1);
    }
    const requestId = String(next.headers['lambda-runtime-aws-request-id']);
    const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
    const traceId = next.headers['lambda-runtime-trace-id'];
    if (traceId !== undefined) env._X_AMZN_TRACE_ID = String(traceId);
    else delete env._X_AMZN_TRACE_ID;
    const clientContextRaw = next.headers['lambda-runtime-client-context'];
    currentRequestId = requestId;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: String(next.headers['lambda-runtime-invoked-function-arn'] ?? ''),
      memoryLimitInMB: memory,
      awsRequestId: requestId,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
      identity: undefined,
      clientContext: clientContextRaw === undefined ? undefined : JSON.parse(String(clientContextRaw)),
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let path;
    let body;
    try {
      const event = next.body.length === 0 ? {} : JSON.parse(next.body);
      const result = await runHandler(handler, event, context);
      body = JSON.stringify(result === undefined ? null : result);
      path = `/invocation/${requestId}/response`;
    } catch (error) {
      const doc = errorDocument(error);
      console.error(`Invoke Error \t${JSON.stringify(doc)}`);
      body = JSON.stringify(doc);
      path = `/invocation/${requestId}/error`;
    }
    await call('POST', path, body);
  }
}

// An exception that escapes the handler's promise chain ends the process, as on Lambda (exit 129 / 128),
// after telling the platform which invocation failed.
const fatal = (code) => async (error) => {
  const requestId = currentRequestId;
  try {
    if (requestId !== undefined) await call('POST', `/invocation/${requestId}/error`, JSON.stringify(errorDocument(error)));
  } finally {
    process.exit(code);
  }
};
process.on('uncaughtException', fatal(129));
process.on('unhandledRejection', fatal(128));

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
