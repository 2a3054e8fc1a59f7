/**
 * `npm run bench`: runs every benchmark (bench/*.bench.ts, or the names given as arguments), prints a table
 * per benchmark and writes results/bench.json.
 */
import { readdirSync } from 'node:fs';
import { type BenchResult, printTable, writeJson } from './lib.js';

const wanted = process.argv.slice(2);
const files = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

const all: BenchResult[] = [];
for (const file of files) {
  const mod = (await import(`./${file}`)) as { run: () => Promise<BenchResult[]> };
  const results = await mod.run();
  for (const result of results) printTable(result);
  all.push(...results);
}
writeJson(all);
process.exit(0);
