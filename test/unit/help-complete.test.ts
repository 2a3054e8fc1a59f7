/**
 * Every flag a command accepts is in its --help. The accepted flags are read from the option tables the
 * commands hand to parseFlags (their source), so a flag added without help fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { HELP_WIDTH } from '../../src/cli/help.js';

const DIR = join('src', 'cli', 'commands');

/** Flag names declared as `name: { type: ... }` in a command's source. */
function declaredFlags(source: string): string[] {
  return [...source.matchAll(/(?:^|[{,])\s*'?([a-z][a-z0-9-]*)'?: \{ type: '(?:string|boolean)'/gm)].map((m) => m[1]!);
}

describe('--help lists every option', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
  for (const entry of commands) {
    it(`coldprobe ${entry.name}`, async () => {
      const command = await entry.load();
      const file = files.find((f) => f === `${command.name}.ts`);
      expect(file, `src/cli/commands/${command.name}.ts`).toBeDefined();
      const flags = declaredFlags(readFileSync(join(DIR, file!), 'utf8'));
      expect(flags.length).toBeGreaterThan(0);
      const missing = flags.filter((flag) => !new RegExp(`--${flag}\\b`).test(command.usage));
      expect(missing, `flags missing from '${command.name} --help'`).toEqual([]);
      // One style (src/cli/help.ts): each option on a line of its own, usage first, exit codes last, one width.
      const own = flags.filter((flag) => !new RegExp(`^  --${flag}\\b`, 'm').test(command.usage));
      expect(own, `options of '${command.name} --help' not on a line of their own`).toEqual([]);
      expect(command.usage.startsWith(`Usage: coldprobe ${command.name}`)).toBe(true);
      expect(command.usage).toMatch(/\nExit codes:\n(( +\d+ {2}| {5,})\S.*\n?)+$/);
      expect(command.usage).toMatch(/\nExit codes:\n +0 {2}\S/);
      const wide = command.usage.split('\n').filter((line) => line.length > HELP_WIDTH);
      expect(wide, `lines of '${command.name} --help' wider than ${HELP_WIDTH}`).toEqual([]);
    });
  }
});
