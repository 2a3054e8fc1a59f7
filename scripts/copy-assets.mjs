// Copies the non-TypeScript assets the emulator spawns (runtime bootstraps) next to the compiled code,
// so `dist/emulator/...` finds them exactly where `src/emulator/...` does.
import { cpSync, existsSync } from 'node:fs';

const from = 'src/emulator/runtimes';
if (existsSync(from)) {
  cpSync(from, 'dist/emulator/runtimes', {
    recursive: true,
    filter: (src) => !src.endsWith('.ts'),
  });
}
