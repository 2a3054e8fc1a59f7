/**
 * Why an invocation's log tail may lack its REPORT line, read from the function's configuration before a burst,
 * so the user hears it before the records come back `unknown`. Pure: configuration facts in, sentences out.
 *
 * - Layers: a layer can hold an extension, and extensions run on after the runtime's response (Lambda's Duration
 *   includes them); the REPORT is written only when the last of them asks for the next event, which the response
 *   may not wait for ("Lambda extensions API", invoke phase).
 * - A system log level above INFO (JSON log format only): Lambda sends only system log events at that level or
 *   more severe, and `platform.start`/`platform.report` are INFO ("Log-level filtering": with INFO, Lambda sends
 *   the start and report messages).
 * - Lambda Managed Instances: environments are started ahead of traffic and serve several invocations at once
 *   ("Understanding the Lambda Managed Instances execution environment"), so a REPORT's Init Duration says
 *   nothing about this invocation waiting, and one environment's log holds several invocations' lines at once.
 */

/** The configuration facts the risks are read from (targets/target.ts FunctionInfo has them). */
export interface TailFacts {
  functionName: string;
  layers?: number;
  logFormat?: string;
  systemLogLevel?: string;
  capacityProviderArn?: string;
}

/** System log levels that still send INFO events (platform.report); anything else filters them out. */
const REPORTING_LEVELS = new Set(['DEBUG', 'INFO']);

/** One sentence per reason the tails of `fn`'s invocations may carry no REPORT; empty when there is none. */
export function reportTailRisks(fn: TailFacts): string[] {
  const name = `'${fn.functionName}'`;
  const out: string[] = [];
  if (fn.layers !== undefined && fn.layers > 0) {
    out.push(
      `${name} has ${fn.layers} layer${fn.layers === 1 ? '' : 's'}: an extension in a layer runs on after the response, and its invocation's REPORT is written only when it finishes, so a log tail may not carry REPORT (those invocations count unknown).`,
    );
  }
  if (fn.logFormat === 'JSON' && fn.systemLogLevel !== undefined && !REPORTING_LEVELS.has(fn.systemLogLevel.toUpperCase())) {
    out.push(
      `${name} logs in JSON with system log level ${fn.systemLogLevel}: Lambda then drops platform.report (an INFO event), so log tails carry no REPORT and invocations count unknown; set LoggingConfig.SystemLogLevel to INFO to classify them.`,
    );
  }
  if (fn.capacityProviderArn !== undefined) {
    out.push(
      `${name} runs on Lambda Managed Instances (${fn.capacityProviderArn}): environments start ahead of traffic and serve several invocations at once, so there is no per-invocation cold start to count and a log tail may not carry this invocation's REPORT.`,
    );
  }
  return out;
}
