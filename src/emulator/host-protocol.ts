/**
 * The messages between an out-of-process emulator (host.ts) and its parent (remote.ts), over node's IPC
 * channel. Types only.
 */
import type { EmulatorFailure, EmulatorOptions, FunctionDefinition } from './api.js';

/** A request of the parent; answered by one `reply` with the same id. */
export type HostCall = { id: number } & (
  | { method: 'environments' }
  | { method: 'functionNames' }
  | { method: 'drainIdle'; functionName?: string }
  | { method: 'registerFunction'; definition: FunctionDefinition }
  | { method: 'close' }
);

/** Parent → emulator. `options` carries no functions (`log`, `onFailure`): those travel as messages. */
export type ParentMessage = { type: 'start'; options: EmulatorOptions } | ({ type: 'call' } & HostCall);

/** Emulator → parent. */
export type HostMessage =
  | { type: 'ready'; endpoint: string; port: number; region: string; initSlots: number; pid: number }
  | { type: 'startFailed'; name: string; message: string; code: string | undefined }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; message: string }
  | { type: 'log'; line: string }
  | { type: 'failure'; failure: EmulatorFailure }
  | { type: 'fatal'; message: string };
