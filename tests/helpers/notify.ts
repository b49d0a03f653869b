/**
 * Waiting for a Postgres NOTIFY in tests: listen on a channel, then await the payloads a test expects. Every wait
 * has a deadline — a hang guard, not a timing assertion — so a wrong expectation fails at once with the channel,
 * what was awaited and what did arrive, instead of hanging the file until the runner's limit.
 */

/** What `listenTo` needs of a pool: postgres.js's `listen` (a plain pool, or the failover pool). */
export type Listens = {
  listen(channel: string, onnotify: (payload: string) => void): Promise<{ unlisten(): Promise<void> }>;
};

export type Notifications = {
  channel: string;
  /** Every payload heard since listening began, in arrival order. */
  payloads: string[];
  /** The first payload heard (since listening began) that matches, waiting for it if need be. */
  heard(what: string, match?: (payload: string) => boolean, ms?: number): Promise<string>;
  /** Resolves once `done` holds of the payloads heard so far (a count, a set of them all). */
  until(what: string, done: (payloads: string[]) => boolean, ms?: number): Promise<void>;
  unlisten(): Promise<void>;
};

/** Generous: NOTIFY arrives in milliseconds; only a wait that will never end gets near it. */
export const NOTIFY_DEADLINE_MS = 30_000;

/** LISTENs on `channel` through `sql`; call `unlisten()` in a `finally` (or use `whileListening`). */
export async function listenTo(sql: Listens, channel: string): Promise<Notifications> {
  const payloads: string[] = [];
  // Each pending wait: `check` settles it once its condition holds, `stop` fails it when listening ends.
  const waiters = new Set<{ check(): void; stop(): void }>();
  const listener = await sql.listen(channel, (payload) => {
    payloads.push(payload);
    for (const waiter of [...waiters]) waiter.check();
  });

  function until(what: string, done: (payloads: string[]) => boolean, ms = NOTIFY_DEADLINE_MS) {
    return new Promise<void>((resolve, reject) => {
      const fail = (why: string) => {
        settle();
        reject(new Error(`no NOTIFY on ${channel} for: ${what}, ${why}; heard ${heardSoFar(payloads)}`));
      };
      const waiter = {
        check() {
          if (!done(payloads)) return;
          settle();
          resolve();
        },
        stop: () => fail("listening stopped first"),
      };
      const timer = setTimeout(() => fail(`within ${ms} ms`), ms);
      const settle = () => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      waiters.add(waiter);
      waiter.check();
    });
  }

  return {
    channel,
    payloads,
    until,
    async heard(what, match = () => true, ms) {
      await until(what, (seen) => seen.some(match), ms);
      return payloads.find(match)!;
    },
    async unlisten() {
      for (const waiter of [...waiters]) waiter.stop();
      await listener.unlisten();
    },
  };
}

/** Runs `body` while listening on `channel`, and always stops listening after it. */
export async function whileListening<T>(
  sql: Listens,
  channel: string,
  body: (notifications: Notifications) => Promise<T>,
): Promise<T> {
  const notifications = await listenTo(sql, channel);
  try {
    return await body(notifications);
  } finally {
    await notifications.unlisten();
  }
}

/** The payloads for an error message: all of them, or the last 20 of many. */
function heardSoFar(payloads: string[]): string {
  if (payloads.length === 0) return "nothing";
  const shown = payloads.slice(-20).map((p) => JSON.stringify(p)).join(", ");
  return payloads.length > 20 ? `${payloads.length} payloads, the last 20: ${shown}` : shown;
}
