import type { Command } from '../command.js';
import { baselineCommand } from './baseline.js';
import { burstCommand } from './burst.js';
import { checkCommand } from './check.js';
import { compareCommand } from './compare.js';
import { emulatorCommand } from './emulator.js';
import { mergeCommand } from './merge.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';

/** Every command, in the order `coldprobe --help` lists them. */
export const commands: Command[] = [
  burstCommand,
  runCommand,
  reportCommand,
  checkCommand,
  compareCommand,
  mergeCommand,
  baselineCommand,
  emulatorCommand,
];
