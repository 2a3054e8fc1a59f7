/**
 * `coldprobe emulator`: runs the bundled local Lambda as a standalone server until Ctrl-C, so the AWS CLI,
 * SDKs and `coldprobe --endpoint` can use it like the real service.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, targetUnavailable, usageError } from '../../core/errors.js';
import { DEFAULT_IDLE_CONNECTION_TIMEOUT_MS, startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/index.js';
import { makeSelfSignedCertificate, SelfSignedError, type SelfSignedCertificate } from '../../emulator/self-signed.js';
import { durationMs, parseFlags, positiveInt } from '../args.js';
import { formatHelp } from '../help.js';
import type { Command } from '../command.js';

const DEFAULT_PORT = 9001;
const DEFAULT_IDLE_TTL_MS = 10 * 60_000;
/** The sample functions shipped with the package, used when ./profiles/functions does not exist. */
const BUNDLED_FUNCTIONS = fileURLToPath(new URL('../../../profiles/functions', import.meta.url));

const usage = formatHelp({
  usage: ['coldprobe emulator [options]'],
  about: "Runs coldprobe's local Lambda (Invoke API, control plane, real runtime processes) until Ctrl-C.",
  sections: [
    {
      title: 'Options',
      options: [
        ['--port N', `listen port (default ${DEFAULT_PORT}; 0 picks a free one)`],
        ['--host ADDR', 'listen address (default 127.0.0.1; anything else exposes it to the network)'],
        ['--functions DIR', 'folder of function folders, each with a function.json (repeatable; default ./profiles/functions, else the bundled samples)'],
        ['--account-concurrency N', 'account concurrency limit (default 1000)'],
        ['--idle-ttl DURATION', 'stop environments idle this long (default 10m; e.g. 30s, 500ms)'],
        ['--init-concurrency N', 'environments allowed to initialise at once (default: number of cores)'],
        ['--connection-idle-timeout DURATION', 'close Invoke API connections idle (or sending a request only partly) this long (default 65s)'],
        ['--tls', 'test aid: serve HTTPS with a self-signed certificate made at start (needs the openssl command); its file is printed, for AWS_CA_BUNDLE / --ca-bundle'],
      ],
    },
    {
      title: 'Example',
      lines: [
        'coldprobe emulator --port 9001 --functions profiles/functions',
        'AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws lambda invoke --endpoint-url http://127.0.0.1:9001 \\',
        "  --region us-east-1 --function-name node-hello --payload '{}' --log-type Tail out.json",
        '(AWS CLI v2: add --cli-binary-format raw-in-base64-out; v1 rejects that flag.)',
      ],
    },
  ],
  exitCodes: [
    [0, 'stopped by Ctrl-C, every environment gone'],
    [2, 'bad input: a flag, a port out of range, an address not of this machine, a function folder'],
    [3, 'the port is in use'],
  ],
});

export const emulatorCommand: Command = {
  name: 'emulator',
  summary: 'Run the bundled local Lambda emulator until Ctrl-C (works with the AWS CLI and SDKs).',
  usage,
  async run(args, io) {
    const { values, positionals } = parseFlags('emulator', args, {
      port: { type: 'string' },
      host: { type: 'string' },
      functions: { type: 'string', multiple: true },
      'account-concurrency': { type: 'string' },
      'idle-ttl': { type: 'string' },
      'init-concurrency': { type: 'string' },
      'connection-idle-timeout': { type: 'string' },
      tls: { type: 'boolean' },
    });
    if (positionals.length > 0) throw usageError(`emulator: unexpected argument '${positionals[0]}' (see 'coldprobe emulator --help').`);
    const port = parsePort(values.port);
    const host = values.host ?? '127.0.0.1';
    const functionsDirs = functionFolders(values.functions, io.cwd);
    const options: EmulatorOptions = {
      host,
      port,
      functionsDirs,
      accountConcurrency: positiveInt('account-concurrency', values['account-concurrency'], 1000),
      idleTtlMs: durationMs('idle-ttl', values['idle-ttl'], DEFAULT_IDLE_TTL_MS),
      initConcurrency: positiveInt('init-concurrency', values['init-concurrency'], availableParallelism()),
      idleConnectionTimeoutMs: durationMs('connection-idle-timeout', values['connection-idle-timeout'], DEFAULT_IDLE_CONNECTION_TIMEOUT_MS),
      log: (line) => io.stderr.write(`emulator: ${line}\n`),
    };
    if (options.idleTtlMs !== undefined && options.idleTtlMs <= 0) throw usageError('--idle-ttl must be longer than 0.');
    if (options.idleConnectionTimeoutMs !== undefined && options.idleConnectionTimeoutMs <= 0) throw usageError('--connection-idle-timeout must be longer than 0.');

    if (!isLoopback(host)) {
      io.stderr.write(
        `warning: listening on ${host}, not a loopback address: anyone who can reach this machine can run these functions ` +
          'as your user, without credentials. Use --host 127.0.0.1 unless you mean it.\n',
      );
    }
    const certificate = values.tls === true ? selfSigned(host) : undefined;
    if (certificate) options.tls = { cert: certificate.cert, key: certificate.key };
    let emulator: Emulator;
    try {
      emulator = await start(options, host, port);
    } catch (error) {
      certificate?.remove();
      throw error;
    }
    try {
      io.stdout.write(banner(emulator, functionsDirs, certificate));
      await new Promise<void>((resolveWait) => {
        if (io.signal.aborted) resolveWait();
        else io.signal.addEventListener('abort', () => resolveWait(), { once: true });
      });
      io.stderr.write('emulator: stopping environments...\n');
    } finally {
      await emulator.close();
      certificate?.remove();
    }
    io.stderr.write('emulator: stopped.\n');
    // Ctrl-C is how a server is meant to stop: that is success, not an interruption.
    return ExitCode.ok;
  },
};

async function start(options: EmulatorOptions, host: string, port: number): Promise<Emulator> {
  try {
    return await startEmulator(options);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') throw targetUnavailable(`port ${port} on ${host} is already in use; pick another with --port.`, error);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw usageError(`--host ${host} is not an address of this machine.`);
    if (error instanceof Error && error.name === 'FunctionDefinitionError') throw usageError(error.message);
    throw error;
  }
}

/** The --tls certificate, for the listen address and the loopback names clients use. */
function selfSigned(host: string): SelfSignedCertificate {
  try {
    return makeSelfSignedCertificate([...new Set([host, '127.0.0.1', 'localhost'])]);
  } catch (error) {
    if (error instanceof SelfSignedError) throw targetUnavailable(error.message, error);
    throw error;
  }
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || port > 65_535) throw usageError(`--port must be a whole number from 0 to 65535, got '${raw}'.`);
  return port;
}

function functionFolders(given: string[] | undefined, cwd: string): string[] {
  if (given === undefined || given.length === 0) {
    const local = resolve(cwd, 'profiles/functions');
    return [existsSync(local) ? local : BUNDLED_FUNCTIONS];
  }
  return given.map((dir) => {
    const path = isAbsolute(dir) ? dir : resolve(cwd, dir);
    if (!existsSync(path)) throw usageError(`--functions ${dir}: no such folder.`);
    return path;
  });
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function banner(emulator: Emulator, dirs: string[], certificate: SelfSignedCertificate | undefined): string {
  const names = emulator.functionNames();
  const first = names.includes('node-hello') ? 'node-hello' : (names[0] ?? 'my-function');
  const trust = certificate ? ` --ca-bundle ${certificate.certPath}` : '';
  const lines = [
    `coldprobe emulator listening on ${emulator.endpoint} (region ${emulator.region})`,
    ...(certificate
      ? [
          `TLS (a test aid): self-signed certificate ${certificate.certPath}, deleted at exit; trust it with`,
          `  AWS_CA_BUNDLE=${certificate.certPath} (coldprobe, AWS CLI) or NODE_EXTRA_CA_CERTS=${certificate.certPath} (other node tools)`,
        ]
      : []),
    `functions from ${dirs.join(', ')}:`,
    ...(names.length === 0 ? ['  (none: add folders with a function.json)'] : names.map((n) => `  ${n}`)),
    '',
    'Try it (any credentials work; AWS CLI v2 also needs --cli-binary-format raw-in-base64-out, which v1 rejects):',
    `  AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws lambda invoke --endpoint-url ${emulator.endpoint}${trust} --region ${emulator.region} ` +
      `--function-name ${first} --payload '{}' --log-type Tail --query LogResult --output text out.json | base64 -d`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  return lines.join('\n');
}
