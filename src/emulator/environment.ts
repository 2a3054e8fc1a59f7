/**
 * The execution environment's whole lifecycle as a pure state machine (no I/O, no clock). Every state an
 * environment can be in is a state here, with the data that state needs; the environment around it
 * (execution-env.ts) keeps only I/O handles. TABLE spells out every state × event pair, so the compiler
 * refuses a table with a hole in it; a refused pair carries the Runtime API error the runtime should get, so
 * the Runtime API handler can try the transition before it touches the socket (as AWS's RIE does).
 *
 *   queued → spawning → initializing ─(first /next)→ idle ⇄ invoking → responsePosted → responseSent → idle
 *                          │  └(init/error, init limit)→ initFailing ┐        (any) ─stop→ stopping ─exit→ exited
 *                          └───────────────(process exit)────────────┴→ spawning again, phase invoke (suppressed
 *                                                                        init: the first invocation retries it)
 * As in RIE, "response posted" (the answer was accepted, its body is being read) is apart from "response sent"
 * (the answer went to the caller): `/next` is only allowed once the response was sent.
 */
import { PLATFORM_ERRORS } from '../lambda/errors.js';

/** Which init an environment is running: its first (`init`), or the retry inside the first invocation (`invoke`). */
export type InitPhase = 'init' | 'invoke';

/** Why an init failed, as INIT_REPORT and REPORT say it. */
export interface InitFailure {
  status: 'timeout' | 'error';
  /** Error Type for `status: error` (a platform type, see lambda-protocol.md §1.3). */
  errorType?: string;
}

/** Every state, with its data. `assigned` is the request id of the invocation waiting for this init. */
export type EnvMachine =
  /** Created, waiting for an init slot. */
  | { readonly state: 'queued'; readonly assigned?: string }
  /** Holds an init slot (phase `init`); opening the Runtime API listener and starting the process. */
  | { readonly state: 'spawning'; readonly phase: InitPhase; readonly assigned?: string }
  /** The runtime process runs its init; it ends at its first `/next`. */
  | { readonly state: 'initializing'; readonly phase: InitPhase; readonly assigned?: string }
  /** Init failed (init limit, `/init/error`); the process is being stopped. */
  | { readonly state: 'initFailing'; readonly phase: InitPhase; readonly assigned?: string; readonly failure: InitFailure }
  /** The runtime waits on `/next`. */
  | { readonly state: 'idle' }
  /** Idle, but the connection of the waiting `/next` is gone: nothing to hand an event to until it asks again. */
  | { readonly state: 'detached' }
  /** The event was handed to the runtime. */
  | { readonly state: 'invoking'; readonly requestId: string }
  /** The runtime's answer was accepted; its body is being read. */
  | { readonly state: 'responsePosted'; readonly requestId: string }
  /** The answer is in and was handed on; the invocation ends at the runtime's next `/next`. */
  | { readonly state: 'responseSent'; readonly requestId: string }
  | { readonly state: 'stopping' }
  | { readonly state: 'exited' };

export type EnvState = EnvMachine['state'];

/** What can happen to an environment. */
export type EnvEvent =
  /** The pool gives the environment the invocation that made it start. */
  | { type: 'assign'; requestId: string }
  /** The environment got its init slot and starts its process. */
  | { type: 'slot' }
  /** The process was started. */
  | { type: 'spawned' }
  /** The runtime called `GET /next`. */
  | { type: 'next' }
  /** The connection of the waiting `/next` closed. */
  | { type: 'nextGone' }
  /** The pool hands the idle environment an invocation. */
  | { type: 'dispatch'; requestId: string }
  /** The runtime posted `/response` or `/error` for `requestId`. */
  | { type: 'answer'; requestId: string }
  /** The answer's body is in (or was cut off). */
  | { type: 'answerRead' }
  /** The runtime posted `/init/error`. */
  | { type: 'initError' }
  /** Init ran past its limit. */
  | { type: 'initTimeout' }
  /** The invocation in flight (or the init retried inside it) ran past the function timeout. */
  | { type: 'timeout' }
  /** The emulator stops the environment (reap, close, retired generation). */
  | { type: 'stop' }
  /** The process is gone (or never started). */
  | { type: 'exit' };

export type EnvEventType = EnvEvent['type'];

/** What a successful transition means for the environment around the machine. */
export type EnvEffect =
  | 'assigned'
  | 'spawn'
  | 'spawned'
  /** First `/next`, nobody waiting: init is over (Init Duration ends here). */
  | 'initDone'
  /** First `/next` with an invocation waiting: init is over and the event goes out on this request. */
  | 'initDoneDispatch'
  /** `/next` while idle (e.g. the runtime reconnected): the newest request is the one to answer. */
  | 'repark'
  | 'detached'
  | 'dispatched'
  /** `/next` while the invocation is unanswered: send the same event again (RIE behaviour). */
  | 'redeliver'
  | 'answerAccepted'
  | 'answerRead'
  /** `/next` after the response was sent: the invocation ends (Duration ends here). */
  | 'invocationDone'
  | 'initFailing'
  /** The failed init's process is gone; init runs again inside the waiting invocation (suppressed init). */
  | 'retryInit'
  | 'timedOut'
  | 'stopping'
  | 'exited';

/** A refusal, shaped as the Runtime API error body plus its HTTP status. */
export interface EnvRefusal {
  status: 400 | 403;
  errorType: 'InvalidRequestID' | 'InvalidStateTransition';
  errorMessage: string;
}

export type EnvTransition = { ok: true; machine: EnvMachine; effect: EnvEffect } | { ok: false; refusal: EnvRefusal };

/** The machine of a freshly created environment. */
export const initialMachine: EnvMachine = { state: 'queued' };

/** True while the environment holds its init slot (its first init has not ended yet). */
export function holdsInitSlot(m: EnvMachine): boolean {
  return (m.state === 'spawning' || m.state === 'initializing' || m.state === 'initFailing') && m.phase === 'init';
}

/** The coarse state shown to users (snapshots, control API): starting, idle, busy, stopping, exited. */
export function publicState(m: EnvMachine): 'starting' | 'idle' | 'busy' | 'stopping' | 'exited' {
  switch (m.state) {
    case 'queued':
    case 'spawning':
    case 'initializing':
    case 'initFailing':
      return 'starting';
    case 'idle':
    case 'detached':
      return 'idle';
    case 'invoking':
    case 'responsePosted':
    case 'responseSent':
      return 'busy';
    default:
      return m.state;
  }
}

// ---- the table --------------------------------------------------------------------------------------------

type MachineOf<S extends EnvState> = Extract<EnvMachine, { state: S }>;
type EventOf<E extends EnvEventType> = Extract<EnvEvent, { type: E }>;
type Rule<S extends EnvState, E extends EnvEventType> = (m: MachineOf<S>, e: EventOf<E>) => EnvTransition;
/** 'refuse': the pair is not allowed; the refusal names the states as RIE does. */
type Row<S extends EnvState> = { readonly [E in EnvEventType]: Rule<S, E> | 'refuse' };
type Table = { readonly [S in EnvState]: Row<S> };

const ok = (machine: EnvMachine, effect: EnvEffect): EnvTransition => ({ ok: true, machine, effect });
const invalidRequestId: EnvTransition = { ok: false, refusal: { status: 400, errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' } };
const STOPPING: EnvMachine = { state: 'stopping' };
const EXITED: EnvMachine = { state: 'exited' };
const IDLE: EnvMachine = { state: 'idle' };

const stop = (): EnvTransition => ok(STOPPING, 'stopping');
const exit = (): EnvTransition => ok(EXITED, 'exited');
/** An invocation in flight takes no other answer than the one for its own id. */
const alreadyAnswered = (): EnvTransition => invalidRequestId;
/** Without an invocation in flight, whatever id the runtime names is unknown or already answered. */
const noInvocation = (): EnvTransition => invalidRequestId;

/** Process gone during init: a first init with an invocation waiting is retried inside it; anything else ends. */
const initExit = (m: MachineOf<'initializing'> | MachineOf<'initFailing'>): EnvTransition =>
  m.phase === 'init' && m.assigned !== undefined ? ok({ state: 'spawning', phase: 'invoke', assigned: m.assigned }, 'retryInit') : exit();

const TABLE: Table = {
  queued: {
    assign: (m, e) => (m.assigned === undefined ? ok({ state: 'queued', assigned: e.requestId }, 'assigned') : refused(m.state, e.type)),
    slot: (m) => ok(withAssigned({ state: 'spawning', phase: 'init' }, m.assigned), 'spawn'),
    spawned: 'refuse',
    next: 'refuse',
    nextGone: 'refuse',
    dispatch: 'refuse',
    answer: 'refuse',
    answerRead: 'refuse',
    initError: 'refuse',
    initTimeout: 'refuse',
    timeout: 'refuse',
    stop,
    exit,
  },
  spawning: {
    assign: (m, e) => (m.assigned === undefined ? ok({ ...m, assigned: e.requestId }, 'assigned') : refused(m.state, e.type)),
    slot: 'refuse',
    spawned: (m) => ok(withAssigned({ state: 'initializing', phase: m.phase }, m.assigned), 'spawned'),
    next: 'refuse',
    nextGone: 'refuse',
    dispatch: 'refuse',
    answer: 'refuse',
    answerRead: 'refuse',
    initError: 'refuse',
    initTimeout: 'refuse',
    // The retry inside the invocation is bounded by the function timeout, spawning included.
    timeout: (m) => (m.phase === 'invoke' ? ok(STOPPING, 'timedOut') : refused(m.state, 'timeout')),
    stop,
    exit,
  },
  initializing: {
    assign: (m, e) => (m.assigned === undefined ? ok({ ...m, assigned: e.requestId }, 'assigned') : refused(m.state, e.type)),
    slot: 'refuse',
    spawned: 'refuse',
    next: (m) => (m.assigned === undefined ? ok(IDLE, 'initDone') : ok({ state: 'invoking', requestId: m.assigned }, 'initDoneDispatch')),
    nextGone: 'refuse',
    dispatch: 'refuse',
    answer: 'refuse',
    answerRead: 'refuse',
    // The runtime's own error type goes to the caller in its document; the platform reports Runtime.Unknown.
    initError: (m) => ok({ ...m, state: 'initFailing', failure: { status: 'error', errorType: PLATFORM_ERRORS.unknown } }, 'initFailing'),
    initTimeout: (m) => ok({ ...m, state: 'initFailing', failure: { status: 'timeout' } }, 'initFailing'),
    timeout: (m) => (m.phase === 'invoke' ? ok(STOPPING, 'timedOut') : refused(m.state, 'timeout')),
    stop,
    exit: initExit,
  },
  initFailing: {
    assign: (m, e) => (m.assigned === undefined ? ok({ ...m, assigned: e.requestId }, 'assigned') : refused(m.state, e.type)),
    slot: 'refuse',
    spawned: 'refuse',
    next: 'refuse',
    nextGone: 'refuse',
    dispatch: 'refuse',
    answer: 'refuse',
    answerRead: 'refuse',
    initError: 'refuse',
    initTimeout: 'refuse',
    timeout: (m) => (m.phase === 'invoke' ? ok(STOPPING, 'timedOut') : refused(m.state, 'timeout')),
    stop,
    exit: initExit,
  },
  idle: {
    assign: 'refuse',
    slot: 'refuse',
    spawned: 'refuse',
    next: () => ok(IDLE, 'repark'),
    nextGone: () => ok({ state: 'detached' }, 'detached'),
    dispatch: (_m, e) => ok({ state: 'invoking', requestId: e.requestId }, 'dispatched'),
    answer: noInvocation,
    answerRead: 'refuse',
    initError: 'refuse',
    initTimeout: 'refuse',
    timeout: 'refuse',
    stop,
    exit,
  },
  detached: {
    assign: 'refuse',
    slot: 'refuse',
    spawned: 'refuse',
    next: () => ok(IDLE, 'repark'),
    nextGone: 'refuse',
    dispatch: 'refuse',
    answer: noInvocation,
    answerRead: 'refuse',
    initError: 'refuse',
    initTimeout: 'refuse',
    timeout: 'refuse',
    stop,
    exit,
  },
  invoking: {
    assign: 'refuse',
    slot: 'refuse',
    spawned: 'refuse',
    next: (m) => ok(m, 'redeliver'),
    nextGone: 'refuse',
    dispatch: 'refuse',
    answer: (m, e) => (e.requestId === m.requestId ? ok({ state: 'responsePosted', requestId: m.requestId }, 'answerAccepted') : invalidRequestId),
    answerRead: 'refuse',
    initError: 'refuse',
    initTimeout: 'refuse',
    timeout: () => ok(STOPPING, 'timedOut'),
    stop,
    exit,
  },
  responsePosted: {
    assign: 'refuse',
    slot: 'refuse',
    spawned: 'refuse',
    // As RIE: the runtime may ask for the next event only once its response went out.
    next: 'refuse',
    nextGone: 'refuse',
    dispatch: 'refuse',
    answer: alreadyAnswered,
    answerRead: (m) => ok({ state: 'responseSent', requestId: m.requestId }, 'answerRead'),
    initError: 'refuse',
    initTimeout: 'refuse',
    timeout: () => ok(STOPPING, 'timedOut'),
    stop,
    exit,
  },
  responseSent: {
    assign: 'refuse',
    slot: 'refuse',
    spawned: 'refuse',
    next: () => ok(IDLE, 'invocationDone'),
    nextGone: 'refuse',
    dispatch: 'refuse',
    answer: alreadyAnswered,
    answerRead: 'refuse',
    initError: 'refuse',
    initTimeout: 'refuse',
    // Work after the response still runs under the function timeout.
    timeout: () => ok(STOPPING, 'timedOut'),
    stop,
    exit,
  },
  stopping: {
    assign: 'refuse',
    slot: 'refuse',
    spawned: 'refuse',
    next: 'refuse',
    nextGone: 'refuse',
    dispatch: 'refuse',
    answer: 'refuse',
    answerRead: 'refuse',
    initError: 'refuse',
    initTimeout: 'refuse',
    timeout: 'refuse',
    stop: 'refuse',
    exit,
  },
  exited: {
    assign: 'refuse',
    slot: 'refuse',
    spawned: 'refuse',
    next: 'refuse',
    nextGone: 'refuse',
    dispatch: 'refuse',
    answer: 'refuse',
    answerRead: 'refuse',
    initError: 'refuse',
    initTimeout: 'refuse',
    timeout: 'refuse',
    stop: 'refuse',
    exit: 'refuse',
  },
};

function withAssigned<M extends MachineOf<'spawning'> | MachineOf<'initializing'>>(m: M, assigned: string | undefined): M {
  return assigned === undefined ? m : { ...m, assigned };
}

/** RIE's wording for a refused transition. */
function refused(from: EnvState, event: EnvEventType): EnvTransition {
  return {
    ok: false,
    refusal: {
      status: 403,
      errorType: 'InvalidStateTransition',
      errorMessage: `State transition from ${from} to ${event} failed for runtime. Error: State transition is not allowed`,
    },
  };
}

/** Applies `event` to `machine`; refused transitions leave the machine unchanged and say why. */
export function transition(machine: EnvMachine, event: EnvEvent): EnvTransition {
  const rule = (TABLE[machine.state] as Row<EnvState>)[event.type];
  if (rule === 'refuse') return refused(machine.state, event.type);
  return (rule as (m: EnvMachine, e: EnvEvent) => EnvTransition)(machine, event);
}
