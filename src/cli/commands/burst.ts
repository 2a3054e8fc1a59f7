import type { Command } from '../command.js';
import { usageError } from '../../core/errors.js';

export const burstCommand: Command = {
  name: 'burst',
  summary: '(not built yet)',
  usage: 'coldprobe burst: not built yet.',
  async run() {
    throw usageError("'coldprobe burst' is not built yet.");
  },
};
