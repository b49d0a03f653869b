import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject } from "../helpers/oauth.ts";
import { rejectsAs } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const queue = (projectId: string, to: string, text = "Open https://x.example/verify?token=secret") =>
  asApp(
    db.sql,
    projectId,
    async (tx) =>
      (await tx`select api.queue_mail(${to}, 'Confirm', ${text}, 'verify_email', '<p>html</p>') as id`)[0]
        .id as string,
  );

const claim = (projectId: string) => asApp(db.sql, projectId, (tx) => tx`select * from api.claim_mail(20)`);

Deno.test("api.queue_mail — queues for the acting project; JSON form validates its fields (AS400)", async () => {
  const project = await seedProject(db.sql);
  const id = await queue(project.id, "ayu@example.com");
  const [row] = await db
    .sql`select project_id, to_address, kind, sent_at from astapa.mail_outbox where id = ${id}`;
  assert.deepEqual({ ...row }, {
    project_id: project.id,
    to_address: "ayu@example.com",
    kind: "verify_email",
    sent_at: null,
  });
  const viaJson = await asApp(
    db.sql,
    project.id,
    async (tx) =>
      (await tx`select api.queue_mail(${project.id}, ${
        tx.json({ to: "b@example.com", template: "renewal", subject: "Renew", text: "Pay" })
      }) as id`)[0].id,
  );
  assert.ok(Number(viaJson) > Number(id));
  await assert.rejects(
    () =>
      asApp(
        db.sql,
        project.id,
        (tx) => tx`select api.queue_mail(${project.id}, ${tx.json({ to: "nobody" })})`,
      ),
    (e: { code?: string }) => e.code === "AS400",
  );
});

Deno.test("api.projects_with_mail — lists projects with due mail, only outside any project (AS403)", async () => {
  const project = await seedProject(db.sql);
  await queue(project.id, "due@example.com");
  const due = await asApp(
    db.sql,
    null,
    async (tx) => (await tx`select api.projects_with_mail() as ids`)[0].ids,
  );
  assert.ok(due.includes(project.id));
  await assert.rejects(
    () => asApp(db.sql, project.id, (tx) => tx`select api.projects_with_mail()`),
    (e: { code?: string }) => e.code === "AS403",
  );
});

Deno.test("api.claim_mail — claims due mail once and backs off; another project's mail is not claimed", async () => {
  const mine = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  const id = await queue(mine.id, "claim@example.com");
  await queue(other.id, "not-mine@example.com");
  const first = await claim(mine.id);
  assert.deepEqual(first.map((row) => [row.id, row.attempts]), [[id, 1]]);
  assert.equal((await claim(mine.id)).length, 0, "backed off until the next attempt is due");
  await db.sql`update astapa.mail_outbox set next_attempt_at = now(), attempts = 8 where id = ${id}`;
  assert.equal((await claim(mine.id)).length, 0, "eight attempts at most");
});

Deno.test("api.claim_mail — claims at most a batch, oldest first; the rest stays due for the next claim", async () => {
  const project = await seedProject(db.sql);
  const ids: string[] = [];
  for (let i = 0; i < 45; i++) ids.push(await queue(project.id, `batch-${i}@example.com`));
  const turns = [await claim(project.id), await claim(project.id), await claim(project.id)];
  assert.deepEqual(turns.map((rows) => rows.length), [20, 20, 5]);
  assert.deepEqual(turns.flat().map((row) => row.id), ids, "each mail once, in the order queued");
  assert.equal((await claim(project.id)).length, 0);
});

Deno.test("api.mail_delivered — success erases the body and keeps the envelope; an error keeps both", async () => {
  const project = await seedProject(db.sql);
  const failed = await queue(project.id, "retry@example.com");
  const sent = await queue(project.id, "sent@example.com");
  await asApp(db.sql, project.id, async (tx) => {
    await tx`select api.mail_delivered(${failed}, 'connection refused')`;
    await tx`select api.mail_delivered(${sent})`;
  });
  const rows = await db.sql`select id, to_address, subject, body_text, body_html, sent_at is not null as sent,
      last_error from astapa.mail_outbox where id in (${failed}, ${sent}) order by id`;
  assert.deepEqual(rows.map((r) => ({ ...r })), [
    {
      id: failed,
      to_address: "retry@example.com",
      subject: "Confirm",
      body_text: "Open https://x.example/verify?token=secret",
      body_html: "<p>html</p>",
      sent: false,
      last_error: "connection refused",
    },
    {
      id: sent,
      to_address: "sent@example.com",
      subject: "Confirm",
      body_text: "(erased after delivery)",
      body_html: null,
      sent: true,
      last_error: null,
    },
  ]);
});

Deno.test("api.mail_delivered — another project's mail is untouched", async () => {
  const owner = await seedProject(db.sql);
  const stranger = await seedProject(db.sql);
  const id = await queue(owner.id, "owner@example.com");
  await asApp(db.sql, stranger.id, (tx) => tx`select api.mail_delivered(${id})`);
  const [row] = await db.sql`select sent_at, body_text from astapa.mail_outbox where id = ${id}`;
  assert.equal(row.sent_at, null);
  assert.match(row.body_text, /token=secret/);
});

Deno.test("api.list_mail — the project's newest mail first; RLS hides other projects' and needs a project", async () => {
  const project = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  await queue(project.id, "one@example.com");
  await queue(project.id, "two@example.com");
  await queue(other.id, "hidden@example.com");
  const listed = await asApp(
    db.sql,
    project.id,
    async (tx) => (await tx`select api.list_mail(${project.id}, 10) as mail`)[0].mail as { to: string }[],
  );
  assert.deepEqual(listed.map((m) => m.to), ["two@example.com", "one@example.com"]);
  const peeked = await asApp(
    db.sql,
    project.id,
    async (tx) => (await tx`select api.list_mail(${other.id}, 10) as mail`)[0].mail,
  );
  assert.deepEqual(peeked, [], "naming another project reads nothing through RLS");
  const outside = await asApp(db.sql, null, (tx) => tx`select count(*)::int as n from astapa.mail_outbox`);
  assert.equal(outside[0].n, 0, "no project set: no rows");
});

Deno.test("mail_outbox policies — a project cannot queue mail for another project", async () => {
  const project = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  await assert.rejects(
    () =>
      asApp(
        db.sql,
        project.id,
        (tx) =>
          tx`insert into astapa.mail_outbox (project_id, to_address, subject, body_text, kind)
           values (${other.id}, 'x@example.com', 's', 't', 'k')`,
      ),
    /row-level security/,
  );
});

Deno.test("mail_outbox — the locale and environment stamped at queueing outlive the erased body", async () => {
  const project = await seedProject(db.sql);
  const id = await asApp(
    db.sql,
    project.id,
    async (tx) =>
      (await tx`select api.queue_mail('lang@example.com', 'Konfirmasi', 'Buka tautan',
      'verify_email', '<!doctype html><html lang="id"><body>Buka</body></html>') as id`)[0].id,
  );
  await asApp(db.sql, project.id, (tx) => tx`select api.mail_delivered(${id})`);
  const [row] = await db.sql`select locale, environment, body_html from astapa.mail_outbox where id = ${id}`;
  assert.deepEqual({ ...row }, { locale: "id", environment: "sandbox", body_html: null });
});

Deno.test("api.send_test_mail — queues a mail_text_test; ten an hour per project and address (any case), then AS429", async () => {
  const [project, other] = [await seedProject(db.sql), await seedProject(db.sql)];
  const send = (projectId: string, to: string) =>
    asApp(
      db.sql,
      projectId,
      (tx) =>
        tx`select api.send_test_mail(${projectId}, ${
          tx.json({ to, template: "renewal", subject: "[Test] Hi", text: "Hello" })
        }) as id`,
    );
  for (let i = 0; i < 10; i++) await send(project.id, i % 2 ? "Dev@Example.com" : "dev@example.com");
  const kinds = await db.sql`select distinct kind from astapa.mail_outbox where project_id = ${project.id}`;
  assert.deepEqual(kinds.map((k) => k.kind), ["mail_text_test"], "the caller cannot name another kind");
  await rejectsAs(send(project.id, "DEV@example.com"), "rate_limited", /Ten test mails an hour/);
  // Another address, another project: their own hours.
  await send(project.id, "ops@example.com");
  await send(other.id, "dev@example.com");
  await rejectsAs(send(project.id, "not an address"), "validation_failed");
});

Deno.test("astapa.set_mail_environment — stamps each queued mail with the project's mode, sender name and from address, and the HTML's lang", async () => {
  const project = await seedProject(db.sql);
  await db.sql`update astapa.projects set settings = settings || '{"mail_sender_name": "Toko Kopi",
    "mail_from_address": "halo@kopi.example"}' where id = ${project.id}`;
  const plain = await seedProject(db.sql);
  const queue = (projectId: string, html: string | null) =>
    asApp(
      db.sql,
      projectId,
      async (tx) =>
        (await tx`select api.queue_mail('stamp@example.com', 'S', 'T', 'verify_email', ${html}) as id`)[0].id,
    );
  const stamped = async (id: string) => ({
    ...(await db
      .sql`select environment, from_name, from_address, locale from astapa.mail_outbox where id = ${id}`)[0],
  });
  assert.deepEqual(
    await stamped(await queue(project.id, '<!doctype html><html lang="en-GB"><body>x</body></html>')),
    {
      environment: "sandbox",
      from_name: "Toko Kopi",
      from_address: "halo@kopi.example",
      locale: "en-GB",
    },
  );
  assert.deepEqual(await stamped(await queue(plain.id, "<html><body>no lang</body></html>")), {
    environment: "sandbox",
    from_name: null,
    from_address: null,
    locale: null,
  }, "another project's mail carries its own settings (none)");
  assert.equal((await stamped(await queue(project.id, null))).locale, null, "text only: no locale");
});
