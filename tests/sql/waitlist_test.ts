/**
 * db/api/waitlist.sql and the waitlist mode of db/api/sign_up_rules.sql: api.join_waitlist (idempotent, any case,
 * the same nothing-answer for every state of an address, refused without the mode), api.list_waitlist (status,
 * pages, cursor, this environment only), api.approve_waitlist_entry (mail to the entry's own address, once; audit),
 * api.decline_waitlist_entry, AS404 across projects; astapa.sign_up_refusal / assert_sign_up_allowed under a
 * waitlist (approved only, in the current environment, domain lists still apply); the policies as the owner
 * project, another project and no project.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const waitlistMode = { sign_up: { mode: "waitlist" } };
const project = await seedProject(db.sql, { name: "Toko", settings: waitlistMode });
const other = await seedProject(db.sql, { name: "Lain", settings: waitlistMode });

const as = <T>(
  projectId: string | null,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, projectId, query);
const join = (projectId: string, email: string) =>
  as<unknown>(projectId, (tx) => tx`select api.join_waitlist(${email})`);
const list = (projectId: string, status: string | null = null, before: string | null = null, size = 50) =>
  as<{ entries: Json[]; next_before: string | null }>(
    projectId,
    (tx) => tx`select api.list_waitlist(${status}, ${before}, ${size})`,
  );
const entryOf = async (projectId: string, email: string) =>
  (await list(projectId)).entries.find((e) => (e.email as string).toLowerCase() === email.toLowerCase())!;
const approve = (projectId: string, id: string, mail: Json | null = null) =>
  as<Json>(
    projectId,
    (tx) => tx`select api.approve_waitlist_entry(${id}, ${mail ? tx.json(mail as never) : null})`,
  );
const decline = (projectId: string, id: string) =>
  as<Json>(projectId, (tx) => tx`select api.decline_waitlist_entry(${id})`);
const refusal = (projectId: string, email: string | null) =>
  as<Json | null>(projectId, (tx) => tx`select astapa.sign_up_refusal(${projectId}, ${email}, null)`);
const rows = (projectId: string) =>
  db.sql`select email, status, environment from astapa.waitlist_entries where project_id = ${projectId} order by id`;
const mail = {
  template: "waitlist_approved",
  subject: "You can now sign up",
  text: "Open https://x.example",
};
const outbox = (projectId: string, to: string) =>
  db.sql`select to_address, kind from astapa.mail_outbox where project_id = ${projectId} and lower(to_address) = lower(${to})`;

Deno.test("api.join_waitlist — one entry per address in any case; the same empty answer for every state", async () => {
  await seedUser(db.sql, project.id, "ada@example.com");
  const answers = [];
  answers.push(await join(project.id, "new@example.com"));
  answers.push(await join(project.id, "NEW@example.com")); // already waiting
  await join(project.id, "ok@example.com");
  await approve(project.id, (await entryOf(project.id, "ok@example.com")).id as string);
  answers.push(await join(project.id, "ok@example.com")); // approved
  await join(project.id, "no@example.com");
  await decline(project.id, (await entryOf(project.id, "no@example.com")).id as string);
  answers.push(await join(project.id, "no@example.com")); // declined
  answers.push(await join(project.id, "ada@example.com")); // an account's
  // Every answer the same: 0, no wait.
  assert.deepEqual(answers, [0, 0, 0, 0, 0]);
  const stored = await rows(project.id);
  assert.equal(stored.filter((r) => r.email.toLowerCase() === "new@example.com").length, 1);
  assert.equal(stored.find((r) => r.email === "ok@example.com")!.status, "approved");
  assert.equal(stored.find((r) => r.email === "no@example.com")!.status, "declined");
  assert.equal(stored.find((r) => r.email === "ada@example.com")!.status, "waiting");
});

Deno.test("api.join_waitlist — a malformed address, or a project without a waitlist, is refused; nothing written", async () => {
  const open = await seedProject(db.sql, { name: "Buka" });
  await rejectsAs(join(project.id, "not an address"), "validation_failed");
  await rejectsAs(join(open.id, "x@example.com"), "validation_failed", /do not go through a waitlist/);
  assert.equal((await rows(open.id)).length, 0);
  await rejectsAs(as(null, (tx) => tx`select api.join_waitlist('x@example.com')`), "not_found");
});

const joinAs = (projectId: string, email: string, lang: string | null, buckets: Json[] = []) =>
  as<number>(
    projectId,
    (tx) => tx`select api.join_waitlist(${email}, ${lang}, ${tx.json(buckets as never)})`,
  );
const langOf = async (projectId: string, email: string) =>
  (await db.sql`select lang from astapa.waitlist_entries where project_id = ${projectId}
                and email_lower = lower(${email})`)[0]?.lang;

Deno.test("api.join_waitlist — keeps the page's language (the first join's); none without one; any other refused", async () => {
  const p = await seedProject(db.sql, { name: "Bahasa", settings: waitlistMode });
  assert.equal(await joinAs(p.id, "ani@example.com", "id"), 0);
  assert.equal(await langOf(p.id, "ani@example.com"), "id");
  assert.equal((await entryOf(p.id, "ani@example.com")).lang, "id", "the entry shows it");
  await joinAs(p.id, "ANI@example.com", "en");
  assert.equal(await langOf(p.id, "ani@example.com"), "id", "joining again changes nothing");
  await join(p.id, "lama@example.com");
  assert.equal(await langOf(p.id, "lama@example.com"), null);
  assert.equal((await entryOf(p.id, "lama@example.com")).lang, null);
  await rejectsAs(joinAs(p.id, "fr@example.com", "fr"), "validation_failed", /lang must be en or id/);
  assert.equal(await langOf(p.id, "fr@example.com"), undefined, "nothing written");
});

Deno.test("api.join_waitlist — over a bucket's limit: the wait, nothing counted or written; a spared address still joins", async () => {
  const p = await seedProject(db.sql, { name: "Batas", settings: waitlistMode });
  const stamp = crypto.randomUUID();
  const buckets = (email: string, address: string) => [
    { name: `t:${stamp}:pair:${email}:${address}`, max: 2, window_seconds: 900 },
    { name: `t:${stamp}:address:${address}`, max: 3, window_seconds: 900 },
    {
      name: `t:${stamp}:email:${email}`,
      max: 2,
      window_seconds: 900,
      spare_if_clean: `t:${stamp}:pair:${email}:${address}`,
    },
  ];
  const hits = async (name: string) =>
    (await db.sql`select hits from astapa.rate_limits where bucket = ${name}`)[0]?.hits ?? 0;
  assert.equal(await joinAs(p.id, "a@example.com", "en", buckets("a", "ip1")), 0);
  assert.equal(await joinAs(p.id, "a@example.com", "en", buckets("a", "ip1")), 0);
  const wait = await joinAs(p.id, "a@example.com", "en", buckets("a", "ip1"));
  assert.ok(wait > 0 && wait <= 900, `the pair is full: wait ${wait}`);
  assert.equal(await hits(`t:${stamp}:pair:a:ip1`), 2, "a refused join is not counted");
  // Another address from the same IP: the IP's bucket (3) takes one more, then refuses; nothing written.
  assert.equal(await joinAs(p.id, "b@example.com", "en", buckets("b", "ip1")), 0);
  assert.ok(await joinAs(p.id, "c@example.com", "en", buckets("c", "ip1")) > 0);
  assert.equal(await langOf(p.id, "c@example.com"), undefined, "nothing written over the limit");
  // The address's own ceiling (2) is full, but an IP that never sent it is spared (nobody locks its owner out).
  assert.equal(await joinAs(p.id, "a@example.com", "id", buckets("a", "ip2")), 0);
  assert.deepEqual((await rows(p.id)).map((r) => r.email).sort(), ["a@example.com", "b@example.com"]);
});

Deno.test("api.list_waitlist — newest first, by status, a page at a time; bad arguments refused", async () => {
  const p = await seedProject(db.sql, { name: "Daftar", settings: waitlistMode });
  for (const n of [1, 2, 3, 4, 5]) await join(p.id, `p${n}@example.com`);
  const all = await list(p.id);
  assert.deepEqual(
    all.entries.map((e) => e.email),
    ["p5", "p4", "p3", "p2", "p1"].map((e) => `${e}@example.com`),
  );
  assert.equal(all.next_before, null);
  await approve(p.id, all.entries[0].id as string);
  assert.deepEqual((await list(p.id, "approved")).entries.map((e) => e.email), ["p5@example.com"]);
  assert.equal((await list(p.id, "waiting")).entries.length, 4);
  const first = await list(p.id, null, null, 2);
  assert.equal(first.entries.length, 2);
  assert.equal(first.next_before, first.entries[1].id);
  const second = await list(p.id, null, first.next_before, 2);
  const third = await list(p.id, null, second.next_before, 2);
  assert.deepEqual(
    [...first.entries, ...second.entries, ...third.entries].map((e) => e.id),
    all.entries.map((e) => e.id),
  );
  assert.equal(third.next_before, null);
  await rejectsAs(list(p.id, "pending"), "validation_failed", /status/);
  await rejectsAs(list(p.id, null, null, 0), "validation_failed");
  await rejectsAs(list(p.id, null, "wle_aaaaaaaaaaaaaaaaaaaaaaaa"), "validation_failed", /before/);
  // Another project's entry is no cursor here, and its entries are not listed.
  await rejectsAs(list(other.id, null, all.entries[0].id as string), "validation_failed", /before/);
  assert.equal((await list(other.id)).entries.some((e) => e.email === "p1@example.com"), false);
});

Deno.test("api.list_waitlist — only the project's current environment", async () => {
  const p = await seedProject(db.sql, { name: "Live", settings: waitlistMode });
  await join(p.id, "sandbox@example.com");
  await db.sql`update astapa.projects set mode = 'production' where id = ${p.id}`;
  assert.equal((await list(p.id)).entries.length, 0);
  await join(p.id, "sandbox@example.com"); // a new entry: production's
  const [entry] = (await list(p.id)).entries;
  assert.equal(entry.environment, "production");
  assert.equal((await rows(p.id)).length, 2);
});

Deno.test("api.approve_waitlist_entry — approves, mails the entry's own address once, audits; again changes nothing", async () => {
  await join(project.id, "mail-me@example.com");
  const id = (await entryOf(project.id, "mail-me@example.com")).id as string;
  const approved = await approve(project.id, id, { ...mail, to: "someone-else@example.com" });
  assert.equal(approved.status, "approved");
  assert.ok(approved.decided_at);
  const again = await approve(project.id, id, mail);
  assert.deepEqual(again, approved);
  assert.deepEqual((await outbox(project.id, "mail-me@example.com")).map((m) => m.kind), [
    "waitlist_approved",
  ]);
  assert.equal((await outbox(project.id, "someone-else@example.com")).length, 0);
  const audits = await db
    .sql`select action from astapa.audit_log where project_id = ${project.id} and target = ${id}`;
  assert.deepEqual(audits.map((a) => a.action), ["waitlist.approved"]);
  await rejectsAs(
    approve(project.id, id.replace(/.$/, "a") === id ? id.replace(/.$/, "b") : id.replace(/.$/, "a")),
    "not_found",
  );
});

Deno.test("api.approve_waitlist_entry / decline — another project's entry is not found, and unchanged", async () => {
  await join(other.id, "theirs@example.com");
  const id = (await entryOf(other.id, "theirs@example.com")).id as string;
  await rejectsAs(approve(project.id, id, mail), "not_found");
  await rejectsAs(decline(project.id, id), "not_found");
  // api.waitlist_entry: the entry to its own project, nothing to another.
  assert.equal(
    (await as<Json>(other.id, (tx) => tx`select api.waitlist_entry(${id})`)).email,
    "theirs@example.com",
  );
  assert.equal(await as<Json | null>(project.id, (tx) => tx`select api.waitlist_entry(${id})`), null);
  assert.equal((await entryOf(other.id, "theirs@example.com")).status, "waiting");
  assert.equal((await outbox(project.id, "theirs@example.com")).length, 0);
});

Deno.test("api.decline_waitlist_entry — declines (no mail), audited once; a declined entry may be approved later", async () => {
  await join(project.id, "later@example.com");
  const id = (await entryOf(project.id, "later@example.com")).id as string;
  assert.equal((await decline(project.id, id)).status, "declined");
  assert.equal((await decline(project.id, id)).status, "declined");
  assert.equal((await outbox(project.id, "later@example.com")).length, 0);
  const audits = await db
    .sql`select action from astapa.audit_log where project_id = ${project.id} and target = ${id}`;
  assert.deepEqual(audits.map((a) => a.action), ["waitlist.declined"]);
  assert.equal((await approve(project.id, id)).status, "approved");
});

Deno.test("astapa.sign_up_refusal waitlist — only an approved address of the current environment; domains still apply", async () => {
  const p = await seedProject(db.sql, { name: "Antri", settings: waitlistMode });
  assert.deepEqual(await refusal(p.id, "nobody@example.com"), { reason: "waitlist" });
  assert.deepEqual(await refusal(p.id, null), { reason: "waitlist" });
  await join(p.id, "Wait@Example.com");
  assert.deepEqual(await refusal(p.id, "wait@example.com"), { reason: "waitlist" });
  const id = (await entryOf(p.id, "wait@example.com")).id as string;
  await approve(p.id, id);
  assert.equal(await refusal(p.id, " WAIT@example.com "), null);
  await decline(p.id, id);
  assert.deepEqual(await refusal(p.id, "wait@example.com"), { reason: "waitlist" });
  await approve(p.id, id);
  // Approved in another project: no use here.
  assert.deepEqual(await refusal(other.id, "wait@example.com"), { reason: "waitlist" });
  await as(
    p.id,
    (tx) =>
      tx`select api.update_project_settings(${p.id}, ${
        tx.json({ sign_up: { mode: "waitlist", blocked_domains: ["example.com"] } } as never)
      })`,
  );
  assert.deepEqual(await refusal(p.id, "wait@example.com"), { reason: "domain", domain: "example.com" });
  await as(
    p.id,
    (tx) =>
      tx`select api.update_project_settings(${p.id}, ${
        tx.json({ sign_up: { blocked_domains: null } } as never)
      })`,
  );
  // Approved in sandbox; the project went live: its production sign-ups need a production approval.
  await db.sql`update astapa.projects set mode = 'production' where id = ${p.id}`;
  assert.deepEqual(await refusal(p.id, "wait@example.com"), { reason: "waitlist" });
});

Deno.test("astapa.assert_sign_up_allowed waitlist — AS4N4 sign_up_refused; api.sign_up_user writes nothing, then works once approved", async () => {
  const p = await seedProject(db.sql, { name: "Antri", settings: waitlistMode });
  const signUp = (email: string) =>
    as<Json>(
      p.id,
      (tx) => tx`select api.sign_up_user(${p.id}, ${email}, '$argon2id$v=19$m=19456,t=2,p=1$x$y')`,
    );
  await join(p.id, "rina@example.com");
  await rejectsAs(signUp("rina@example.com"), "sign_up_refused", /waitlist/);
  const error = await signUp("rina@example.com").catch((e) => e);
  assert.equal(error.code, "AS4N4");
  assert.equal(
    (await db.sql`select count(*)::int as n from astapa.users where project_id = ${p.id}`)[0].n,
    0,
  );
  await approve(p.id, (await entryOf(p.id, "rina@example.com")).id as string);
  assert.ok((await signUp("rina@example.com")).id);
  // The entry stays approved after the account is made (history).
  assert.equal((await entryOf(p.id, "rina@example.com")).status, "approved");
  // The project's own calls are never restricted.
  assert.ok(await seedUser(db.sql, p.id, "imported@example.com"));
});

Deno.test("api.update_project_settings sign_up — mode waitlist is stored; an unknown mode names the four", async () => {
  const p = await seedProject(db.sql, { name: "Mode" });
  const saved = await as<Json>(
    p.id,
    (tx) => tx`select api.update_project_settings(${p.id}, ${tx.json(waitlistMode as never)})`,
  );
  assert.deepEqual((saved.settings as Json).sign_up, { mode: "waitlist" });
  await rejectsAs(
    as(
      p.id,
      (tx) =>
        tx`select api.update_project_settings(${p.id}, ${tx.json({ sign_up: { mode: "queue" } } as never)})`,
    ),
    "validation_failed",
    /open, invitation, waitlist or closed/,
  );
});

Deno.test("waitlist_entries policies — the owner project reads and writes its entries; another project and no project see none", async () => {
  await join(project.id, "policy@example.com");
  const count = (projectId: string | null) =>
    asApp(db.sql, projectId, async (tx) =>
      (await tx`select count(*)::int as n from astapa.waitlist_entries
      where email = 'policy@example.com'`)[0].n as number);
  assert.equal(await count(project.id), 1);
  assert.equal(await count(other.id), 0);
  assert.equal(await count(null), 0);
  const changed = (projectId: string | null) =>
    asApp(db.sql, projectId, async (tx) =>
      (await tx`update astapa.waitlist_entries set status = 'declined',
      decided_at = now() where email = 'policy@example.com' returning 1`).length);
  assert.equal(await changed(other.id), 0);
  assert.equal(await changed(null), 0);
  assert.equal(await changed(project.id), 1);
  await rejectsAs(
    asApp(db.sql, other.id, (tx) =>
      tx`insert into astapa.waitlist_entries (project_id, email, environment)
      values (${project.id}, 'sneak@example.com', 'sandbox')`),
    "forbidden",
  );
});
