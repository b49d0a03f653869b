/**
 * Live checkout updates for the checkout page's server-sent events. One LISTEN astapa_checkouts per process
 * fans out to the streams watching that checkout. Triggers send it the checkout id at commit, from whichever
 * instance changed the checkout or applied a callback about it (astapa.notify_checkout_changed).
 */
import type { Sql } from "@/db/client.ts";

type Feed = { watchers: Map<string, Set<() => void>>; ready: Promise<void> };

const feeds = new WeakMap<Sql, Feed>();

/** Calls `onChange` whenever the checkout changes; returns the function that stops watching. */
export async function watchCheckout(sql: Sql, checkoutId: string, onChange: () => void): Promise<() => void> {
  let feed = feeds.get(sql);
  if (!feed) {
    const watchers = new Map<string, Set<() => void>>();
    const ready = sql.listen("astapa_checkouts", (id) => {
      for (const watcher of watchers.get(id) ?? []) watcher();
    }).then(() => {});
    feed = { watchers, ready };
    feeds.set(sql, feed);
  }
  const set = feed.watchers.get(checkoutId) ?? new Set();
  feed.watchers.set(checkoutId, set);
  set.add(onChange);
  await feed.ready;
  return () => {
    set.delete(onChange);
    if (set.size === 0) feed.watchers.delete(checkoutId);
  };
}
