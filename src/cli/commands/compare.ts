import type { Command } from '../command.js';
import { usageError } from '../../core/errors.js';

export const compareCommand: Command = {
  name: 'compare',
  summary: '(not built yet)',
  usage: 'coldprobe compare: not built yet.',
  async run() {
    throw usageError("'coldprobe compare' is not built yet.");
  },
};
