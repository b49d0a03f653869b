/** Typed call to api.metrics_backlog (db/api/webhooks.sql): work waiting, deployment-wide. */
import { asApp, type Sql } from "./client.ts";

export type Backlog = {
  mailWaiting: number;
  paymentEventsWaiting: number;
  /** Seconds the oldest unapplied payment event has waited (0 when none wait). */
  paymentLagSeconds: number;
  webhooksWaiting: number;
};

export async function metricsBacklog(sql: Sql): Promise<Backlog> {
  const [row] = await asApp(sql, null, (tx) => tx`select * from api.metrics_backlog()`);
  return {
    mailWaiting: Number(row.mail_waiting),
    paymentEventsWaiting: Number(row.payment_events_waiting),
    paymentLagSeconds: Number(row.payment_lag_seconds),
    webhooksWaiting: Number(row.webhooks_waiting),
  };
}
