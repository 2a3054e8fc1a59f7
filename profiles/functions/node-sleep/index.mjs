// Holds its environment busy for a while per invocation, to make concurrency visible:
// {"sleepMs": N} in the payload wins over SLEEP_MS (default 200).
const defaultSleepMs = Number(process.env.SLEEP_MS ?? '200');

export const handler = async (event) => {
  const requested = event !== null && typeof event === 'object' ? Number(event.sleepMs) : Number.NaN;
  const sleepMs = Number.isFinite(requested) && requested >= 0 ? requested : defaultSleepMs;
  await new Promise((resolve) => setTimeout(resolve, sleepMs));
  return { sleptMs: sleepMs };
};
