/**
 * The profile file schema (zod). A profile names a target, functions, matrix axes, a burst shape and/or a load
 * (stages over time), a payload and optional thresholds/baseline; the loader (profile.ts) validates a parsed YAML/JSON document against it before
 * anything runs. Threshold expressions and the baseline path stay strings here: the CI gate parses them.
 */
import { parseDurationMs } from '../core/duration.js';
import { parseLoadDuration, parseStages, steadyStages } from '../core/load-stages.js';
import { z } from 'zod';

/** Lambda's memory bounds (128–10,240 MB in 1 MB steps). */
const memoryMb = z
  .number({ error: 'expected a memory size in MB (a number)' })
  .int({ error: 'expected a whole number of MB' })
  .min(128, { error: 'expected at least 128 MB (Lambda minimum)' })
  .max(10_240, { error: 'expected at most 10,240 MB (Lambda maximum)' });

const nonNegativeInt = (what: string) =>
  z.number({ error: `expected ${what} (a whole number ≥ 0)` }).int({ error: `expected ${what} (a whole number)` }).min(0, {
    error: `expected ${what} ≥ 0`,
  });

const positiveInt = (what: string) =>
  z.number({ error: `expected ${what} (a whole number ≥ 1)` }).int({ error: `expected ${what} (a whole number)` }).min(1, {
    error: `expected ${what} ≥ 1`,
  });

/** A duration: a number of milliseconds or a string such as `500ms`, `5s`, `2m`; parsed to ms. */
export const durationMsSchema = z.union([z.number(), z.string()], { error: 'expected a duration like 500ms, 5s or 2m' }).transform((raw, ctx) => {
  if (typeof raw === 'number') {
    if (Number.isFinite(raw) && raw >= 0) return raw;
    ctx.addIssue({ code: 'custom', message: 'expected a duration ≥ 0 ms' });
    return z.NEVER;
  }
  const ms = parseDurationMs(raw, { units: ['ms', 's', 'm'] });
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 500ms, 5s or 2m, got '${raw}'` });
    return z.NEVER;
  }
  return ms;
});

const emulatorTarget = z.strictObject({
  kind: z.literal('emulator'),
  /** Folder whose sub-folders hold functions (`function.json`); default the bundled profiles/functions. */
  functionsDir: z.string().min(1).optional(),
  accountConcurrency: positiveInt('an account concurrency limit').optional(),
  idleTtl: durationMsSchema.optional(),
  initConcurrency: positiveInt('an init concurrency').optional(),
  /** Give each environment a CPU quota proportional to its memory (cgroups), where the machine allows it. */
  cpuQuota: z.boolean({ error: 'expected true or false' }).optional(),
});

const awsTarget = z.strictObject({
  kind: z.literal('aws'),
  region: z.string().min(1).optional(),
  /** Named AWS profile (credentials chain); never printed. */
  profile: z.string().min(1).optional(),
});

/** `target: emulator` is shorthand for `target: { kind: emulator }`. */
const targetSchema = z.preprocess(
  (raw) => (raw === 'emulator' || raw === 'aws' ? { kind: raw } : raw),
  z.discriminatedUnion('kind', [emulatorTarget, awsTarget], { error: "expected 'emulator', 'aws' or an object with kind: emulator | aws" }),
);

const functionSchema = z.strictObject({
  /** Function name (on the emulator: a folder of functionsDir). */
  name: z.string({ error: 'expected a function name' }).min(1, { error: 'expected a function name' }),
  /** Lambda runtime id, e.g. nodejs20.x, python3.11, provided.al2023. */
  runtime: z.string({ error: 'expected a Lambda runtime id such as nodejs20.x' }).regex(/^(nodejs|python|provided|java|dotnet|ruby)[\w.]*$/, {
    error: 'expected a Lambda runtime id such as nodejs20.x, python3.11 or provided.al2023',
  }),
  /** Optional qualifier to invoke when the cell has no provisioned concurrency. */
  qualifier: z.string().min(1).optional(),
});

const matrixSchema = z.strictObject({
  memoryMb: z.array(memoryMb, { error: 'expected a list of memory sizes in MB' }).min(1, { error: 'expected at least one memory size' }),
  provisioned: z.array(nonNegativeInt('a provisioned concurrency'), { error: 'expected a list of provisioned concurrency settings' }).min(1).default([0]),
  /** Reserved concurrency settings; `null` means none set. */
  reservedConcurrency: z.array(nonNegativeInt('a reserved concurrency').nullable(), { error: 'expected a list of reserved concurrency settings' }).min(1).optional(),
});

const burstSchema = z.strictObject({
  n: positiveInt('a burst size n'),
  waves: positiveInt('a number of waves').default(1),
  interval: durationMsSchema.default(0),
  forceCold: z.boolean({ error: 'expected true or false' }).default(true),
  concurrency: positiveInt('a concurrency cap').optional(),
});

/** `--stages` text in a profile: its parse errors name the column within the field. */
const stagesSchema = z.string({ error: 'expected stages like 30s:0-200,60s:200 (DURATION:RATE or DURATION:FROM-TO, comma-separated)' }).transform((raw, ctx) => {
  const parsed = parseStages(raw);
  if (parsed.ok) return parsed.stages;
  // The parser speaks of the flag; here the field path already says which field.
  ctx.addIssue({ code: 'custom', message: parsed.error.message.replace(/^--stages /, '').replace(/\.$/, '') });
  return z.NEVER;
});

/** A load duration: a string with a unit (`30s`, `2m`), as `--duration` takes it. */
const loadDurationSchema = z.string({ error: 'expected a duration like 30s or 2m' }).transform((raw, ctx) => {
  const ms = parseLoadDuration(raw.trim());
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: 'custom', message: `expected a duration like 30s or 2m, got '${raw}'` });
  return z.NEVER;
});

/**
 * An open-model load per cell, as `coldprobe load` runs one: `stages`, or `rate` with `duration`. Parsed to
 * stages here, so a malformed one is reported at its field before anything runs.
 */
const loadSchema = z
  .strictObject({
    stages: stagesSchema.optional(),
    rate: z.number({ error: 'expected invocations per second (a number)' }).optional(),
    duration: loadDurationSchema.optional(),
    maxInFlight: positiveInt('a maximum of invocations in flight').default(1000),
    window: durationMsSchema
      .refine((ms) => ms >= 10, { error: 'expected a window of at least 10ms' })
      .default(1000),
    forceCold: z.boolean({ error: 'expected true or false' }).default(true),
  })
  .transform((load, ctx) => {
    const { stages, rate, duration, ...rest } = load;
    if (stages !== undefined) {
      if (rate !== undefined || duration !== undefined) {
        ctx.addIssue({ code: 'custom', path: [rate !== undefined ? 'rate' : 'duration'], message: 'give either stages or rate with duration, not both' });
        return z.NEVER;
      }
      return { ...rest, stages };
    }
    if (rate === undefined) {
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'expected stages (like 30s:0-200,60s:200), or rate with duration' });
      return z.NEVER;
    }
    const steady = steadyStages(rate, duration ?? 30_000);
    if (!steady.ok) {
      // steadyStages speaks of flags; name the field instead.
      const field = /--duration/.test(steady.error.message) ? 'duration' : 'rate';
      ctx.addIssue({ code: 'custom', path: [field], message: steady.error.message.replace(/^--(rate|duration) /, '').replace(/\.$/, '') });
      return z.NEVER;
    }
    return { ...rest, stages: steady.stages };
  });

/** Price overrides in USD; anything missing falls back to the default table (src/core/cost.ts). */
const pricesSchema = z.strictObject({
  region: z.string().optional(),
  perGbSecond: z.number().min(0).optional(),
  perRequest: z.number().min(0).optional(),
  provisionedPerGbSecond: z.number().min(0).optional(),
  provisionedDurationPerGbSecond: z.number().min(0).optional(),
  provisionedMinimumS: z.number().min(0).optional(),
  takenOn: z.string().optional(),
});

/** The whole profile as written in the file. */
export const profileSchema = z.strictObject({
  name: z.string({ error: 'expected a profile name' }).min(1),
  description: z.string().optional(),
  target: targetSchema.default({ kind: 'emulator' }),
  functions: z
    .array(functionSchema, { error: 'expected a list of functions, each with name and runtime' })
    .min(1, { error: 'expected at least one function' }),
  matrix: matrixSchema,
  /** Every cell's bursts; with `load` too, each point of the matrix is a burst cell and a load cell. */
  burst: burstSchema.optional(),
  /** Every cell's load over time (a cell of its own beside the burst cell when both are given). */
  load: loadSchema.optional(),
  /** Inline JSON value, or `@file.json` relative to the profile. */
  payload: z.unknown().optional(),
  /** Threshold expressions, parsed by the CI gate (e.g. `cold.p99 < 800ms`). */
  thresholds: z.array(z.string({ error: 'expected a threshold expression (a string)' }), { error: 'expected a list of threshold expressions' }).optional(),
  /** Path of a baseline results file, relative to the profile. */
  baseline: z.string().min(1).optional(),
  prices: pricesSchema.optional(),
}).superRefine((profile, ctx) => {
  if (profile.burst === undefined && profile.load === undefined) ctx.addIssue({ code: 'custom', path: ['burst'], message: 'expected a burst or a load section (or both)' });
});

/** A validated profile (defaults applied, durations in ms). */
export type Profile = z.output<typeof profileSchema>;
