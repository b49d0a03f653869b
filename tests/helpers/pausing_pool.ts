/**
 * The app's pool with a seam after chosen statements, for races through the hosted pages: a page's transaction
 * runs a statement, the test acts while the page waits for its answer (a sign-out committed between a check and
 * a write, a barrier for several sign-ins at once), then the page goes on. No sleeps: each pause ends when what
 * it waits for has happened.
 */
import { asApp, type Sql, type Tx } from "@/db/client.ts";
import { waitForLockWaiter } from "./lock_race.ts";

/** What to do once a statement (its text) returned inside a transaction: a promise holds its answer back. */
export type Pause = (statement: string) => Promise<unknown> | undefined;

/** `sql` whose transactions (`begin`) ask `pause` after each statement; everything else is `sql`'s own. */
export function pausingPool(sql: Sql, pause: Pause): Sql {
  const watch = (tx: Tx) =>
    new Proxy(tx, {
      apply(target, self, args) {
        const query = Reflect.apply(target, self, args);
        const text = Array.isArray(args[0]) ? args[0].join("") : "";
        const held = pause(text);
        return held ? query.then(async (rows: unknown) => (await held, rows)) : query;
      },
    });
  return new Proxy(sql, {
    get(target, property) {
      if (property === "begin") {
        return (...args: unknown[]) => {
          const work = args.pop() as (tx: Tx) => unknown;
          return (target.begin as (...a: unknown[]) => unknown)(...args, (tx: Tx) => work(watch(tx)));
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** `action`, once, after the first statement naming `marker`. */
export function onceAfter(marker: string, action: () => Promise<unknown>): Pause {
  let done = false;
  return (statement) => {
    if (done || !statement.includes(marker)) return undefined;
    done = true;
    return action();
  };
}

/**
 * Runs `end` in a transaction of its own (on the test's connections) and resolves once it has done its work and
 * holds its locks; it commits only when another transaction waits for a lock (the page's next step). The commit
 * is pushed to `ended`, for the test to await.
 */
export function endHolding(
  sql: Sql,
  projectId: string,
  end: (tx: Tx) => Promise<unknown>,
  ended: Promise<unknown>[],
): Promise<void> {
  let holding!: () => void;
  const held = new Promise<void>((resolve) => holding = resolve);
  ended.push(asApp(sql, projectId, async (own) => {
    await end(own);
    holding();
    await waitForLockWaiter(sql);
  }));
  return held;
}
