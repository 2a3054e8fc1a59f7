/**
 * Cost estimate of one cell from a price table: duration GB-seconds (billed init included), requests, and
 * provisioned concurrency GB-seconds while allocated. Pure. Always an estimate: free tier, tiered discounts,
 * Savings Plans, data transfer and CloudWatch Logs are ignored.
 */
import type { InvocationRecord } from './types.js';

/** Prices in USD. */
export interface PriceTable {
  region: string;
  /** On-demand duration, USD per GB-second. */
  perGbSecond: number;
  /** USD per request. */
  perRequest: number;
  /** Provisioned concurrency while allocated, USD per GB-second. */
  provisionedPerGbSecond: number;
  /** Duration of invocations served by provisioned environments, USD per GB-second. */
  provisionedDurationPerGbSecond: number;
  /** Provisioned concurrency is billed in blocks of this many seconds (Lambda: rounded up to 5 minutes). */
  provisionedMinimumS: number;
  /** When and where the prices were taken. */
  takenOn: string;
}

/**
 * Lambda prices for us-east-1, x86_64, first tier (the first 6 billion GB-s per month), from
 * https://aws.amazon.com/lambda/pricing/. Duration and request prices and the 5-minute rounding of provisioned
 * concurrency were checked against a stored copy of that page on 2026-11-22; the two provisioned-concurrency
 * prices are the published 2025 list prices, not re-checked that day. Override in a profile's `prices`.
 */
export const DEFAULT_PRICES: PriceTable = {
  region: 'us-east-1 (x86_64)',
  perGbSecond: 0.0000166667,
  perRequest: 0.0000002,
  provisionedPerGbSecond: 0.0000041667,
  provisionedDurationPerGbSecond: 0.0000097222,
  provisionedMinimumS: 300,
  takenOn: 'AWS Lambda list prices, us-east-1 x86_64 first tier, taken 2026-11-22',
};

/**
 * The same for arm64 functions: duration about 20% below x86_64, requests the same. Published list prices
 * (us-east-1, first tier) as coldprobe knew them on 2026-11-30; not re-checked against a stored copy of the
 * pricing page that day. Override in a profile's `prices`.
 */
export const ARM64_PRICES: PriceTable = {
  region: 'us-east-1 (arm64)',
  perGbSecond: 0.0000133334,
  perRequest: 0.0000002,
  provisionedPerGbSecond: 0.0000033334,
  provisionedDurationPerGbSecond: 0.0000077778,
  provisionedMinimumS: 300,
  takenOn: 'AWS Lambda list prices, us-east-1 arm64 first tier, as of 2026-11-30',
};

/** The region of a Lambda ARN (`arn:aws:lambda:eu-west-1:123456789012:function:name[:qualifier]`), else undefined. */
export function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts[0] === 'arn' && parts[2] === 'lambda' && parts[3] ? parts[3] : undefined;
}

/**
 * The price table for one function: the arm64 list prices for an arm64 function when no profile overrides
 * were given (overrides are the user's own prices and are kept), and a label naming the function's region
 * (taken from its ARN) when it is not the region the list prices are for.
 */
export function pricesFor(prices: PriceTable, fn: { architecture?: 'x86_64' | 'arm64'; functionArn?: string } | undefined): PriceTable {
  const base = fn?.architecture === 'arm64' && prices === DEFAULT_PRICES ? ARM64_PRICES : prices;
  const region = fn?.functionArn ? regionOfArn(fn.functionArn) : undefined;
  const listRegion = base === DEFAULT_PRICES || base === ARM64_PRICES ? 'us-east-1' : undefined;
  if (region === undefined || listRegion === undefined || region === listRegion) return base;
  return { ...base, region: `${region} (${base === ARM64_PRICES ? 'arm64' : 'x86_64'})`, takenOn: `${base.takenOn}; the function is in ${region}, whose prices may differ` };
}

/** Label that goes everywhere a cost is shown. */
export const COST_NOTE = 'estimate only: list prices, no free tier, no tiered or Savings Plans discounts, no logs/data transfer';

/** A cell's cost estimate, in the shape the results file stores. */
export interface CostEstimate {
  /** Estimated USD per 1,000 invocations of this cell (allocation of provisioned concurrency included). */
  perThousandUsd: number;
  totalUsd: number;
  /** The prices used, flat, so a results file states them. */
  prices: Record<string, number>;
  note: string;
}

/** What the estimate needs to know about a cell besides its records. */
export interface CostCell {
  memoryMb: number;
  /** Provisioned concurrency of the cell; 0 = none. */
  provisioned: number;
  /** Seconds the provisioned concurrency existed (from the put to the delete). */
  provisionedSeconds: number;
}

/**
 * Billed milliseconds of one invocation: Billed Duration, or duration plus init when init is not in it yet. A
 * REPORT without Billed Duration (a JSON `platform.report` lacking it) is billed by Lambda's rule instead:
 * Duration (plus Init Duration) rounded up to the next ms.
 */
export function billedMs(record: InvocationRecord): number {
  const report = record.report;
  if (!report) return 0;
  const ruled = Math.max(1, Math.ceil(report.durationMs + (report.initDurationMs ?? 0)));
  if (report.billedDurationMs === undefined) return ruled;
  if (report.initDurationMs === undefined) return report.billedDurationMs;
  // Since 2025-08-01 Lambda bills INIT of on-demand environments; Billed Duration then already covers it.
  // Taking the larger of the two counts init once whether or not the REPORT line folded it in.
  return Math.max(report.billedDurationMs, ruled);
}

/** True when the invocation reached the function (and so is billed as a request). */
function billable(record: InvocationRecord): boolean {
  return record.outcome === 'ok' || record.outcome === 'function-error';
}

/** Estimate the cost of one cell from its records. */
export function estimateCellCost(records: readonly InvocationRecord[], cell: CostCell, prices: PriceTable = DEFAULT_PRICES): CostEstimate {
  let requests = 0;
  let onDemandGbS = 0;
  let provisionedGbS = 0;
  for (const record of records) {
    if (!billable(record)) continue;
    requests += 1;
    const memoryMb = record.report?.memorySizeMb ?? cell.memoryMb;
    const gbS = (billedMs(record) / 1000) * (memoryMb / 1024);
    // A warm invocation of a provisioned cell ran on a provisioned environment (the emulator says so; on AWS,
    // spill-over environments start cold, so warm is the best available sign).
    const onProvisioned = record.env ? record.env.initType === 'provisioned-concurrency' : cell.provisioned > 0 && record.classification === 'warm';
    if (onProvisioned) provisionedGbS += gbS;
    else onDemandGbS += gbS;
  }
  const allocatedS =
    cell.provisioned > 0 ? Math.max(prices.provisionedMinimumS, Math.ceil(cell.provisionedSeconds / Math.max(1, prices.provisionedMinimumS)) * prices.provisionedMinimumS) : 0;
  const allocationUsd = cell.provisioned * (cell.memoryMb / 1024) * allocatedS * prices.provisionedPerGbSecond;
  const totalUsd =
    requests * prices.perRequest + onDemandGbS * prices.perGbSecond + provisionedGbS * prices.provisionedDurationPerGbSecond + allocationUsd;
  return {
    perThousandUsd: requests === 0 ? 0 : (totalUsd / requests) * 1000,
    totalUsd,
    prices: {
      perGbSecond: prices.perGbSecond,
      perRequest: prices.perRequest,
      provisionedPerGbSecond: prices.provisionedPerGbSecond,
      provisionedDurationPerGbSecond: prices.provisionedDurationPerGbSecond,
      provisionedMinimumS: prices.provisionedMinimumS,
    },
    note: `${COST_NOTE}; prices: ${prices.takenOn}`,
  };
}

/** The default table with a profile's overrides applied. */
export function withOverrides(overrides: Partial<PriceTable> | undefined): PriceTable {
  if (!overrides) return DEFAULT_PRICES;
  const merged: PriceTable = { ...DEFAULT_PRICES };
  for (const [key, value] of Object.entries(overrides) as Array<[keyof PriceTable, PriceTable[keyof PriceTable] | undefined]>) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  if (overrides.takenOn === undefined) merged.takenOn = `profile overrides on top of ${DEFAULT_PRICES.takenOn}`;
  return merged;
}
