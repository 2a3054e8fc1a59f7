/** Asking the person at the terminal before coldprobe changes a real function. */
import { createInterface } from 'node:readline/promises';
import type { CliIo } from './command.js';

/** Ask `question` on the terminal; true only for y/yes, false on anything else and on Ctrl-C while asking. */
export async function confirm(io: CliIo, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  // On a terminal readline swallows Ctrl-C as its own event; pass it on as the interrupt it is.
  rl.on('SIGINT', () => io.requestInterrupt());
  try {
    const answer = await rl.question(`${question} [y/N] `, { signal: io.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}
