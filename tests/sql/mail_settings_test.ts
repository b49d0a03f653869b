/**
 * SQL tests for issue 29 item 13: the mail settings (mail_sender_name, mail_from_address, mail_texts) in
 * api.update_project_settings, the sender name and from address stamped on queued mail, and the sign-in request a short mailed
 * link stands for (api.mail_email_link stores it, api.email_link_request finds it — only in its own project),
 * and the sandbox inbox (api.sandbox_inbox).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const settingsUpdate = (projectId: string, changes: unknown) =>
  asApp(
    db.sql,
    projectId,
    (tx) =>
      tx`select api.update_project_settings(${projectId}, ${JSON.stringify(changes)}::text::jsonb) as p`,
    { actor: "test" },
  ).then(([row]) => row.p.settings as Record<string, unknown>);

const TEXTS = {
  verify_email: { en: { subject: "Welcome to Kopi", intro: "One step before your first coffee" } },
  reset_password: { id: { subject: "Kata sandi Kopi" } },
};

Deno.test("api.update_project_settings — mail_sender_name and mail_texts are kept; null removes them", async () => {
  const p = await seedProject(db.sql);
  const saved = await settingsUpdate(p.id, { mail_sender_name: "Warung Kopi", mail_texts: TEXTS });
  assert.equal(saved.mail_sender_name, "Warung Kopi");
  assert.deepEqual(saved.mail_texts, TEXTS);
  const removed = await settingsUpdate(p.id, { mail_sender_name: null, mail_texts: null });
  assert.equal("mail_sender_name" in removed || "mail_texts" in removed, false);
});

Deno.test("api.update_project_settings — each refused mail setting names the problem", async () => {
  const p = await seedProject(db.sql);
  const refused: [unknown, RegExp][] = [
    [{ mail_sender_name: "" }, /mail_sender_name must be 1 to 80 characters/],
    [{ mail_sender_name: "   " }, /mail_sender_name must be 1 to 80/],
    [{ mail_sender_name: "Evil <x@evil.example>" }, /without </],
    [{ mail_sender_name: "Two\nlines" }, /line breaks/],
    [{ mail_sender_name: "x".repeat(81) }, /1 to 80/],
    [{ mail_sender_name: 7 }, /1 to 80/],
    [{ mail_texts: [] }, /keyed by the kind of mail/],
    [{ mail_texts: { welcome: {} } }, /mail_texts\.welcome: the kinds are .*verify_email/],
    [
      { mail_texts: { verify_email: { fr: {} } } },
      /mail_texts\.verify_email\.fr: the languages are en and id/,
    ],
    [
      { mail_texts: { verify_email: { en: { note: "x" } } } },
      /verify_email\.en\.note: only subject, intro and closing/,
    ],
    [{ mail_texts: { verify_email: { en: { subject: "Bcc: x\r\n" } } } }, /subject must be one line/],
    [{ mail_texts: { reset_password: { id: { intro: "x".repeat(301) } } } }, /at most 300 characters/],
    [{ mail_texts: { reset_password: { id: { subject: "" } } } }, /at most 150 characters/],
  ];
  for (const [changes, message] of refused) {
    await rejectsAs(settingsUpdate(p.id, changes), "validation_failed", message);
  }
});

Deno.test("mail_outbox — queued mail carries the project's sender name, or none", async () => {
  const named = await seedProject(db.sql);
  const plain = await seedProject(db.sql);
  await settingsUpdate(named.id, { mail_sender_name: "Warung Kopi" });
  for (const p of [named, plain]) {
    await asApp(db.sql, p.id, (tx) => tx`select api.queue_mail('a@example.com', 'Hi', 'Body', 'test_mail')`);
  }
  const rows = await db.sql`select project_id, from_name from astapa.mail_outbox
    where project_id in (${named.id}, ${plain.id})`;
  const byProject = Object.fromEntries(rows.map((r) => [r.project_id, r.from_name]));
  assert.deepEqual(byProject, { [named.id]: "Warung Kopi", [plain.id]: null });
});

Deno.test("api.update_project_settings — mail_from_address: a plain address is kept, anything else refused", async () => {
  const p = await seedProject(db.sql);
  const saved = await settingsUpdate(p.id, { mail_from_address: "halo@warung.example" });
  assert.equal(saved.mail_from_address, "halo@warung.example");
  const refused: unknown[] = [
    "Warung <halo@warung.example>",
    "halo@warung.example\r\nBcc: x@evil.example",
    "halo",
    "@warung.example",
    "halo@localhost",
    `${"x".repeat(65)}@warung.example`,
    `halo@${"a".repeat(250)}.example`,
    7,
  ];
  for (const value of refused) {
    await rejectsAs(
      settingsUpdate(p.id, { mail_from_address: value }),
      "validation_failed",
      /plain email address/,
    );
  }
  const removed = await settingsUpdate(p.id, { mail_from_address: null });
  assert.equal("mail_from_address" in removed, false);
});

Deno.test("mail_outbox — queued mail carries the project's from address, or none", async () => {
  const own = await seedProject(db.sql);
  const plain = await seedProject(db.sql);
  await settingsUpdate(own.id, { mail_from_address: "halo@warung.example" });
  for (const p of [own, plain]) {
    await asApp(db.sql, p.id, (tx) => tx`select api.queue_mail('a@example.com', 'Hi', 'Body', 'test_mail')`);
  }
  const rows = await db.sql`select project_id, from_address from astapa.mail_outbox
    where project_id in (${own.id}, ${plain.id})`;
  const byProject = Object.fromEntries(rows.map((r) => [r.project_id, r.from_address]));
  assert.deepEqual(byProject, { [own.id]: "halo@warung.example", [plain.id]: null });
});

Deno.test("api.email_link_request — the stored sign-in request of a mailed link, in its own project only", async () => {
  const p = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  await seedUser(db.sql, p.id, "ani@example.com");
  const request = `/auth/reset?client_id=${p.clientId}&state=s&lang=id`;
  const sent = await appValue(
    db.sql,
    p.id,
    async (tx) =>
      tx`select api.mail_email_link('ani@example.com', 'reset_password', ${await sha256("short-token")}, 'S',
                                    'B', 'reset_password', null, ${request})`,
  );
  assert.equal(sent, true);
  const find = async (projectId: string, token: string) =>
    await appValue(
      db.sql,
      projectId,
      async (tx) => tx`select api.email_link_request(${await sha256(token)})`,
    );
  assert.equal(await find(p.id, "short-token"), request);
  assert.equal(await find(other.id, "short-token"), null, "another project does not see it");
  assert.equal(await find(p.id, "never-issued"), null);
  await rejectsAs(
    appValue(
      db.sql,
      p.id,
      async (tx) =>
        tx`select api.mail_email_link('ani@example.com', 'reset_password', ${await sha256("t2")}, 'S', 'B',
                                      'reset_password', null, 'https://evil.example/')`,
    ),
    "validation_failed",
  );
});

Deno.test("api.sandbox_inbox — a sandbox project's sandbox mail with text; production refused; others unseen", async () => {
  const p = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  for (const subject of ["First", "Second"]) {
    await asApp(
      db.sql,
      p.id,
      (tx) => tx`select api.queue_mail('a@example.com', ${subject}, 'Open http://x/l', 'k')`,
    );
  }
  const inbox = await appValue(db.sql, p.id, (tx) => tx`select api.sandbox_inbox(${p.id}, 1)`) as {
    subject: string;
    text: string;
  }[];
  assert.deepEqual(
    inbox.map((m) => [m.subject, m.text]),
    [["Second", "Open http://x/l"]],
    "newest first, 1 row",
  );
  await rejectsAs(appValue(db.sql, other.id, (tx) => tx`select api.sandbox_inbox(${p.id})`), "not_found");
  await db.sql`update astapa.projects set mode = 'production' where id = ${p.id}`;
  await rejectsAs(
    appValue(db.sql, p.id, (tx) => tx`select api.sandbox_inbox(${p.id})`),
    "conflict",
    /this project is in production/,
  );
});
