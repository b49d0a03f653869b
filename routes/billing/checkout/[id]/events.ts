import { streamSSE } from "hono/streaming";
import type { Handlers } from "@/lib/router/routes.ts";
import { asApp } from "@/db/client.ts";
import { getCheckout } from "@/db/payments.ts";
import { watchCheckout } from "@/lib/payments/checkout_feed.ts";
import { findCheckout } from "@/lib/payments/find_checkout.ts";
import { Wakeup } from "@/lib/http/wakeup.ts";

const KEEPALIVE_MS = 15_000;

/** Server-sent events for the checkout page: `status` now and whenever a payment event changes it. */
export const handler: Handlers = {
  async GET(c) {
    const sql = c.var.deps.sql;
    const { projectId, checkout } = await findCheckout(sql, c.req.param("id")!);
    return streamSSE(c, async (stream) => {
      // A latch, not a callback swapped in before each wait: a payment applied while the status is being
      // read must still wake the next wait.
      const wakeup = new Wakeup();
      const stop = await watchCheckout(sql, checkout.checkout_id, () => wakeup.wake());
      stream.onAbort(() => wakeup.wake());
      try {
        let last = "";
        while (!stream.aborted) {
          const now = await asApp(sql, projectId, (tx) => getCheckout(tx, projectId, checkout.checkout_id));
          const data = JSON.stringify({ status: now?.status, payment_status: now?.payment?.status ?? null });
          if (data !== last) await stream.writeSSE({ event: "status", data });
          last = data;
          if (now?.status === "paid" || now?.status === "expired") break;
          const woken = await wakeup.wait(KEEPALIVE_MS);
          if (!woken && !stream.aborted) await stream.write(": keep-alive\n\n");
        }
      } finally {
        stop();
      }
    });
  },
};
