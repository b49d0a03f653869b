/**
 * The mail sender's wake-ups (lib/mail/sender.ts): a queued mail's notification names its project, and a
 * project with more than a batch queued is sent in turns without waiting for the sweep — through a real SMTP
 * server, with the sweep out of the way so that only the notifications can be what delivers.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { MailSender } from "@/lib/mail/sender.ts";
import { asApp } from "@/db/client.ts";

const t = await testApp();
const sink = startSmtpSink();
const sender = new MailSender(t.db.sql, sink.url, t.config.mailFrom, { sweepMs: 3_600_000 });
await sender.start();
Deno.test.afterAll(async () => {
  await sender.stop();
  sink.close();
  await t.close();
});

const queue = (projectId: string, addresses: string[]) =>
  asApp(t.db.sql, projectId, async (tx) => {
    for (const to of addresses) await tx`select api.queue_mail(${to}, 'Hi', 'Body', 'test_mail')`;
  });

Deno.test("mail sender — a queued mail is sent on its notification, in two projects at once", async () => {
  const [a, b] = [
    await seedProject(t.db.sql, { name: "Satu" }),
    await seedProject(t.db.sql, { name: "Dua" }),
  ];
  await queue(a.id, ["satu@example.com"]);
  await queue(b.id, ["dua@example.com"]);
  assert.ok(await sink.waitFor("satu@example.com"));
  assert.ok(await sink.waitFor("dua@example.com"));
});

Deno.test("mail sender — 45 mails queued at once in one project are all sent, 20 per turn", async () => {
  const project = await seedProject(t.db.sql, { name: "Banyak" });
  const addresses = Array.from({ length: 45 }, (_, i) => `banyak-${i}@example.com`);
  await queue(project.id, addresses);
  for (const to of addresses) assert.ok(await sink.waitFor(to), to);
  await sender.drain(); // every pass that sent them has recorded it
  const sent = await t.db.sql`select count(*)::int as n from astapa.mail_outbox
                              where project_id = ${project.id} and sent_at is not null`;
  assert.equal(sent[0].n, 45, "every one marked sent, once");
  const deliveries = sink.messages.filter((m) => m.to.some((to) => to.startsWith("banyak-")));
  assert.equal(deliveries.length, 45, "none delivered twice");
});
