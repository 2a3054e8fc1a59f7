/**
 * Entry of the out-of-process emulator (started by `spawnEmulator`, remote.ts): the emulator gets an event
 * loop of its own, so when an invocation arrives decides how it is admitted, not when a driver busy with its
 * own burst got round to reading it. It talks to its parent over the IPC channel only, and it never outlives
 * the parent: when the channel closes (the parent exited, crashed or was killed) it kills every runtime's
 * process group at once and exits.
 */
import type { EmulatorOptions } from './api.js';
import { startEmulator, type Emulator } from './index.js';
import type { HostCall, HostMessage, ParentMessage } from './host-protocol.js';
import { killAllRuntimes } from './supervisor.js';

const send = (message: HostMessage): void => {
  if (process.connected) process.send?.(message);
};

/** Last resort: nothing may keep running once the emulator goes. */
function dieNow(code: number): never {
  killAllRuntimes();
  process.exit(code);
}

let emulator: Emulator | undefined;

async function start(options: EmulatorOptions): Promise<void> {
  try {
    emulator = await startEmulator({
      ...options,
      log: (line) => send({ type: 'log', line }),
      onFailure: (failure) => send({ type: 'failure', failure }),
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    send({ type: 'startFailed', name: e.name ?? 'Error', message: e.message ?? String(error), code: e.code });
    // Let the message leave before exiting.
    setImmediate(() => dieNow(1));
    return;
  }
  send({ type: 'ready', endpoint: emulator.endpoint, port: emulator.port, region: emulator.region, initSlots: emulator.initSlots, pid: process.pid });
}

async function answer(call: HostCall, em: Emulator): Promise<unknown> {
  switch (call.method) {
    case 'environments':
      return em.environments();
    case 'functionNames':
      return em.functionNames();
    case 'drainIdle':
      return em.drainIdle(call.functionName);
    case 'registerFunction':
      em.registerFunction(call.definition);
      return null;
    case 'close':
      await em.close();
      return null;
  }
}

process.on('message', (raw: ParentMessage) => {
  if (raw.type === 'start') {
    void start(raw.options);
    return;
  }
  const em = emulator;
  if (em === undefined) {
    send({ type: 'reply', id: raw.id, ok: false, message: 'the emulator has not started' });
    return;
  }
  answer(raw, em).then(
    (value) => {
      send({ type: 'reply', id: raw.id, ok: true, value });
      if (raw.method === 'close') setImmediate(() => process.exit(0));
    },
    (error: unknown) => send({ type: 'reply', id: raw.id, ok: false, message: error instanceof Error ? error.message : String(error) }),
  );
});

// The parent is gone (exit, crash, SIGKILL): take every runtime down with us, now.
process.on('disconnect', () => dieNow(0));
// Ctrl-C and a closed terminal reach the whole foreground group; the parent decides when the emulator stops
// (it asks over IPC, or its death closes the channel), so these are not ours to act on.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
// Someone asked this process itself to stop: stop the environments gracefully, then go.
process.on('SIGTERM', () => {
  const em = emulator;
  if (em === undefined) dieNow(0);
  const timer = setTimeout(() => dieNow(0), 3000);
  void em.close().then(() => {
    clearTimeout(timer);
    process.exit(0);
  });
});
process.on('uncaughtException', (error) => {
  send({ type: 'fatal', message: error.stack ?? error.message });
  dieNow(1);
});
process.on('unhandledRejection', (reason) => {
  send({ type: 'fatal', message: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason) });
  dieNow(1);
});
