/** The environment state machine: every listed transition, and refusal of everything else. */
import { describe, expect, it } from 'vitest';
import { initialMachine, transition, type EnvEvent, type EnvMachine, type EnvState } from '../../src/emulator/environment.js';

const machines: Record<string, EnvMachine> = {
  starting: initialMachine,
  idle: { state: 'idle', answered: false },
  busy: { state: 'busy', requestId: 'r1', answered: false },
  answered: { state: 'busy', requestId: 'r1', answered: true },
  stopping: { state: 'stopping', answered: false },
  exited: { state: 'exited', answered: false },
};

const events: Record<string, EnvEvent> = {
  next: { type: 'next' },
  dispatch: { type: 'dispatch', requestId: 'r2' },
  answerR1: { type: 'answer', requestId: 'r1' },
  answerOther: { type: 'answer', requestId: 'nope' },
  initError: { type: 'initError' },
  stop: { type: 'stop' },
  exit: { type: 'exit' },
};

type Expect = { to: EnvState; effect: string } | { refused: 400 | 403 };
const ok = (to: EnvState, effect: string): Expect => ({ to, effect });
const r400: Expect = { refused: 400 };
const r403: Expect = { refused: 403 };

/** machine × event → expected outcome; the full cross product, so nothing is allowed by accident. */
const table: Record<string, Record<string, Expect>> = {
  starting: { next: ok('idle', 'initDone'), dispatch: r403, answerR1: r403, answerOther: r403, initError: ok('stopping', 'initFailed'), stop: ok('stopping', 'stopping'), exit: ok('exited', 'exited') },
  idle: { next: ok('idle', 'repark'), dispatch: ok('busy', 'dispatched'), answerR1: r400, answerOther: r400, initError: r403, stop: ok('stopping', 'stopping'), exit: ok('exited', 'exited') },
  busy: { next: ok('busy', 'redeliver'), dispatch: r403, answerR1: ok('busy', 'answered'), answerOther: r400, initError: r403, stop: ok('stopping', 'stopping'), exit: ok('exited', 'exited') },
  answered: { next: ok('idle', 'invocationDone'), dispatch: r403, answerR1: r400, answerOther: r400, initError: r403, stop: ok('stopping', 'stopping'), exit: ok('exited', 'exited') },
  stopping: { next: r403, dispatch: r403, answerR1: r403, answerOther: r403, initError: r403, stop: ok('stopping', 'stopping'), exit: ok('exited', 'exited') },
  exited: { next: r403, dispatch: r403, answerR1: r403, answerOther: r403, initError: r403, stop: r403, exit: r403 },
};

const cases = Object.entries(table).flatMap(([m, row]) => Object.entries(row).map(([e, want]) => ({ m, e, want })));

describe('environment state machine', () => {
  it.each(cases)('$m + $e', ({ m, e, want }) => {
    const machine = machines[m] as EnvMachine;
    const got = transition(machine, events[e] as EnvEvent);
    if ('refused' in want) {
      expect(got.ok).toBe(false);
      if (got.ok) return;
      expect(got.refusal.status).toBe(want.refused);
      expect(got.refusal.errorType).toBe(want.refused === 400 ? 'InvalidRequestID' : 'InvalidStateTransition');
    } else {
      expect(got.ok).toBe(true);
      if (!got.ok) return;
      expect(got.machine.state).toBe(want.to);
      expect(got.effect).toBe(want.effect);
    }
  });

  it('covers every state', () => {
    expect(Object.keys(table).sort()).toEqual(['answered', 'busy', 'exited', 'idle', 'starting', 'stopping']);
  });

  it('records the dispatched request id and marks it answered once', () => {
    const dispatched = transition({ state: 'idle', answered: false }, { type: 'dispatch', requestId: 'abc' });
    expect(dispatched).toMatchObject({ ok: true, machine: { state: 'busy', requestId: 'abc', answered: false } });
    if (!dispatched.ok) return;
    const answered = transition(dispatched.machine, { type: 'answer', requestId: 'abc' });
    expect(answered).toMatchObject({ ok: true, machine: { state: 'busy', requestId: 'abc', answered: true } });
    if (!answered.ok) return;
    // Posting twice: the id is already answered.
    expect(transition(answered.machine, { type: 'answer', requestId: 'abc' })).toMatchObject({
      ok: false,
      refusal: { status: 400, errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' },
    });
  });

  it('words a refused state transition the way the Runtime API does', () => {
    const got = transition({ state: 'stopping', answered: false }, { type: 'next' });
    expect(got).toMatchObject({
      ok: false,
      refusal: { errorMessage: 'State transition from stopping to next failed for runtime. Error: State transition is not allowed' },
    });
  });

  it('leaves the input machine untouched', () => {
    const machine: EnvMachine = { state: 'idle', answered: false };
    transition(machine, { type: 'dispatch', requestId: 'x' });
    expect(machine).toEqual({ state: 'idle', answered: false });
  });
});
