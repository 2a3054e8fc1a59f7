/**
 * GitHub Actions workflow commands for the gate: `::error` per failed item, `::warning` per inconclusive
 * one, so failures show on the pull request. Only meaningful when GITHUB_ACTIONS=true.
 */
import type { GateResult } from '../core/gate.js';

/** Escape a workflow command's message (GitHub's escapeData: % CR LF). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escape a workflow command property value (escapeData plus `:` and `,`). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Is this process running under GitHub Actions? */
export function underGitHubActions(env: Record<string, string | undefined>): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** The annotation lines (each ending in a newline) for a gate result; empty when nothing failed or warned. */
export function renderAnnotations(gate: GateResult): string {
  let out = '';
  for (const item of gate.items) {
    if (item.status === 'pass') continue;
    const level = item.status === 'fail' || gate.strict ? 'error' : 'warning';
    const title = `coldprobe: ${item.cell} ${item.metric}`;
    out += `::${level} title=${escapeProperty(title)}::${escapeData(`${item.name}: ${item.detail}`)}\n`;
  }
  return out;
}
