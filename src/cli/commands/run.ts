import type { Command } from '../command.js';
import { usageError } from '../../core/errors.js';

export const runCommand: Command = {
  name: 'run',
  summary: '(not built yet)',
  usage: 'coldprobe run: not built yet.',
  async run() {
    throw usageError("'coldprobe run' is not built yet.");
  },
};
