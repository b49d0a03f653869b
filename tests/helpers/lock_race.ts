/**
 * Two transactions racing for the same row, made to overlap for certain: the first does its work and holds its
 * locks until the second is seen waiting on a lock in pg_stat_activity, then commits. A test of "one consistent
 * outcome" then checks what the second saw after the first committed, not a lucky ordering.
 */
import { asApp, type Sql, type Tx } from "@/db/client.ts";

export type Settled = PromiseSettledResult<unknown>;

/** Runs `first` in a transaction for `projectId`, starts `second` while it holds its locks, and settles both. */
export async function lockRace(
  sql: Sql,
  projectId: string,
  first: (tx: Tx) => Promise<unknown>,
  second: () => Promise<unknown>,
): Promise<[Settled, Settled]> {
  let secondDone: Promise<Settled[]> | undefined;
  const firstDone = asApp(sql, projectId, async (tx) => {
    const value = await first(tx);
    secondDone = Promise.allSettled([second()]);
    await waitForLockWaiter(sql);
    return value;
  });
  const [firstResult] = await Promise.allSettled([firstDone]);
  const [secondResult] = secondDone
    ? await secondDone
    : [{ status: "rejected", reason: "not started" } as Settled];
  return [firstResult, secondResult];
}

/**
 * Resolves once `count` sessions of this database wait for a lock (asks again every 10 ms of server time): a
 * test holding a lock knows the transactions it started are all queued behind it, or behind each other.
 */
export async function waitForLockWaiter(sql: Sql, count = 1): Promise<void> {
  for (let asked = 0; asked < 1000; asked++) {
    const [row] = await sql`
      select count(*)::int as waiting, pg_sleep(case when count(*) < ${count} then 0.01 else 0 end)
      from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
    if (row.waiting >= count) return;
  }
  throw new Error(`${count} transaction(s) never waited for a lock`);
}
