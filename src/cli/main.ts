#!/usr/bin/env node
/**
 * The process edge: argv in, exit code out. The only place where errors become a sentence on stderr
 * and an exit code, and the only place that reads process.* directly.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ColdprobeError, ExitCode } from '../core/errors.js';
import type { CliIo } from './command.js';
import { commands } from './commands/index.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function topLevelHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'coldprobe — load-test AWS Lambda and profile its cold starts.',
    '',
    'Usage: coldprobe <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'coldprobe <command> --help' for a command's options.",
    'Exit codes: 0 ok, 1 internal error, 2 bad input, 3 target unavailable, 10 threshold failed, 130 interrupted.',
  ].join('\n');
}

/** Runs one command line; returns the exit code. Exported for in-process tests. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [first, ...afterFirst] = argv;
  // `coldprobe help burst` is `coldprobe burst --help`.
  const [name, ...rest] = first === 'help' && afterFirst[0] !== undefined ? [afterFirst[0], '--help'] : argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(topLevelHelp() + '\n');
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(version() + '\n');
    return ExitCode.ok;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    // Loaded only here: `coldprobe --help` imports nothing but the registry (test/e2e/lazy-load.test.ts).
    const { closestFlag } = await import('./args.js');
    const guess = closestFlag(name, Object.fromEntries(commands.map((c) => [c.name, { type: 'boolean' as const }])))?.replace(/^--/, '');
    io.stderr.write(`coldprobe: unknown command '${name}'${guess ? `; did you mean '${guess}'?` : '.'} Run 'coldprobe --help' for the list.\n`);
    return ExitCode.usage;
  }
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(command.usage + '\n');
      return ExitCode.ok;
    }
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof ColdprobeError) {
      io.stderr.write(`coldprobe: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr.write(`coldprobe: internal error, please report it: ${message}\n`);
    return ExitCode.internal;
  }
}

function processIo(): CliIo {
  const controller = new AbortController();
  let interrupts = 0;
  // `shownBy` is 'view' when the live view asked (q, Ctrl-C as a key) and shows the stop itself; as a signal
  // handler this gets the signal's name.
  const onSignal = (shownBy?: unknown): void => {
    interrupts += 1;
    if (interrupts === 1) {
      if (shownBy !== 'view') process.stderr.write('\ncoldprobe: interrupted; stopping cleanly (Ctrl-C again to quit at once).\n');
      controller.abort();
    } else {
      process.exit(ExitCode.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed terminal: stop as cleanly as for Ctrl-C (results written, no runtime left behind).
  process.on('SIGHUP', onSignal);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
    requestInterrupt: onSignal,
  };
}

function isEntryPoint(): boolean {
  const invoked = process.argv[1];
  if (invoked === undefined) return false;
  try {
    // npx runs us through a symlink in node_modules/.bin: compare real paths.
    return realpathSync(invoked) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const code = await main(process.argv.slice(2), processIo());
  // Let stdout drain, then exit even if a stray handle (an idle socket) is still open.
  process.exitCode = code;
  setImmediate(() => process.exit(code));
}
