import type { Command } from '../command.js';
import { usageError } from '../../core/errors.js';

export const reportCommand: Command = {
  name: 'report',
  summary: '(not built yet)',
  usage: 'coldprobe report: not built yet.',
  async run() {
    throw usageError("'coldprobe report' is not built yet.");
  },
};
