import { streamSSE } from "hono/streaming";
import type { Handlers } from "@/lib/router/routes.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { watchPayments } from "@/lib/dashboard/payment_feed.ts";
import { Wakeup } from "@/lib/http/wakeup.ts";
import { paymentFeed, paymentFeedCursor } from "@/db/dashboard_payments.ts";
import { log } from "@/lib/http/log.ts";

const KEEPALIVE_MS = 15_000;
const BATCH = 100;
const EVENT_ID = /^\d{1,18}$/;

/**
 * GET /dashboard/projects/:id/payments/events: server-sent events (`event: payment`, id = the payment event's
 * id, data {outcome, payment}) for each payment callback applied in the project's current mode. A reconnect's
 * Last-Event-ID (or `?after=`, the cursor the page was rendered at) resumes from the durable table, so nothing
 * is lost while disconnected. Authorized like any dashboard GET: members of the project, every query.
 */
export const handler: Handlers = {
  async GET(c) {
    const sql = c.var.deps.sql;
    const resume = [c.req.header("last-event-id"), c.req.query("after")].find((id) =>
      id && EVENT_ID.test(id)
    );
    let cursor = await withProject(
      c,
      "viewer",
      (tx, _role, projectId) => resume ? Promise.resolve(resume) : paymentFeedCursor(tx, projectId),
    );
    return streamSSE(c, async (stream) => {
      const wakeup = new Wakeup();
      stream.onAbort(() => wakeup.wake());
      const stop = await watchPayments(sql, () => wakeup.wake());
      try {
        await stream.write(": payments feed\n\n");
        while (!stream.aborted) {
          const feed = await withProject(
            c,
            "viewer",
            (tx, _role, projectId) => paymentFeed(tx, projectId, cursor, BATCH),
          );
          for (const event of feed.events) {
            await stream.writeSSE({
              id: event.event_id,
              event: "payment",
              data: JSON.stringify({ outcome: event.outcome, payment: event.payment }),
            });
          }
          const moved = feed.cursor !== cursor;
          cursor = feed.cursor;
          if (moved) continue;
          const woken = await wakeup.wait(KEEPALIVE_MS);
          if (!woken && !stream.aborted) await stream.write(": keep-alive\n\n");
        }
      } catch (error) {
        // The member lost access or the database went away: end the stream; the browser reconnects and is
        // answered like any other request.
        if (!stream.aborted) log("warn", "payments feed ended", { error: String(error) });
      } finally {
        stop();
      }
    });
  },
};
