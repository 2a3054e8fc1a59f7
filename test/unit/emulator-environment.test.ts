/** The environment state machine: lifecycles through the table, the Runtime API's refusals, and nothing else allowed. */
import { describe, expect, it } from 'vitest';
import { holdsInitSlot, initialMachine, publicState, transition, type EnvEvent, type EnvEventType, type EnvMachine, type EnvState } from '../../src/emulator/environment.js';

/** Applies `events` in order; fails the test on the first refusal. */
function run(events: EnvEvent[], from: EnvMachine = initialMachine): { machine: EnvMachine; effects: string[] } {
  let machine = from;
  const effects: string[] = [];
  for (const event of events) {
    const t = transition(machine, event);
    if (!t.ok) throw new Error(`${machine.state} refused ${event.type}: ${t.refusal.errorMessage}`);
    machine = t.machine;
    effects.push(t.effect);
  }
  return { machine, effects };
}

const one: Record<EnvState, EnvMachine> = {
  queued: { state: 'queued' },
  spawning: { state: 'spawning', phase: 'init' },
  initializing: { state: 'initializing', phase: 'init', assigned: 'r1' },
  initFailing: { state: 'initFailing', phase: 'init', assigned: 'r1', failure: { status: 'timeout' } },
  idle: { state: 'idle' },
  detached: { state: 'detached' },
  invoking: { state: 'invoking', requestId: 'r1' },
  responsePosted: { state: 'responsePosted', requestId: 'r1' },
  responseSent: { state: 'responseSent', requestId: 'r1' },
  stopping: { state: 'stopping' },
  exited: { state: 'exited' },
};

const sampleEvents: Record<EnvEventType, EnvEvent> = {
  assign: { type: 'assign', requestId: 'r9' },
  slot: { type: 'slot' },
  spawned: { type: 'spawned' },
  next: { type: 'next' },
  nextGone: { type: 'nextGone' },
  dispatch: { type: 'dispatch', requestId: 'r2' },
  answer: { type: 'answer', requestId: 'r1' },
  answerRead: { type: 'answerRead' },
  initError: { type: 'initError' },
  initTimeout: { type: 'initTimeout' },
  timeout: { type: 'timeout' },
  stop: { type: 'stop' },
  exit: { type: 'exit' },
};

describe('environment state machine', () => {
  it('runs a cold start, an invocation that answers and then asks again, and a stop', () => {
    const { machine, effects } = run([
      { type: 'assign', requestId: 'r1' },
      { type: 'slot' },
      { type: 'spawned' },
      { type: 'next' },
      { type: 'answer', requestId: 'r1' },
      { type: 'answerRead' },
      { type: 'next' },
      { type: 'dispatch', requestId: 'r2' },
      { type: 'answer', requestId: 'r2' },
      { type: 'answerRead' },
      { type: 'next' },
      { type: 'stop' },
      { type: 'exit' },
    ]);
    expect(effects).toEqual([
      'assigned', 'spawn', 'spawned', 'initDoneDispatch', 'answerAccepted', 'answerRead', 'invocationDone',
      'dispatched', 'answerAccepted', 'answerRead', 'invocationDone', 'stopping', 'exited',
    ]);
    expect(machine).toEqual({ state: 'exited' });
  });

  it('separates "response posted" from "response sent": /next only once the response went out', () => {
    const posted = run([{ type: 'answer', requestId: 'r1' }], one.invoking).machine;
    expect(posted).toEqual({ state: 'responsePosted', requestId: 'r1' });
    expect(transition(posted, { type: 'next' })).toMatchObject({ ok: false, refusal: { status: 403, errorType: 'InvalidStateTransition' } });
    const sent = run([{ type: 'answerRead' }], posted).machine;
    expect(transition(sent, { type: 'next' })).toMatchObject({ ok: true, machine: { state: 'idle' }, effect: 'invocationDone' });
  });

  it('answers the Runtime API as RIE does: unknown or repeated ids 400, wrong phase 403, a second /next re-sends', () => {
    expect(transition(one.invoking, { type: 'answer', requestId: 'other' })).toMatchObject({ ok: false, refusal: { status: 400, errorType: 'InvalidRequestID' } });
    expect(transition(one.responseSent, { type: 'answer', requestId: 'r1' })).toMatchObject({ ok: false, refusal: { status: 400 } });
    expect(transition(one.idle, { type: 'answer', requestId: 'r1' })).toMatchObject({ ok: false, refusal: { status: 400 } });
    expect(transition(one.idle, { type: 'initError' })).toMatchObject({ ok: false, refusal: { status: 403 } });
    expect(transition(one.initializing, { type: 'answer', requestId: 'r1' })).toMatchObject({ ok: false, refusal: { status: 403 } });
    expect(transition(one.invoking, { type: 'next' })).toMatchObject({ ok: true, machine: one.invoking, effect: 'redeliver' });
    expect(transition(one.stopping, { type: 'next' })).toMatchObject({ ok: false, refusal: { status: 403 } });
  });

  it('retries a failed first init inside the waiting invocation (suppressed init), once', () => {
    const failed = run([{ type: 'initTimeout' }], one.initializing).machine;
    expect(failed).toEqual({ state: 'initFailing', phase: 'init', assigned: 'r1', failure: { status: 'timeout' } });
    const retry = transition(failed, { type: 'exit' });
    expect(retry).toMatchObject({ ok: true, machine: { state: 'spawning', phase: 'invoke', assigned: 'r1' }, effect: 'retryInit' });
    // The retry is bounded by the function timeout, and a second failure ends the environment.
    const retrying = run([{ type: 'spawned' }], (retry as { machine: EnvMachine }).machine).machine;
    expect(transition(retrying, { type: 'timeout' })).toMatchObject({ ok: true, machine: { state: 'stopping' }, effect: 'timedOut' });
    expect(run([{ type: 'initError' }, { type: 'exit' }], retrying).effects).toEqual(['initFailing', 'exited']);
    expect(run([{ type: 'next' }], retrying)).toMatchObject({ machine: { state: 'invoking', requestId: 'r1' }, effects: ['initDoneDispatch'] });
    // A crash during init (no /init/error) is retried the same way; an init nobody waits for (provisioned) is not.
    expect(transition(one.initializing, { type: 'exit' })).toMatchObject({ ok: true, effect: 'retryInit' });
    expect(transition({ state: 'initializing', phase: 'init' }, { type: 'exit' })).toMatchObject({ ok: true, machine: { state: 'exited' }, effect: 'exited' });
    // The function timeout does not apply to a first init (its own limit does).
    expect(transition(one.initializing, { type: 'timeout' }).ok).toBe(false);
  });

  it('loses a parked /next whose connection closed, and takes it back when the runtime asks again', () => {
    const detached = run([{ type: 'nextGone' }], one.idle).machine;
    expect(detached).toEqual({ state: 'detached' });
    expect(transition(detached, { type: 'dispatch', requestId: 'r2' }).ok).toBe(false);
    expect(transition(detached, { type: 'next' })).toMatchObject({ ok: true, machine: { state: 'idle' }, effect: 'repark' });
  });

  it('holds the init slot exactly during the first init, and shows users five coarse states', () => {
    const holding = (Object.keys(one) as EnvState[]).filter((s) => holdsInitSlot(one[s]));
    expect(holding).toEqual(['spawning', 'initializing', 'initFailing']);
    expect(holdsInitSlot({ state: 'initializing', phase: 'invoke', assigned: 'r1' })).toBe(false);
    expect(Object.fromEntries((Object.keys(one) as EnvState[]).map((s) => [s, publicState(one[s])]))).toEqual({
      queued: 'starting', spawning: 'starting', initializing: 'starting', initFailing: 'starting',
      idle: 'idle', detached: 'idle', invoking: 'busy', responsePosted: 'busy', responseSent: 'busy',
      stopping: 'stopping', exited: 'exited',
    });
  });

  it('refuses everything once exited, lets every other state stop, and never throws', () => {
    for (const state of Object.keys(one) as EnvState[]) {
      for (const event of Object.values(sampleEvents)) {
        const t = transition(one[state], event);
        if (state === 'exited') expect(t.ok).toBe(false);
        if (!t.ok) expect(t.refusal.status === 400 || t.refusal.status === 403).toBe(true);
      }
      const stopped = transition(one[state], { type: 'stop' });
      expect(stopped.ok).toBe(state !== 'exited' && state !== 'stopping');
      if (state !== 'exited') expect(transition(one[state], { type: 'exit' }).ok).toBe(true);
    }
  });
});
