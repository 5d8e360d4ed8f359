/**
 * Waiting for something that may never come, for at most a while: a shutdown waits for
 * threads to end, but a thread stuck in a call that does not return must not hold it forever.
 */

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
export async function waitAtMost(ms: number, promise: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([promise.then(() => undefined, () => undefined), elapsed]);
  clearTimeout(timer);
}
