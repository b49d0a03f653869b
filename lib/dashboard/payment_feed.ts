/**
 * Wake-ups for the dashboard's payment feeds. One LISTEN per process on the two payment channels —
 * astapa_payment_events (a callback was stored) and astapa_checkouts (a worker applied one, or a checkout
 * changed) — wakes every open feed, which then reads the durable astapa.payment_events table for its own
 * project (RLS). A payload is a wake-up call only: the table is the truth, so a missed notification costs
 * latency, never an event.
 */
import type { Sql } from "@/db/client.ts";

const CHANNELS = ["astapa_payment_events", "astapa_checkouts"];

type Watchers = { callbacks: Set<() => void>; ready: Promise<void> };

const perPool = new WeakMap<Sql, Watchers>();

/** Calls `onWake` on every payment notification; returns the function that stops watching. */
export async function watchPayments(sql: Sql, onWake: () => void): Promise<() => void> {
  let watchers = perPool.get(sql);
  if (!watchers) {
    const callbacks = new Set<() => void>();
    const wakeAll = () => {
      for (const callback of callbacks) callback();
    };
    const ready = Promise.all(CHANNELS.map((channel) => sql.listen(channel, wakeAll))).then(() => {});
    watchers = { callbacks, ready };
    perPool.set(sql, watchers);
  }
  watchers.callbacks.add(onWake);
  await watchers.ready;
  const own = watchers;
  return () => own.callbacks.delete(onWake);
}
