import type { Command } from '../command.js';
import { usageError } from '../../core/errors.js';

export const baselineCommand: Command = {
  name: 'baseline',
  summary: '(not built yet)',
  usage: 'coldprobe baseline: not built yet.',
  async run() {
    throw usageError("'coldprobe baseline' is not built yet.");
  },
};
