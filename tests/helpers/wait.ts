/**
 * Waiting in tests for something another task, process or connection does: poll a condition until it holds. Every
 * wait has a deadline — a hang guard, not a timing assertion — so a wait that will never be met fails naming what it
 * waited for, instead of hanging the file until the runner's limit.
 */

/**
 * Polls `check` until it returns a value (not undefined/false) or the deadline passes; then fails naming `what`,
 * and what `saw` describes (e.g. a process's output so far), if given.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  ms = 10_000,
  saw?: () => string,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what} (${ms} ms)${saw ? `; saw:\n${saw()}` : ""}`);
}
