// A heavy init, done for real at module load so it lands in Init Duration: INIT_DELAY_MS (default 800) of
// CPU work (INIT_MODE=cpu, the default, like loading and compiling a big bundle) or of waiting
// (INIT_MODE=await, like fetching secrets over the network).
const initDelayMs = Number(process.env.INIT_DELAY_MS ?? '800');
const mode = process.env.INIT_MODE ?? 'cpu';
const started = performance.now();
if (mode === 'await') {
  await new Promise((resolve) => setTimeout(resolve, initDelayMs));
} else {
  let sink = 0;
  while (performance.now() - started < initDelayMs) {
    for (let i = 0; i < 10_000; i += 1) sink = (sink + Math.sqrt(i)) % 1_000_003;
  }
  globalThis.__coldprobeSink = sink;
}
const initMs = performance.now() - started;

export const handler = async () => ({ message: 'hello after a heavy init', initMs: Math.round(initMs), mode });
