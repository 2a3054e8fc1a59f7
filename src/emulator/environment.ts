/**
 * The execution environment as a pure state machine (no I/O, no clock): starting → idle ⇄ busy → stopping →
 * exited. Every transition not listed in TABLE is refused with the Runtime API error the runtime should get,
 * so the Runtime API handler can try the transition before it touches the socket (as AWS's RIE does).
 */

/** Lifecycle states of one environment. */
export type EnvState = 'starting' | 'idle' | 'busy' | 'stopping' | 'exited';

/** State plus the one piece of data transitions depend on: the invocation in flight and whether it was answered. */
export interface EnvMachine {
  readonly state: EnvState;
  /** Request id of the invocation in flight (busy only). */
  readonly requestId?: string;
  /** True once the runtime posted `/response` or `/error` for `requestId`. */
  readonly answered: boolean;
}

/** What can happen to an environment. */
export type EnvEvent =
  /** The runtime called `GET /next`. */
  | { type: 'next' }
  /** The pool hands the environment an invocation. */
  | { type: 'dispatch'; requestId: string }
  /** The runtime posted `/response` or `/error` for `requestId`. */
  | { type: 'answer'; requestId: string }
  /** The runtime posted `/init/error`. */
  | { type: 'initError' }
  /** The emulator stops the environment (reap, timeout, init failure, close). */
  | { type: 'stop' }
  /** The process is gone. */
  | { type: 'exit' };

/** What a successful transition means for the environment around the machine. */
export type EnvEffect =
  /** First `/next`: init is over (Init Duration ends here). */
  | 'initDone'
  /** `/next` after an answered invocation: the invocation ends (Duration ends here). */
  | 'invocationDone'
  /** `/next` while the invocation is unanswered: send the same event again (RIE behaviour). */
  | 'redeliver'
  /** A second `/next` while idle (e.g. the runtime reconnected): replace the parked request. */
  | 'repark'
  | 'dispatched'
  | 'answered'
  | 'initFailed'
  | 'stopping'
  | 'exited';

/** A refusal, shaped as the Runtime API error body plus its HTTP status. */
export interface EnvRefusal {
  status: 400 | 403;
  errorType: 'InvalidRequestID' | 'InvalidStateTransition';
  errorMessage: string;
}

export type EnvTransition = { ok: true; machine: EnvMachine; effect: EnvEffect } | { ok: false; refusal: EnvRefusal };

/** The machine of a freshly spawned environment. */
export const initialMachine: EnvMachine = { state: 'starting', answered: false };

const refuse = (from: EnvState, to: string): EnvTransition => ({
  ok: false,
  refusal: {
    status: 403,
    errorType: 'InvalidStateTransition',
    errorMessage: `State transition from ${from} to ${to} failed for runtime. Error: State transition is not allowed`,
  },
});

const invalidRequestId = (): EnvTransition => ({
  ok: false,
  refusal: { status: 400, errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' },
});

type Rule = (machine: EnvMachine, event: EnvEvent) => EnvTransition;

const ok = (machine: EnvMachine, effect: EnvEffect): EnvTransition => ({ ok: true, machine, effect });
const IDLE: EnvMachine = { state: 'idle', answered: false };
const STOPPING: EnvMachine = { state: 'stopping', answered: false };
const EXITED: EnvMachine = { state: 'exited', answered: false };

/** `state:event` → rule; anything absent is refused. */
const TABLE: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['starting:next', () => ok(IDLE, 'initDone')],
  ['starting:initError', () => ok(STOPPING, 'initFailed')],
  ['starting:stop', () => ok(STOPPING, 'stopping')],
  ['starting:exit', () => ok(EXITED, 'exited')],

  ['idle:next', () => ok(IDLE, 'repark')],
  ['idle:dispatch', (_m, e) => ok({ state: 'busy', requestId: (e as { requestId: string }).requestId, answered: false }, 'dispatched')],
  // No invocation is in flight, so whatever id the runtime names is unknown or already answered.
  ['idle:answer', () => invalidRequestId()],
  ['idle:stop', () => ok(STOPPING, 'stopping')],
  ['idle:exit', () => ok(EXITED, 'exited')],

  ['busy:next', (m) => (m.answered ? ok(IDLE, 'invocationDone') : ok(m, 'redeliver'))],
  [
    'busy:answer',
    (m, e) =>
      m.answered || (e as { requestId: string }).requestId !== m.requestId
        ? invalidRequestId()
        : ok({ ...m, answered: true }, 'answered'),
  ],
  ['busy:stop', () => ok(STOPPING, 'stopping')],
  ['busy:exit', () => ok(EXITED, 'exited')],

  ['stopping:stop', () => ok(STOPPING, 'stopping')],
  ['stopping:exit', () => ok(EXITED, 'exited')],
]);

const EVENT_TARGET: Record<EnvEvent['type'], string> = {
  next: 'next',
  dispatch: 'busy',
  answer: 'answer',
  initError: 'initError',
  stop: 'stopping',
  exit: 'exited',
};

/** Applies `event` to `machine`; refused transitions leave the machine unchanged and say why. */
export function transition(machine: EnvMachine, event: EnvEvent): EnvTransition {
  const rule = TABLE.get(`${machine.state}:${event.type}`);
  if (rule === undefined) return refuse(machine.state, EVENT_TARGET[event.type]);
  return rule(machine, event);
}
