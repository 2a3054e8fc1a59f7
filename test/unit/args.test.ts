/** Flag parsing: one sentence for each mistake a user makes on the command line, and the right exit code (2). */
import { describe, expect, it } from 'vitest';
import { ColdprobeError } from '../../src/core/errors.js';
import { closestFlag, durationMs, parseFlags, positiveInt } from '../../src/cli/args.js';

const FLAGS = {
  n: { type: 'string' },
  waves: { type: 'string' },
  interval: { type: 'string' },
  threshold: { type: 'string', multiple: true },
  'no-tui': { type: 'boolean' },
} as const;

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ColdprobeError);
    expect((error as ColdprobeError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('parseFlags', () => {
  it('suggests the closest flag for a mistyped one', () => {
    expect(messageOf(() => parseFlags('burst', ['--wavez', '3'], FLAGS))).toBe("burst: unknown option --wavez; did you mean --waves? (see 'coldprobe burst --help').");
    expect(messageOf(() => parseFlags('burst', ['--no-tiu'], FLAGS))).toMatch(/did you mean --no-tui\?/);
    // Nothing close: no guess.
    expect(messageOf(() => parseFlags('burst', ['--frobnicate'], FLAGS))).toBe("burst: unknown option --frobnicate (see 'coldprobe burst --help').");
    expect(closestFlag('--intervall', FLAGS)).toBe('--interval');
  });

  it('refuses a repeated flag, naming both values; repeatable flags may repeat', () => {
    expect(messageOf(() => parseFlags('burst', ['--n', '5', '--n', '10'], FLAGS))).toBe(
      "burst: --n is given twice ('5' and '10'); give it once (see 'coldprobe burst --help').",
    );
    expect(parseFlags('burst', ['--threshold', 'errors == 0', '--threshold', 'cold_ratio <= 0.5'], FLAGS).values.threshold).toHaveLength(2);
  });

  it("gives '--n -5' to the flag's own check: one sentence", () => {
    const { values } = parseFlags('burst', ['--n', '-5'], FLAGS);
    expect(values.n).toBe('-5');
    const message = messageOf(() => positiveInt('n', values.n, 500));
    expect(message).toBe("--n must be a whole number of at least 1, got '-5'.");
    expect(message.split('\n')).toHaveLength(1);
  });

  it('says a flag needs a value in one line', () => {
    const message = messageOf(() => parseFlags('burst', ['--n'], FLAGS));
    expect(message).toBe("burst: option --n needs a value (see 'coldprobe burst --help').");
  });
});

describe('durationMs', () => {
  it('refuses a bare number as ambiguous, as thresholds do', () => {
    expect(messageOf(() => durationMs('interval', '5', 0))).toBe('--interval 5 is ambiguous: give a unit, e.g. 5s or 5ms.');
    expect(durationMs('interval', '0', 1)).toBe(0);
    expect(durationMs('interval', '5s', 0)).toBe(5000);
    expect(durationMs('interval', '500ms', 0)).toBe(500);
    expect(durationMs('interval', '2m', 0)).toBe(120_000);
  });
});
