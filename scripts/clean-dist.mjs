// Empties dist/ before a build, so files renamed or removed in src/ (a runtime bootstrap, a command) cannot
// linger in dist/ and be found there.
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
