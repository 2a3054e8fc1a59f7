// coldprobe's nodejs runtime: loads `<file>.<export>` from LAMBDA_TASK_ROOT and runs the Lambda Runtime API
// loop (2018-06-01). Plain JS on Node built-ins only (node:net: see RuntimeConnection), because everything here
// is on the cold-start and warm-invoke paths.
//
// CommonJS on purpose: node starts the ESM loader only for an ES module (an .mjs handler, or a .js one under
// "type": "module"), so a CommonJS handler never pays for it. That matters more than usual here, because the
// heap flag this runtime runs with (as Lambda's does) makes V8 reject node's built-in code cache: every node
// module loaded after start-up compiles from source, the ESM loader's ~12 ms of it included.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { connect } = require('node:net');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { format } = require('node:util');

const env = process.env;
const API = env.AWS_LAMBDA_RUNTIME_API ?? '127.0.0.1:9001';
const [apiHost, apiPort] = API.split(':');
const BASE = '/2018-06-01/runtime';
const NEXT_REQUEST = `GET ${BASE}/invocation/next HTTP/1.1\r\nHost: ${API}\r\n\r\n`;
let currentRequestId;

/**
 * A minimal HTTP/1.1 client on one keep-alive socket, one request at a time (as AWS's runtime clients: the
 * answer to an invocation, then `/next` once it was acknowledged; never pipelined). Not node:http: loading it
 * costs every cold start its compile time (see the CommonJS note above), and the Runtime API needs only
 * Content-Length bodies. A connection the server closed is reopened for the next request.
 */
class RuntimeConnection {
  socket = undefined;
  buffer = Buffer.alloc(0);
  waiter = undefined;

  /** Writes `text` (one complete request) and resolves with its response. */
  request(text) {
    if (this.waiter !== undefined) return Promise.reject(new Error('Runtime API request already in flight'));
    if (this.socket === undefined) this.open();
    const response = new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
    this.socket.write(text);
    return response;
  }

  open() {
    const socket = connect({ host: apiHost, port: Number(apiPort), noDelay: true });
    socket.on('data', (chunk) => this.onData(chunk));
    const fail = (error) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.buffer = Buffer.alloc(0);
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('Runtime API connection closed')));
    this.socket = socket;
  }

  onData(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (this.waiter === undefined) return;
    const parsed = parseResponse(this.buffer);
    if (parsed === undefined) return;
    this.buffer = this.buffer.subarray(parsed.consumed);
    const waiter = this.waiter;
    this.waiter = undefined;
    if (parsed.response.headers.connection === 'close') {
      this.socket.destroy();
      this.socket = undefined;
    }
    waiter.resolve(parsed.response);
  }
}

/** One complete response at the start of `buf` ({status, headers, body}), or undefined while incomplete. */
function parseResponse(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon > 0) headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
  }
  // The emulator's server always sends Content-Length (its bodies are whole buffers).
  const start = end + 4;
  const length = Number(headers['content-length'] ?? 0);
  if (buf.length < start + length) return undefined;
  return { consumed: start + length, response: { status, headers, body: buf.toString('utf8', start, start + length) } };
}

const connection = new RuntimeConnection();

/** The text of a POST to `path` with a JSON `body` (and extra header lines). */
function postRequest(path, body, extraHeaders = '') {
  return `POST ${BASE}${path} HTTP/1.1\r\nHost: ${API}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`;
}

/** One POST. */
function post(path, body, extraHeaders) {
  return connection.request(postRequest(path, body, extraHeaders));
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
    await post('/init/error', JSON.stringify(doc), `Lambda-Runtime-Function-Error-Type: ${errorType}\r\n`);
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
    // As Lambda's runtime: ES modules through import(), CommonJS through require().
    mod = isEsModule(file) ? await import(pathToFileURL(file).href) : require(file);
  } catch (error) {
    const name = error instanceof SyntaxError ? 'Runtime.UserCodeSyntaxError' : 'Runtime.ImportModuleError';
    return initError(name, error instanceof Error ? `${error.name}: ${error.message}` : String(error), error);
  }
  // import() gives CommonJS modules as `default` (named exports may or may not be detected); require() gives
  // module.exports itself, which may even be a function or a primitive.
  const hasFirst = exportPath[0] !== undefined && mod !== null && (typeof mod === 'object' || typeof mod === 'function') && exportPath[0] in mod;
  let target = hasFirst ? mod : (mod?.default ?? mod);
  for (const key of exportPath) target = target?.[key];
  if (typeof target !== 'function') {
    return initError('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  }
  return target;
}

/** True when node treats `file` as an ES module: .mjs, or .js under a nearest package.json with "type": "module". */
function isEsModule(file) {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (dirname(dir) === dir) return false;
  }
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
  // Connect while the handler loads: the TCP handshake overlaps init instead of following it.
  connection.open();
  const handler = await loadHandler();
  const memory = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128';
  for (;;) {
    const next = await connection.request(NEXT_REQUEST);
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
    let answer;
    try {
      const event = next.body.length === 0 ? {} : JSON.parse(next.body);
      const result = await runHandler(handler, event, context);
      answer = postRequest(`/invocation/${requestId}/response`, JSON.stringify(result === undefined ? null : result));
    } catch (error) {
      const doc = errorDocument(error);
      console.error(`Invoke Error \t${JSON.stringify(doc)}`);
      answer = postRequest(`/invocation/${requestId}/error`, JSON.stringify(doc));
    }
    const posted = await connection.request(answer);
    if (posted.status !== 202) console.error(`Runtime API refused the answer for ${requestId}: ${posted.status} ${posted.body}`);
  }
}

// An exception that escapes the handler's promise chain ends the process, as on Lambda (exit 129 / 128),
// after telling the platform which invocation failed.
const fatal = (code) => async (error) => {
  const requestId = currentRequestId;
  try {
    if (requestId !== undefined) await post(`/invocation/${requestId}/error`, JSON.stringify(errorDocument(error)));
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
