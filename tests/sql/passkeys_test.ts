/**
 * db/api/passkeys.sql: challenges open once and briefly per project and purpose, registration bound to a recent
 * session of the person, credentials per project, the sign counter only forwards (a clone is marked and
 * refused for good), renaming and removing one's own, refusals audited, and the policies of the two new tables
 * tried as the owner project, another project and no project.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import {
  addPasskey,
  type NewPasskey,
  ownPasskeys,
  passkeyForgotten,
  passkeyForSignIn,
  passkeyRefused,
  removeOwnPasskey,
  renameOwnPasskey,
  startPasskeyChallenge,
  takePasskeyChallenge,
  usePasskey,
} from "@/db/passkeys.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);
const other = await seedProject(db.sql);
/** The removal's notice as these tests compose it: the name SQL answered, where the mail would put it. */
const NOTICE = (name: string) => ({
  template: "passkey_removed",
  subject: "Removed",
  text: `Removed: ${name}`,
});

/** A live session for `user`; `minutesAgo` makes it that old (adding and removing need one under 10). */
async function session(user: string, name: string, minutesAgo = 0, projectId = project.id) {
  const hash = await sha256(name);
  await asApp(db.sql, projectId, (tx) => tx`select api.start_login_session(${user}, ${hash}, 3600, '{pwd}')`);
  if (minutesAgo) {
    await db.sql`update astapa.login_sessions set created_at = now() - make_interval(mins => ${minutesAgo})
      where token_hash = ${hash}`;
  }
  return hash;
}

const key = (id: number, name = "Laptop"): NewPasskey => ({
  credentialId: new Uint8Array(16).fill(id),
  publicKey: new Uint8Array([1, 2, 3]),
  signCount: 0,
  transports: ["internal"],
  deviceType: "singleDevice",
  backedUp: false,
  name,
});

async function registered(email: string, id: number) {
  const user = await seedUser(db.sql, project.id, email);
  const hash = await session(user, `${email}-session`);
  await addPasskey(db.sql, project.id, hash, user, key(id));
  return { user, hash };
}

Deno.test("api.take_passkey_challenge — once, before it expires, for its purpose and project only", async () => {
  const challenge = await sha256("sign-in-challenge");
  await startPasskeyChallenge(db.sql, project.id, challenge, "sign_in");
  assert.equal(await takePasskeyChallenge(db.sql, other.id, challenge, "sign_in"), null, "another project");
  assert.equal(
    await takePasskeyChallenge(db.sql, project.id, challenge, "register"),
    null,
    "another purpose",
  );
  assert.deepEqual(await takePasskeyChallenge(db.sql, project.id, challenge, "sign_in"), { user_id: null });
  assert.equal(await takePasskeyChallenge(db.sql, project.id, challenge, "sign_in"), null, "used up");
  const stale = await sha256("stale-challenge");
  await startPasskeyChallenge(db.sql, project.id, stale, "sign_in");
  await db.sql`update astapa.webauthn_challenges set created_at = now() - interval '6 minutes',
    expires_at = now() - interval '1 minute' where challenge_hash = ${stale}`;
  assert.equal(await takePasskeyChallenge(db.sql, project.id, stale, "sign_in"), null, "expired");
  await rejectsAs(
    startPasskeyChallenge(db.sql, project.id, await sha256("x"), "other" as "sign_in"),
    "validation_failed",
  );
});

Deno.test("api.start_passkey_challenge — registering needs a live session from the last 10 minutes", async () => {
  const user = await seedUser(db.sql, project.id, "register@example.com");
  await rejectsAs(
    startPasskeyChallenge(db.sql, project.id, await sha256("r1"), "register", await sha256("no-session")),
    "forbidden",
  );
  const old = await session(user, "register-old", 11);
  await rejectsAs(
    startPasskeyChallenge(db.sql, project.id, await sha256("r2"), "register", old),
    "forbidden",
  );
  const fresh = await session(user, "register-fresh");
  await rejectsAs(
    startPasskeyChallenge(db.sql, other.id, await sha256("r3"), "register", fresh),
    "forbidden",
    /10 minutes/,
  );
  await startPasskeyChallenge(db.sql, project.id, await sha256("r4"), "register", fresh);
  assert.deepEqual(await takePasskeyChallenge(db.sql, project.id, await sha256("r4"), "register"), {
    user_id: user,
  });
});

Deno.test("api.start_passkey_challenge — at most per_minute from one address, across projects", async () => {
  const third = await seedProject(db.sql); // the policy test below expects `other` to hold no challenges
  const limit = { address: "203.0.113.77", perMinute: 3 };
  const open = (name: string, projectId = project.id) =>
    sha256(name).then((hash) => startPasskeyChallenge(db.sql, projectId, hash, "sign_in", null, limit));
  assert.equal(await open("limited-1"), 0);
  assert.equal(await open("limited-2"), 0);
  assert.equal(await open("limited-3", third.id), 0);
  const wait = await open("limited-4", third.id);
  assert.ok(wait > 0 && wait <= 60, `waits the rest of the minute (${wait})`);
  assert.equal(await takePasskeyChallenge(db.sql, third.id, await sha256("limited-4"), "sign_in"), null);
  assert.deepEqual(await takePasskeyChallenge(db.sql, third.id, await sha256("limited-3"), "sign_in"), {
    user_id: null,
  });
  const elsewhere = { address: "203.0.113.78", perMinute: 3 };
  const hash = await sha256("limited-elsewhere");
  assert.equal(await startPasskeyChallenge(db.sql, project.id, hash, "sign_in", null, elsewhere), 0);
  await db.sql`update astapa.rate_limits set window_start = now() - interval '61 seconds'
    where bucket = ${"passkey_options:address:" + limit.address}`;
  assert.equal(await open("limited-5"), 0, "a new minute opens again");
});

Deno.test("api.add_passkey — the recent session's own person; a credential once per project; audited", async () => {
  const user = await seedUser(db.sql, project.id, "add@example.com");
  const someoneElse = await seedUser(db.sql, project.id, "else@example.com");
  const fresh = await session(user, "add-fresh");
  await rejectsAs(addPasskey(db.sql, project.id, fresh, someoneElse, key(1)), "forbidden");
  await rejectsAs(
    addPasskey(db.sql, project.id, await session(user, "add-old", 11), user, key(1)),
    "forbidden",
  );
  await addPasskey(db.sql, project.id, fresh, user, key(1, "Telepon"));
  await rejectsAs(addPasskey(db.sql, project.id, fresh, user, key(1)), "conflict", /registered already/);
  const own = await ownPasskeys(db.sql, project.id, fresh);
  assert.equal(own?.user_id, user);
  assert.equal(own?.user_name, "add@example.com");
  assert.equal(own?.recent, true);
  assert.deepEqual(own?.passkeys.map((k) => [k.id, k.name, k.synced, k.last_used_at]), [
    ["01".repeat(16), "Telepon", false, null],
  ]);
  assert.equal((await ownPasskeys(db.sql, project.id, await session(user, "add-later", 20)))?.recent, false);
  assert.equal(await ownPasskeys(db.sql, project.id, await sha256("nobody")), null);
  // A person who signed up by phone has no email: the passkey is named by the number.
  await db.sql`update astapa.users set email = null, phone_number = '+6281234567890'
               where project_id = ${project.id} and id = ${user}`;
  assert.equal((await ownPasskeys(db.sql, project.id, fresh))?.user_name, "+6281234567890");
  const [entry] = await db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.passkey_added' and target = ${`user:${user}`}`;
  assert.deepEqual(entry.details, { name: "Telepon", synced: false });
});

Deno.test("api.passkey_for_sign_in — this project's credential of an enabled user only", async () => {
  const { user } = await registered("lookup@example.com", 2);
  const found = await passkeyForSignIn(db.sql, project.id, key(2).credentialId);
  assert.deepEqual(found, { user_id: user, public_key: "010203", transports: ["internal"] });
  assert.equal(await passkeyForSignIn(db.sql, other.id, key(2).credentialId), null, "another project's");
  await db.sql`update astapa.users set disabled = true where project_id = ${project.id} and id = ${user}`;
  assert.equal(await passkeyForSignIn(db.sql, project.id, key(2).credentialId), null, "a disabled user's");
});

Deno.test("api.passkey_forgotten — only a credential this project's user had and no longer has", async () => {
  const { user } = await registered("forgotten@example.com", 40);
  const kept = key(40).credentialId;
  const gone = new Uint8Array(16).fill(41);
  assert.equal(await passkeyForgotten(db.sql, project.id, kept, user), false, "still stored");
  assert.equal(
    await passkeyForgotten(db.sql, project.id, gone, user),
    true,
    "this project's user, no such key",
  );
  // The deployment's RP ID is every project's: a key of another project's user is never called forgotten here.
  const stranger = await seedUser(db.sql, other.id, "stranger@example.com");
  assert.equal(await passkeyForgotten(db.sql, project.id, gone, stranger), false, "another project's user");
  assert.equal(await passkeyForgotten(db.sql, project.id, gone, "not-a-user-id"), false, "no such user");
  assert.equal(await passkeyForgotten(db.sql, project.id, gone, "9".repeat(30)), false, "past any bigint");
  // A disabled person's key is kept for when they are enabled again.
  await db.sql`update astapa.users set disabled = true where project_id = ${project.id} and id = ${user}`;
  assert.equal(await passkeyForgotten(db.sql, project.id, kept, user), false, "a disabled user's");
});

Deno.test("api.use_passkey — the counter only moves forwards; a clone is marked, audited and refused for good", async () => {
  const { user } = await registered("counter@example.com", 3);
  const id = key(3).credentialId;
  // Authenticators without a counter send 0 every time: nothing to compare, accepted.
  assert.deepEqual(await usePasskey(db.sql, project.id, id, 0, false), {
    accepted: true,
    user_id: user,
    synced: false,
  });
  assert.equal((await usePasskey(db.sql, project.id, id, 0, true)).accepted, true);
  assert.equal((await usePasskey(db.sql, project.id, id, 7, true)).accepted, true);
  assert.deepEqual(await usePasskey(db.sql, project.id, id, 7, true), { accepted: false, reason: "cloned" });
  assert.deepEqual(await usePasskey(db.sql, project.id, id, 50, true), { accepted: false, reason: "cloned" });
  assert.deepEqual(await usePasskey(db.sql, other.id, id, 51, true), { accepted: false, reason: "unknown" });
  const [row] = await db.sql`select sign_count, backed_up, cloned_at, last_used_at from astapa.passkeys
    where project_id = ${project.id} and credential_id = ${id}`;
  assert.equal(Number(row.sign_count), 7);
  assert.equal(row.backed_up, true);
  assert.ok(row.cloned_at && row.last_used_at);
  const [entry] = await db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.passkey_cloned'`;
  assert.deepEqual(entry.details, { name: "Laptop", stored_count: 7, presented_count: 7 });
});

Deno.test("api.rename_passkey and api.remove_passkey — one's own only; removing needs a recent sign-in and answers the name", async () => {
  const { user, hash } = await registered("change@example.com", 4);
  const intruder = await registered("intruder@example.com", 5);
  const id = key(4).credentialId;
  await rejectsAs(renameOwnPasskey(db.sql, project.id, intruder.hash, id, "Mine now"), "not_found");
  await rejectsAs(removeOwnPasskey(db.sql, project.id, intruder.hash, id, NOTICE), "not_found");
  await renameOwnPasskey(db.sql, project.id, hash, id, "Kantor");
  const later = await session(user, "change-later", 30);
  await renameOwnPasskey(db.sql, project.id, later, id, "Rumah");
  await rejectsAs(removeOwnPasskey(db.sql, project.id, later, id, NOTICE), "forbidden", /10 minutes/);
  assert.deepEqual((await ownPasskeys(db.sql, project.id, hash))?.passkeys.map((k) => k.name), ["Rumah"]);
  assert.equal(await removeOwnPasskey(db.sql, project.id, hash, id, NOTICE), "Rumah");
  assert.deepEqual((await ownPasskeys(db.sql, project.id, hash))?.passkeys, []);
  await rejectsAs(removeOwnPasskey(db.sql, project.id, hash, id, NOTICE), "not_found");
  const [entry] = await db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.passkey_removed' and target = ${`user:${user}`}`;
  assert.deepEqual(entry.details, { name: "Rumah" });
  // Mailed once, for the removal that happened (the refused ones queued nothing), naming the key.
  const mails = await db.sql`select kind, body_text from astapa.mail_outbox where project_id = ${project.id}
    and to_address = 'change@example.com'`;
  assert.deepEqual(mails.map((m) => [m.kind, m.body_text]), [["passkey_removed", "Removed: Rumah"]]);
});

Deno.test("api.remove_passkey — a person's last way in stays: refused with AS409, the key kept, nothing mailed", async () => {
  const keyed = await seedProject(db.sql, { settings: { passkeys: true } });
  const user = await seedUser(db.sql, keyed.id, "last-key@example.com");
  const hash = await session(user, "last-key-session", 0, keyed.id);
  await addPasskey(db.sql, keyed.id, hash, user, key(21, "Phone"));
  await addPasskey(db.sql, keyed.id, hash, user, key(22, "Laptop"));
  const names = async () => (await ownPasskeys(db.sql, keyed.id, hash))?.passkeys.map((k) => k.name).sort();
  // Two keys: either may go. The last one (no password, no email code) may not.
  assert.equal(await removeOwnPasskey(db.sql, keyed.id, hash, key(22).credentialId, NOTICE), "Laptop");
  await rejectsAs(
    removeOwnPasskey(db.sql, keyed.id, hash, key(21).credentialId, NOTICE),
    "conflict",
    /only way you can sign in/,
  );
  assert.deepEqual(await names(), ["Phone"]);
  const mails = await db.sql`select body_text from astapa.mail_outbox where project_id = ${keyed.id}`;
  assert.deepEqual(mails.map((m) => m.body_text), ["Removed: Laptop"], "the refused removal mailed nothing");
});

Deno.test("api.passkey_refused — audits the reason and the address in the current project", async () => {
  await passkeyRefused(db.sql, project.id, "challenge_not_open", { address: "203.0.113.9" });
  const [entry] = await db.sql`select actor, details from astapa.audit_log where project_id = ${project.id}
    and action = 'sign_in.passkey_refused'`;
  assert.deepEqual(entry.details, { address: "203.0.113.9", reason: "challenge_not_open" });
});

Deno.test("api.add_passkey and api.remove_passkey — the app hears user.passkey_added and user.passkey_removed", async () => {
  const { user, hash } = await registered("events@example.com", 8);
  await removeOwnPasskey(db.sql, project.id, hash, new Uint8Array(16).fill(8), NOTICE);
  const events = await db.sql`select type, data from astapa.events where project_id = ${project.id}
    and type like 'user.passkey_%' and data -> 'user' ->> 'id' = ${user} order by id`;
  assert.deepEqual(events.map((e) => [e.type, e.data.passkey, e.data.user.email]), [
    ["user.passkey_added", { name: "Laptop", synced: false }, "events@example.com"],
    ["user.passkey_removed", { name: "Laptop" }, "events@example.com"],
  ]);
  const [subscribable] = await db.sql`select astapa.webhook_event_types() as types`;
  assert.ok(
    subscribable.types.includes("user.passkey_added") && subscribable.types.includes("user.passkey_removed"),
  );
});

Deno.test("passkeys policies — rows are seen by their own project only", async () => {
  const { user } = await registered("policy@example.com", 6);
  await startPasskeyChallenge(db.sql, project.id, await sha256("policy-challenge"), "sign_in");
  for (const table of ["passkeys", "webauthn_challenges"]) {
    const count = (projectId: string | null) =>
      appValue<number>(db.sql, projectId, (tx) => tx`select count(*)::int from ${tx("astapa")}.${tx(table)}`);
    assert.ok(await count(project.id) > 0, table);
    assert.equal(await count(other.id), 0, table);
    assert.equal(await count(null), 0, table);
  }
  // Another project cannot write a row into this one (the insert policy's check).
  await rejectsAs(
    asApp(
      db.sql,
      other.id,
      (tx) =>
        tx`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type, backed_up, name)
        values (${project.id}, ${new Uint8Array(16).fill(9)}, ${user}, ${new Uint8Array([1])}, 'singleDevice',
          false, 'x')`,
    ),
    "forbidden",
  );
});

Deno.test("api.update_project_settings — passkeys and passkey_upgrade are true or false; anything else is AS400 with the reason", async () => {
  const update = (value: unknown, key = "passkeys") =>
    asApp(
      db.sql,
      other.id,
      (tx) =>
        tx`select api.update_project_settings(${other.id}, ${
          JSON.stringify({ [key]: value })
        }::text::jsonb) -> 'settings' as s`,
    );
  const [saved] = await update(true);
  assert.equal(saved.s.passkeys, true);
  await rejectsAs(update("yes"), "validation_failed", /passkeys must be true or false/);
  const [upgraded] = await update(true, "passkey_upgrade");
  assert.equal(upgraded.s.passkey_upgrade, true);
  await rejectsAs(update(1, "passkey_upgrade"), "validation_failed", /passkey_upgrade must be true or false/);
});

Deno.test("api.update_project_settings — passwords off only while email codes or passkeys are on", async () => {
  const quiet = await seedProject(db.sql);
  const update = (changes: Record<string, unknown>) =>
    asApp(
      db.sql,
      quiet.id,
      (tx) =>
        tx`select api.update_project_settings(${quiet.id}, ${JSON.stringify(changes)}::text::jsonb)
          -> 'settings' as s`,
    );
  await rejectsAs(update({ passwords: "no" }), "validation_failed", /passwords must be true or false/);
  await rejectsAs(update({ passwords: false }), "validation_failed", /email codes or passkeys are on/);
  const [both] = await update({ passwords: false, email_codes: true });
  assert.deepEqual([both.s.passwords, both.s.email_codes], [false, true]);
  await rejectsAs(update({ email_codes: null }), "validation_failed", /email codes or passkeys are on/);
  const [swapped] = await update({ passkeys: true, email_codes: null });
  assert.deepEqual([swapped.s.passwords, swapped.s.passkeys, swapped.s.email_codes], [
    false,
    true,
    undefined,
  ]);
  await rejectsAs(update({ passkeys: false }), "validation_failed", /email codes or passkeys are on/);
  const [back] = await update({ passwords: null, passkeys: null });
  assert.deepEqual([back.s.passwords, back.s.passkeys], [undefined, undefined]);
});

Deno.test("astapa.passkey_session_impersonated — an impersonation's fresh session neither registers nor removes a key (AS4I0)", async () => {
  const { user, hash } = await registered("impersonated@example.com", 41);
  const token = await sha256("impersonation-link");
  await asApp(
    db.sql,
    project.id,
    (tx) =>
      tx`select api.create_impersonation(${project.id}, ${user}::bigint, 'support:ana', 'why', 15, ${token})`,
  );
  const support = await sha256("impersonation-session");
  await asApp(db.sql, project.id, (tx) => tx`select api.open_impersonation(${token}, ${support})`);
  const impersonated = (session: Uint8Array) =>
    appValue<boolean>(db.sql, project.id, (tx) => tx`select astapa.passkey_session_impersonated(${session})`);
  assert.deepEqual([await impersonated(support), await impersonated(hash)], [true, false]);
  assert.equal(
    await appValue<boolean>(
      db.sql,
      other.id,
      (tx) => tx`select astapa.passkey_session_impersonated(${support})`,
    ),
    false,
    "another project's view",
  );
  const own = await ownPasskeys(db.sql, project.id, support);
  assert.deepEqual([own?.recent, own?.impersonated], [false, true], "opened a minute ago, yet never recent");
  await rejectsAs(
    startPasskeyChallenge(db.sql, project.id, await sha256("r-imp"), "register", support),
    "impersonated",
  );
  await rejectsAs(
    removeOwnPasskey(db.sql, project.id, support, key(41).credentialId, NOTICE),
    "impersonated",
  );
  assert.deepEqual((await ownPasskeys(db.sql, project.id, hash))?.passkeys.map((k) => k.name), ["Laptop"]);
  assert.equal((await ownPasskeys(db.sql, project.id, hash))?.impersonated, false);
});
