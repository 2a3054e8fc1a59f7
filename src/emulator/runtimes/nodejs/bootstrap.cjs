// coldprobe's nodejs runtime: loads `<file>.<export>` from LAMBDA_TASK_ROOT and runs the Lambda Runtime API
// loop (2018-06-01). Plain JS on Node built-ins only (node:net, no node:http: see RuntimeConnection), because
// everything here is on the cold-start and warm-invoke paths.
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
 * A minimal HTTP/1.1 client on one keep-alive socket that can pipeline: the answer to an invocation and the
 * next `/next` leave in one write, which saves the runtime a wake-up and a round trip per invocation (the
 * emulator's server answers pipelined requests in order). node:http's client cannot pipeline.
 */
class RuntimeConnection {
  socket = undefined;
  buffer = Buffer.alloc(0);
  waiters = [];

  /** Writes `text` (one or more complete requests) and resolves with `count` responses, in order. */
  send(text, count) {
    if (this.socket === undefined) this.open();
    const promises = [];
    for (let i = 0; i < count; i++) promises.push(new Promise((resolve, reject) => this.waiters.push({ resolve, reject })));
    this.socket.write(text);
    return promises;
  }

  open() {
    const socket = connect({ host: apiHost, port: Number(apiPort), noDelay: true });
    socket.on('data', (chunk) => this.onData(chunk));
    const fail = (error) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.buffer = Buffer.alloc(0);
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('Runtime API connection closed')));
    this.socket = socket;
  }

  onData(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.waiters.length > 0) {
      const parsed = parseResponse(this.buffer);
      if (parsed === undefined) return;
      this.buffer = this.buffer.subarray(parsed.consumed);
      this.waiters.shift().resolve(parsed.response);
    }
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
  const start = end + 4;
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (buf.length < start + length) return undefined;
    return { consumed: start + length, response: { status, headers, body: buf.toString('utf8', start, start + length) } };
  }
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts = [];
    let at = start;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
      if (size === 0) {
        // `0\r\n`, optional trailer lines, then an empty line.
        const trailersEnd = buf.indexOf('\r\n\r\n', lineEnd);
        if (trailersEnd < 0) return undefined;
        return { consumed: trailersEnd + 4, response: { status, headers, body: Buffer.concat(parts).toString('utf8') } };
      }
      if (buf.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  return { consumed: start, response: { status, headers, body: '' } };
}

const connection = new RuntimeConnection();

/** The text of a POST to `path` with a JSON `body` (and extra header lines). */
function postRequest(path, body, extraHeaders = '') {
  return `POST ${BASE}${path} HTTP/1.1\r\nHost: ${API}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`;
}

/** One POST, on its own. */
function post(path, body, extraHeaders) {
  return connection.send(postRequest(path, body, extraHeaders), 1)[0];
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
  // The answer to the previous invocation, sent together with the next `/next` (pipelined).
  let answer = '';
  for (;;) {
    const responses = connection.send(answer + NEXT_REQUEST, answer === '' ? 1 : 2);
    if (answer !== '') {
      const posted = await responses[0];
      if (posted.status !== 202) console.error(`Runtime API refused the answer for ${currentRequestId}: ${posted.status} ${posted.body}`);
    }
    const next = await responses[responses.length - 1];
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
    try {
      const event = next.body.length === 0 ? {} : JSON.parse(next.body);
      const result = await runHandler(handler, event, context);
      answer = postRequest(`/invocation/${requestId}/response`, JSON.stringify(result === undefined ? null : result));
    } catch (error) {
      const doc = errorDocument(error);
      console.error(`Invoke Error \t${JSON.stringify(doc)}`);
      answer = postRequest(`/invocation/${requestId}/error`, JSON.stringify(doc));
    }
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
