/** api.metrics_backlog: deployment-wide counts of waiting work for /metrics, only outside any project. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { metricsBacklog } from "@/db/metrics.ts";
import { recordPaymentEvent } from "@/db/payments.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

Deno.test("api.metrics_backlog — counts waiting mail and payment events across projects, with the lag", async () => {
  const before = await metricsBacklog(db.sql);
  const [a, b] = [await seedProject(db.sql), await seedProject(db.sql)];
  for (
    const [project, to] of [[a, "one@example.com"], [a, "two@example.com"], [b, "three@example.com"]] as const
  ) {
    await asApp(db.sql, project.id, (tx) => tx`select api.queue_mail(${to}, 'Hi', 'Text', 'verify_email')`);
  }
  await asApp(
    db.sql,
    b.id,
    (tx) =>
      recordPaymentEvent(tx, b.id, {
        providerId: "pr-metrics-1",
        status: "SUCCEEDED",
        checkoutId: "chk_x",
        body: {},
      }),
  );
  await db.sql`update astapa.payment_events set received_at = now() - interval '90 seconds'
               where provider_id = 'pr-metrics-1'`;

  const after = await metricsBacklog(db.sql);
  assert.equal(after.mailWaiting - before.mailWaiting, 3);
  assert.equal(after.paymentEventsWaiting - before.paymentEventsWaiting, 1);
  assert.ok(after.paymentLagSeconds >= 90, `lag ${after.paymentLagSeconds}`);
  assert.equal(after.webhooksWaiting, before.webhooksWaiting);

  // Sent mail and applied events no longer wait.
  await db.sql`update astapa.mail_outbox set sent_at = now() where project_id = ${a.id}`;
  await db.sql`update astapa.payment_events set processed_at = now(), outcome = 'no_change'
               where provider_id = 'pr-metrics-1'`;
  const done = await metricsBacklog(db.sql);
  assert.equal(done.mailWaiting - before.mailWaiting, 1);
  assert.equal(done.paymentEventsWaiting, before.paymentEventsWaiting);
});

Deno.test("api.metrics_backlog — refused inside a project (AS403), and its settings do not outlive it", async () => {
  const project = await seedProject(db.sql);
  await rejectsAs(asApp(db.sql, project.id, (tx) => tx`select * from api.metrics_backlog()`), "forbidden");
  const [row] = await asApp(db.sql, null, async (tx) => {
    await tx`select * from api.metrics_backlog()`;
    return await tx`select current_setting('astapa.list_mail_projects', true) as mail,
                           current_setting('astapa.list_payment_event_projects', true) as payments,
                           current_setting('astapa.find_due_webhooks', true) as webhooks`;
  });
  assert.deepEqual({ ...row }, { mail: "", payments: "", webhooks: "" });
});
