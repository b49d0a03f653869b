/**
 * db/api/passkeys.sql for the dashboard's user page: api.user_passkeys lists one user's passkeys of the current
 * project and environment (never a public key); api.remove_user_passkey removes one of that user's, audited as
 * the developer with by admin, emitted as the person's own removal is, and mailed; another user's, another
 * project's or another environment's credential is refused (AS404) and left alone.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { removeUserPasskey, userPasskeys } from "@/db/passkeys.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedPasskey as seedKey, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql, { name: "Toko" });
const other = await seedProject(db.sql, { name: "Other" });

/** The notice as these tests compose it from the name SQL answers. */
const MAIL = (name: string) => ({
  template: "passkey_removed",
  subject: "A passkey was removed",
  text: `Gone: ${name}`,
});
const credential = (n: number) => new Uint8Array(16).fill(n);
const hex = (n: number) => n.toString(16).padStart(2, "0").repeat(16);

const seedPasskey = (projectId: string, userId: string, n: number, fields?: Parameters<typeof seedKey>[4]) =>
  seedKey(db.sql, projectId, userId, n, fields);

const asProject = <T>(projectId: string, work: (tx: Tx) => Promise<T>) =>
  asApp(db.sql, projectId, work, { actor: "account:42" });

const stored = async (n: number) =>
  Number(
    (await db.sql`select count(*) from astapa.passkeys where credential_id = ${credential(n)}`)[0].count,
  );

Deno.test("api.user_passkeys — the user's own passkeys, oldest first, with their state and never a key", async () => {
  const user = await seedUser(db.sql, project.id, "list@example.com");
  const neighbour = await seedUser(db.sql, project.id, "neighbour@example.com");
  await seedPasskey(project.id, user, 1, { name: "Laptop", ageDays: 3 });
  await seedPasskey(project.id, user, 2, { name: "Phone", synced: true, ageDays: 1 });
  await seedPasskey(project.id, neighbour, 3);
  await db.sql`update astapa.passkeys set last_used_at = now(), cloned_at = now()
    where credential_id = ${credential(2)}`;
  const listed = await asProject(project.id, (tx) => userPasskeys(tx, project.id, user));
  assert.deepEqual(listed.map((k) => [k.id, k.name, k.synced, k.backed_up]), [
    [hex(1), "Laptop", false, false],
    [hex(2), "Phone", true, true],
  ]);
  assert.equal(listed[0].last_used_at, null);
  assert.equal(listed[0].cloned_at, null);
  assert.ok(listed[1].last_used_at && listed[1].cloned_at);
  assert.ok(new Date(listed[0].created_at) < new Date(listed[1].created_at));
  assert.doesNotMatch(JSON.stringify(listed), /deadbeef|public_key|sign_count/);
  // astapa.passkey_json, as SQL answers it (before any parsing): these fields and no other.
  const [raw] = await asProject(
    project.id,
    (tx) => tx`select api.user_passkeys(${project.id}, ${user}) as list`,
  );
  assert.deepEqual(Object.keys(raw.list[0]).sort(), [
    "backed_up",
    "cloned_at",
    "created_at",
    "id",
    "last_used_at",
    "name",
    "synced",
    "transports",
  ]);
  const none = await seedUser(db.sql, project.id, "none@example.com");
  assert.deepEqual(await asProject(project.id, (tx) => userPasskeys(tx, project.id, none)), []);
});

Deno.test("api.user_passkeys — another project's user, or acting for another project, is AS404", async () => {
  const foreign = await seedUser(db.sql, other.id, "foreign@example.com");
  await seedPasskey(other.id, foreign, 4);
  const mine = await seedUser(db.sql, project.id, "mine@example.com");
  await seedPasskey(project.id, mine, 5);
  // Naming the other project's user from this project: RLS hides it.
  await rejectsAs(asProject(project.id, (tx) => userPasskeys(tx, other.id, foreign)), "not_found");
  await rejectsAs(asProject(project.id, (tx) => userPasskeys(tx, project.id, foreign)), "not_found");
  // Acting for the other project and naming this one's user.
  await rejectsAs(asProject(other.id, (tx) => userPasskeys(tx, project.id, mine)), "not_found");
  await rejectsAs(asProject(other.id, (tx) => userPasskeys(tx, other.id, mine)), "not_found");
  // No project at all.
  await rejectsAs(asApp(db.sql, null, (tx) => userPasskeys(tx, project.id, mine)), "not_found");
});

Deno.test("api.user_passkeys — a user of the other environment is AS404, like the rest of the user page", async () => {
  const live = await seedUser(db.sql, project.id, "live@example.com");
  await seedPasskey(project.id, live, 6);
  await db.sql`update astapa.users set environment = 'production' where project_id = ${project.id}
    and id = ${live}::bigint`;
  await rejectsAs(asProject(project.id, (tx) => userPasskeys(tx, project.id, live)), "not_found");
  await rejectsAs(
    asProject(project.id, (tx) => removeUserPasskey(tx, project.id, live, credential(6), MAIL)),
    "not_found",
  );
  assert.equal(await stored(6), 1);
});

Deno.test("api.remove_user_passkey — removes the user's passkey; audited by admin, emitted, mailed", async () => {
  const user = await seedUser(db.sql, project.id, "remove@example.com");
  await seedPasskey(project.id, user, 7, { name: "YubiKey" });
  await seedPasskey(project.id, user, 8, { name: "Spare" });
  const removed = await asProject(
    project.id,
    (tx) => removeUserPasskey(tx, project.id, user, credential(7), MAIL),
  );
  assert.deepEqual(removed, { name: "YubiKey", mailed: true });
  assert.deepEqual(
    (await asProject(project.id, (tx) => userPasskeys(tx, project.id, user))).map((k) => k.name),
    ["Spare"],
  );
  const [audit] = await db.sql`select actor, details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.passkey_removed' and target = ${`user:${user}`}`;
  assert.deepEqual({ ...audit }, { actor: "account:42", details: { name: "YubiKey", by: "admin" } });
  const events = await db.sql`select data from astapa.events where project_id = ${project.id}
    and type = 'user.passkey_removed' and data -> 'user' ->> 'id' = ${user}`;
  assert.deepEqual(events.map((e) => [e.data.passkey, e.data.user.email]), [
    [{ name: "YubiKey" }, "remove@example.com"],
  ]);
  const mail = await db.sql`select to_address, kind, subject, body_text from astapa.mail_outbox
    where project_id = ${project.id} and to_address = 'remove@example.com'`;
  assert.deepEqual(mail.map((m) => ({ ...m })), [
    {
      to_address: "remove@example.com",
      kind: "passkey_removed",
      subject: "A passkey was removed",
      body_text: "Gone: YubiKey",
    },
  ]);
  // Gone means gone: a second removal is refused with the reason.
  await rejectsAs(
    asProject(project.id, (tx) => removeUserPasskey(tx, project.id, user, credential(7), MAIL)),
    "not_found",
    /no such passkey/,
  );
});

Deno.test("api.remove_user_passkey — another user's, another project's or an unknown credential is AS404 and stays", async () => {
  const owner = await seedUser(db.sql, project.id, "keyowner@example.com");
  const bystander = await seedUser(db.sql, project.id, "bystander@example.com");
  await seedPasskey(project.id, owner, 9);
  const foreign = await seedUser(db.sql, other.id, "foreign.owner@example.com");
  await seedPasskey(other.id, foreign, 10);
  const audited = async () =>
    Number(
      (await db.sql`select count(*) from astapa.audit_log where action = 'user.passkey_removed'`)[0].count,
    );
  const before = await audited();
  // The right project, the wrong user: the credential is another person's.
  await rejectsAs(
    asProject(project.id, (tx) => removeUserPasskey(tx, project.id, bystander, credential(9), MAIL)),
    "not_found",
    /no such passkey/,
  );
  // Another project's credential named for this project's user, and its user named from here.
  await rejectsAs(
    asProject(project.id, (tx) => removeUserPasskey(tx, project.id, owner, credential(10), MAIL)),
    "not_found",
  );
  await rejectsAs(
    asProject(project.id, (tx) => removeUserPasskey(tx, other.id, foreign, credential(10), MAIL)),
    "not_found",
  );
  // Acting for the other project against this one's user.
  await rejectsAs(
    asProject(other.id, (tx) => removeUserPasskey(tx, project.id, owner, credential(9), MAIL)),
    "not_found",
  );
  await rejectsAs(
    asProject(project.id, (tx) => removeUserPasskey(tx, project.id, owner, credential(99), MAIL)),
    "not_found",
  );
  assert.equal(await stored(9), 1);
  assert.equal(await stored(10), 1);
  assert.equal(await audited(), before, "nothing audited");
});

Deno.test("api.remove_user_passkey — a user without an email address is not mailed (mailed: false)", async () => {
  const user = await seedUser(db.sql, project.id, "phone.only@example.com");
  await db.sql`update astapa.users set email = null, phone_number = '+6281234500001'
    where project_id = ${project.id} and id = ${user}::bigint`;
  await seedPasskey(project.id, user, 11);
  const outbox = async () => Number((await db.sql`select count(*) from astapa.mail_outbox`)[0].count);
  const before = await outbox();
  assert.deepEqual(
    await asProject(project.id, (tx) => removeUserPasskey(tx, project.id, user, credential(11), MAIL)),
    { name: "Key 11", mailed: false },
  );
  assert.equal(await outbox(), before);
});

Deno.test("api.user_ways_in — the user's methods, passkeys and factors as their own functions answer; AS404 outside the project or environment", async () => {
  const user = await seedUser(db.sql, project.id, "ways@example.com");
  await seedPasskey(project.id, user, 7, { name: "Laptop" });
  const ways = await asProject(
    project.id,
    async (tx) =>
      (await tx`select api.user_ways_in(${project.id}, ${user}::bigint) as ways,
                     api.user_sign_in_methods(${project.id}, ${user}::bigint) as methods,
                     api.user_passkeys(${project.id}, ${user}::bigint) as passkeys,
                     api.user_factors(${project.id}, ${user}::bigint) as factors`)[0],
  );
  assert.deepEqual(ways.ways, { methods: ways.methods, passkeys: ways.passkeys, factors: ways.factors });
  assert.deepEqual(ways.ways.passkeys.map((p: { name: string }) => p.name), ["Laptop"]);
  const text = JSON.stringify(ways.ways);
  assert.doesNotMatch(text, /public_key|secret|hash/i, "never a secret, key or hash");

  const foreign = await seedUser(db.sql, other.id, "ways@example.com");
  const waysIn = (acting: string | null, projectId: string, userId: string) =>
    asApp(db.sql, acting, (tx) => tx`select api.user_ways_in(${projectId}, ${userId}::bigint)`);
  await rejectsAs(waysIn(project.id, other.id, foreign), "not_found");
  await rejectsAs(waysIn(project.id, project.id, foreign), "not_found");
  await rejectsAs(waysIn(other.id, project.id, user), "not_found");
  await rejectsAs(waysIn(null, project.id, user), "not_found");
  await db.sql`update astapa.users set environment = 'production' where project_id = ${project.id}
    and id = ${user}::bigint`;
  await rejectsAs(waysIn(project.id, project.id, user), "not_found");
});
