/**
 * The arrival-rate grammar of `coldprobe load`: `--rate 100 --duration 2m` or `--stages 30s:0-200,60s:200,30s:200-0`
 * (the same strings in a profile). A stage holds its rate, or ramps it linearly from one rate to another, as k6's
 * ramping-arrival-rate executor does. Pure: strings in, stages or one-sentence errors (with the column) out.
 */
import { formatWholeMs, parseDurationMs } from './duration.js';

/** One stage of an open-model load: the rate goes linearly from `fromPerS` to `toPerS` over `durationMs`. */
export interface LoadStage {
  durationMs: number;
  /** Invocations per second at the stage's start. */
  fromPerS: number;
  /** Invocations per second at the stage's end (equal to `fromPerS` for a steady stage). */
  toPerS: number;
}

/** A parse failure: one sentence for the user and the 1-based column it points at. */
export interface StagesError {
  message: string;
  column: number;
}

export type StagesResult = { ok: true; stages: LoadStage[] } | { ok: false; error: StagesError };

/** Highest rate accepted (invocations per second): beyond it the schedule's µs resolution stops meaning much. */
export const MAX_RATE_PER_S = 100_000;
/** Longest load accepted (24 h): a typo such as `30h` for `30s` should not start a day-long run unasked. */
export const MAX_LOAD_DURATION_MS = 24 * 3_600_000;

/** Parses a duration such as `500ms`, `30s`, `2m`, `1.5h` into ms (a unit is required), or undefined when it is not one. */
export function parseLoadDuration(text: string): number | undefined {
  return /\s/.test(text) ? undefined : parseDurationMs(text, { bare: false });
}

/**
 * Parses `--stages`: comma-separated `DURATION:RATE` (steady) or `DURATION:FROM-TO` (ramp), rates in invocations
 * per second. Errors name the column of the offending character within `text` (1-based).
 */
export function parseStages(text: string): StagesResult {
  const stages: LoadStage[] = [];
  if (text.trim() === '') return fail(`--stages is empty; give stages like 30s:0-200,60s:200.`, 1);
  let offset = 0;
  for (const part of text.split(',')) {
    const parsed = parseStage(part, offset, text);
    if (!parsed.ok) return parsed;
    stages.push(parsed.stage);
    offset += part.length + 1;
  }
  return checkStages(stages, text);
}

/** The stages of `--rate R --duration D`: one steady stage. */
export function steadyStages(ratePerS: number, durationMs: number): StagesResult {
  if (!Number.isFinite(ratePerS) || ratePerS <= 0) return fail(`--rate must be a number of invocations per second greater than 0, got ${ratePerS}.`, 1);
  if (ratePerS > MAX_RATE_PER_S) return fail(`--rate ${ratePerS} is above the highest rate coldprobe drives (${MAX_RATE_PER_S} per second).`, 1);
  if (!Number.isFinite(durationMs) || durationMs <= 0) return fail(`--duration must be longer than 0, like 30s or 2m.`, 1);
  if (durationMs > MAX_LOAD_DURATION_MS) return fail(`--duration is longer than 24h, the longest load coldprobe runs.`, 1);
  return { ok: true, stages: [{ durationMs, fromPerS: ratePerS, toPerS: ratePerS }] };
}

/** Total length of the stages, ms. */
export function totalDurationMs(stages: readonly LoadStage[]): number {
  let total = 0;
  for (const stage of stages) total += stage.durationMs;
  return total;
}

/** `30s:0-200,60s:200`: the canonical text of stages (for results files and the live view). */
export function formatStages(stages: readonly LoadStage[]): string {
  return stages
    .map((s) => `${formatDuration(s.durationMs)}:${s.fromPerS === s.toPerS ? String(s.fromPerS) : `${s.fromPerS}-${s.toPerS}`}`)
    .join(',');
}

const formatDuration = formatWholeMs;

type StageResult = { ok: true; stage: LoadStage } | { ok: false; error: StagesError };

function parseStage(part: string, offset: number, text: string): StageResult {
  const at = (i: number): number => offset + i + 1;
  if (part.trim() === '') return fail(`--stages has an empty stage at column ${at(0)} of '${text}'; expected DURATION:RATE or DURATION:FROM-TO.`, at(0));
  const colon = part.indexOf(':');
  if (colon < 0) return fail(`--stages needs a ':' between duration and rate in '${part.trim()}' at column ${at(0)} of '${text}' (like 30s:200).`, at(0));
  const lead = leadingSpaces(part);
  const durationText = part.slice(0, colon).trim();
  const durationMs = parseLoadDuration(durationText);
  if (durationMs === undefined) {
    return fail(`--stages has '${durationText}' at column ${at(lead)} of '${text}' where a duration like 500ms, 30s, 2m or 1h belongs.`, at(lead));
  }
  if (durationMs <= 0) return fail(`--stages has a stage of zero length at column ${at(lead)} of '${text}'.`, at(lead));
  const rateStart = colon + 1;
  const rateText = part.slice(rateStart);
  const dash = rateText.indexOf('-');
  const fromRaw = dash < 0 ? rateText : rateText.slice(0, dash);
  const fromColumn = at(rateStart + leadingSpaces(fromRaw));
  const fromPerS = parseRate(fromRaw.trim());
  if (fromPerS === undefined) return badRate(fromRaw.trim(), fromColumn, text);
  let toPerS = fromPerS;
  let toColumn = fromColumn;
  if (dash >= 0) {
    const toRaw = rateText.slice(dash + 1);
    toColumn = at(rateStart + dash + 1 + leadingSpaces(toRaw));
    const parsedTo = parseRate(toRaw.trim());
    if (parsedTo === undefined) return badRate(toRaw.trim(), toColumn, text);
    toPerS = parsedTo;
  }
  for (const [rate, column] of [[fromPerS, fromColumn], [toPerS, toColumn]] as const) {
    if (rate > MAX_RATE_PER_S) return fail(`--stages asks for ${rate} per second at column ${column} of '${text}', above the highest rate coldprobe drives (${MAX_RATE_PER_S}).`, column);
  }
  return { ok: true, stage: { durationMs, fromPerS, toPerS } };
}

function leadingSpaces(text: string): number {
  return text.length - text.trimStart().length;
}

function parseRate(text: string): number | undefined {
  if (!/^\d+(?:\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}

function badRate(rateText: string, column: number, text: string): StageResult {
  const shown = rateText === '' ? 'nothing' : `'${rateText}'`;
  return fail(`--stages has ${shown} at column ${column} of '${text}' where a rate (invocations per second, like 200 or 0-200) belongs.`, column);
}

function checkStages(stages: LoadStage[], text: string): StagesResult {
  if (stages.every((s) => s.fromPerS === 0 && s.toPerS === 0)) return fail(`--stages '${text}' never asks for an invocation: every rate is 0.`, 1);
  if (totalDurationMs(stages) > MAX_LOAD_DURATION_MS) return fail(`--stages '${text}' lasts longer than 24h, the longest load coldprobe runs.`, 1);
  return { ok: true, stages };
}

function fail(message: string, column: number): { ok: false; error: StagesError } {
  return { ok: false, error: { message, column } };
}
