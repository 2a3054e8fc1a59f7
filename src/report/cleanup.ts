/**
 * The lines that tell the user what a run put back on real functions, and what they must undo by hand.
 */

/** Empty when the run changed nothing; otherwise one "Put back" line and, on failure, a "do it by hand" line. */
export function renderCleanup(cleanup: { done: readonly string[]; failed: readonly string[] }): string {
  if (cleanup.done.length + cleanup.failed.length === 0) return '';
  const done = `\nPut back: ${cleanup.done.join('; ') || 'nothing'}.`;
  const failed = cleanup.failed.length > 0 ? `\nCLEANUP FAILED, do it by hand: ${cleanup.failed.join('; ')}.` : '';
  return done + failed;
}
