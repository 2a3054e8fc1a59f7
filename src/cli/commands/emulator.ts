import type { Command } from '../command.js';
import { usageError } from '../../core/errors.js';

export const emulatorCommand: Command = {
  name: 'emulator',
  summary: '(not built yet)',
  usage: 'coldprobe emulator: not built yet.',
  async run() {
    throw usageError("'coldprobe emulator' is not built yet.");
  },
};
