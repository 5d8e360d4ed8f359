/**
 * Waiting for something that may never come, for at most a while: a shutdown waits for
 * threads to end, but a thread stuck in a call that does not return must not hold it forever.
 */

/**
 * Resolves when `promise` settles or after `ms`, whichever comes first, or sooner when
 * `cutShort` resolves (a shutdown told to hurry); never rejects.
 */
export async function waitAtMost(ms: number, promise: Promise<unknown>, cutShort?: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  const settled = (waited: Promise<unknown>) => waited.then(() => undefined, () => undefined);
  await Promise.race([settled(promise), elapsed, ...(cutShort ? [settled(cutShort)] : [])]);
  clearTimeout(timer);
}
