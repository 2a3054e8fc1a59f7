/**
 * Selects React's production build for the TUI: React picks its build from NODE_ENV when it first loads, and
 * its development build made a live frame ~2.5× slower (bench/tui.bench.ts). Must be imported before anything
 * that loads React (view.ts imports it first; tsc and tsx put `react/jsx-runtime` at the top of every .tsx).
 * If any part of React is already loaded, NODE_ENV is left alone: a production `react` next to a development
 * `react/jsx-runtime` renders nothing at all. A NODE_ENV the user set (or vitest's `test`) is left alone too.
 */
import { createRequire } from 'node:module';

// Node's ESM loader registers imported CommonJS modules in the cache before running them: only a module that
// has finished loading counts.
const loaded = Object.entries(createRequire(import.meta.url).cache).some(
  ([path, module]) => module?.loaded === true && /[\\/]node_modules[\\/]react[\\/]/.test(path),
);
if (!loaded) process.env.NODE_ENV ??= 'production';

