/** Fitting a line of painted pieces into a terminal width, shared by the live view's parts (lines, load panel). */

/** A stretch of a line: plain text, or text with a paint applied after fitting. */
export type Piece = string | readonly [paint: ((text: string) => string) | undefined, text: string];

/**
 * Joins `pieces` into one line at most `width` columns wide, cut like ink's `truncate-end` (the last kept
 * column becomes `…`), then paints each piece's visible part.
 */
export function fit(width: number, ...pieces: Piece[]): string {
  let total = 0;
  for (const p of pieces) total += typeof p === 'string' ? p.length : p[1].length;
  const limit = total > width ? Math.max(0, width - 1) : total;
  let out = '';
  let used = 0;
  for (const p of pieces) {
    if (used >= limit) break;
    const [paint, text] = typeof p === 'string' ? [undefined, p] : p;
    const part = text.length <= limit - used ? text : text.slice(0, limit - used);
    used += part.length;
    out += paint && part !== '' ? paint(part) : part;
  }
  return total > width && width > 0 ? `${out}…` : out;
}
