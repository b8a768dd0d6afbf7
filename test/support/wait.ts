export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `fn` until it returns a truthy value (which is returned) or the time
 * runs out (then throws, naming `message` and the last error `fn` threw).
 */
export async function waitUntil<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 5000,
  intervalMs = 20,
  message = 'condition',
): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (performance.now() >= deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`waitUntil timed out after ${timeoutMs} ms waiting for ${message}${cause}`, {
        cause: lastError,
      });
    }
    await sleep(intervalMs);
  }
}
