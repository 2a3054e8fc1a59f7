// Finishes a build: copies the non-TypeScript assets the emulator spawns (runtime bootstraps) next to the
// compiled code, so `dist/emulator/...` finds them exactly where `src/emulator/...` does, and marks the CLI
// entry executable. tsc writes files 0644, and npm sets a bin's execute bit only when it links the package
// (install), not when a later build rewrites dist/; without this `npx coldprobe` fails with "Permission
// denied" after `npm test` or any rebuild.
import { chmodSync, cpSync, existsSync } from 'node:fs';

const from = 'src/emulator/runtimes';
if (existsSync(from)) {
  cpSync(from, 'dist/emulator/runtimes', {
    recursive: true,
    filter: (src) => !src.endsWith('.ts'),
  });
}
chmodSync('dist/cli/main.js', 0o755);
