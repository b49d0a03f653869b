/**
 * Sign-ins the app did not start (db/api/login.sql, docs/hosted-login.md): api.pending_login (a reset link's and a
 * waitlist approval's token: what it starts, until used or expired; another project's or no project's: nothing),
 * api.send_password_reset (each refusal, the mail to the user's own address, the token, the audit, the per-user
 * limit), api.approve_waitlist_entry's start token, and settings.initiate_login_uri's check
 * (astapa.is_valid_initiate_login_uri through astapa.setting_problem).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const START = "https://toko.example/start";
const project = await seedProject(db.sql, {
  name: "Toko",
  settings: { initiate_login_uri: START, sign_up: { mode: "waitlist" } },
});
const other = await seedProject(db.sql, { name: "Lain", settings: { initiate_login_uri: START } });
const bare = await seedProject(db.sql, { name: "Polos" });
const mail = { template: "reset_password", subject: "Reset", text: "Open https://x.example/auth/start" };

const pending = async (projectId: string | null, token: string) =>
  await appValue<Json | null>(
    db.sql,
    projectId,
    async (tx) => tx`select api.pending_login(${await sha256(token)})`,
  );
const send = async (projectId: string, userId: string, token: string, as = projectId) =>
  await appValue<Json>(
    db.sql,
    as,
    async (tx) =>
      tx`select api.send_password_reset(${projectId}, ${userId}::bigint, ${await sha256(token)}, ${
        tx.json(mail)
      })`,
  );

Deno.test("api.send_password_reset — mails the user's own address, stores the token, audits {by: admin}; pending_login names it", async () => {
  const sub = await seedUser(db.sql, project.id, "Ani@toko.example", { verified: true });
  assert.deepEqual(await send(project.id, sub, "ani-1"), { sub, sent_to: "Ani@toko.example" });
  const [queued] = await db.sql`select to_address, kind from astapa.mail_outbox
    where project_id = ${project.id} and to_address = 'Ani@toko.example'`;
  assert.deepEqual({ ...queued }, { to_address: "Ani@toko.example", kind: "reset_password" });
  assert.deepEqual(await pending(project.id, "ani-1"), {
    kind: "reset_password",
    email: "Ani@toko.example",
    initiate_login_uri: START,
  });
  assert.equal(await pending(project.id, "ani-1") !== null, true, "reading uses nothing");
  const [audit] = await db.sql`select actor, details from astapa.audit_log
    where project_id = ${project.id} and action = 'user.password_reset_sent' and target = ${"user:" + sub}`;
  assert.deepEqual(audit.details, { by: "admin" });
  // A second link voids the first, as the forgot form's do.
  await send(project.id, sub, "ani-2");
  assert.equal(await pending(project.id, "ani-1"), null);
  assert.equal((await pending(project.id, "ani-2"))?.kind, "reset_password");
});

Deno.test("api.pending_login — nothing once the reset is done, once expired, for another project, for no project", async () => {
  const sub = await seedUser(db.sql, project.id, "budi@toko.example", { verified: true });
  await send(project.id, sub, "budi-1");
  assert.equal(await pending(other.id, "budi-1"), null, "another project's token");
  assert.equal(await pending(null, "budi-1"), null, "no project");
  await asApp(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.reset_password(${await sha256(
        "budi-1",
      )}, '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA')`,
  );
  assert.equal(await pending(project.id, "budi-1"), null, "used");
  await send(project.id, sub, "budi-2");
  await db.sql`update astapa.email_tokens set expires_at = now() - interval '1 second'
    where token_hash = ${await sha256("budi-2")}`;
  assert.equal(await pending(project.id, "budi-2"), null, "expired");
  assert.equal(await pending(project.id, "never-issued"), null);
});

Deno.test("api.send_password_reset — AS404 unknown or another project's user, AS4L0 no initiate_login_uri, AS409 disabled, no email, password-free; AS429 past 3 in 15 minutes", async () => {
  const sub = await seedUser(db.sql, project.id, "cici@toko.example", { verified: true });
  await rejectsAs(send(project.id, "987654321", "x"), "not_found");
  await rejectsAs(send(other.id, sub, "x"), "not_found", /not found/);
  await rejectsAs(send(project.id, sub, "x", other.id), "not_found", /not found/);
  const bareUser = await seedUser(db.sql, bare.id, "dodi@polos.example", { verified: true });
  await rejectsAs(send(bare.id, bareUser, "x"), "initiate_login_uri_missing", /initiate_login_uri/);
  const disabled = await seedUser(db.sql, project.id, "eko@toko.example", { verified: true });
  await db.sql`update astapa.users set disabled = true where project_id = ${project.id} and id = ${disabled}`;
  await rejectsAs(send(project.id, disabled, "x"), "conflict", /disabled/);
  const phoneOnly = await seedUser(db.sql, project.id, "fani@toko.example", { verified: true });
  await db
    .sql`update astapa.users set email = null, phone_number = '+6281234567890', phone_number_verified = true
    where project_id = ${project.id} and id = ${phoneOnly}`;
  await rejectsAs(send(project.id, phoneOnly, "x"), "conflict", /no email address/);
  const free = await seedProject(db.sql, {
    settings: { initiate_login_uri: START, passwords: false, email_codes: true },
  });
  const freeUser = await seedUser(db.sql, free.id, "gani@free.example", { verified: true });
  await rejectsAs(send(free.id, freeUser, "x"), "conflict", /without passwords/);
  for (let i = 0; i < 3; i++) await send(project.id, sub, `cici-${i}`);
  await rejectsAs(send(project.id, sub, "cici-3"), "rate_limited", /15 minutes/);
  assert.equal(await pending(project.id, "cici-3"), null, "nothing issued past the limit");
  const [count] = await db
    .sql`select count(*)::int as n from astapa.mail_outbox where to_address = 'cici@toko.example'`;
  assert.equal(count.n, 3);
});

Deno.test("api.approve_waitlist_entry — keeps the mail's start token 7 days; pending_login names the address until it signs up or is declined", async () => {
  const [entry] = await db.sql`insert into astapa.waitlist_entries (project_id, email, environment)
    values (${project.id}, 'hana@toko.example', 'sandbox') returning id`;
  const approval = { template: "waitlist_approved", subject: "In", text: "Open it" };
  await appValue(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.approve_waitlist_entry(${entry.id}, ${tx.json(approval)}, ${await sha256("hana")})`,
  );
  const [row] = await db.sql`select start_token_expires_at - now() > interval '6 days 23 hours' as week
    from astapa.waitlist_entries where id = ${entry.id}`;
  assert.equal(row.week, true);
  assert.deepEqual(await pending(project.id, "hana"), {
    kind: "waitlist_sign_up",
    email: "hana@toko.example",
    initiate_login_uri: START,
  });
  assert.equal(await pending(other.id, "hana"), null);
  await appValue(db.sql, project.id, (tx) => tx`select api.decline_waitlist_entry(${entry.id})`);
  assert.equal(await pending(project.id, "hana"), null, "declined");
  await db.sql`update astapa.waitlist_entries set status = 'approved' where id = ${entry.id}`;
  assert.equal((await pending(project.id, "hana"))?.kind, "waitlist_sign_up");
  await seedUser(db.sql, project.id, "HANA@toko.example");
  assert.equal(await pending(project.id, "hana"), null, "the account exists: used");
  // Approved again (already approved): no new mail, no new token.
  const [before] = await db.sql`select start_token_hash from astapa.waitlist_entries where id = ${entry.id}`;
  await appValue(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.approve_waitlist_entry(${entry.id}, ${tx.json(approval)}, ${await sha256("again")})`,
  );
  const [after] = await db.sql`select start_token_hash from astapa.waitlist_entries where id = ${entry.id}`;
  assert.deepEqual(after.start_token_hash, before.start_token_hash);
});

Deno.test("settings.initiate_login_uri — https only, no fragment, whitespace or userinfo (astapa.setting_problem)", async () => {
  const problem = (value: unknown) =>
    appValue<string | null>(
      db.sql,
      null,
      (tx) => tx`select astapa.setting_problem('initiate_login_uri', ${tx.json(value as never)})`,
    );
  assert.equal(await problem("https://app.example/start?x=1"), null);
  assert.equal(await problem("https://app.example:8443/start"), null);
  for (
    const bad of [
      "http://app.example/start",
      "http://localhost/start",
      "https://app.example/#x",
      "https://u@app.example/",
      "https://app .example/",
      "/start",
      42,
    ]
  ) {
    assert.match(await problem(bad) ?? "", /initiate_login_uri must be an absolute https URL/, String(bad));
  }
});
