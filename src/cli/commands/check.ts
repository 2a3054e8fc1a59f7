import type { Command } from '../command.js';
import { usageError } from '../../core/errors.js';

export const checkCommand: Command = {
  name: 'check',
  summary: '(not built yet)',
  usage: 'coldprobe check: not built yet.',
  async run() {
    throw usageError("'coldprobe check' is not built yet.");
  },
};
