/**
 * db/api/passkey_sign_ups.sql (and astapa.store_passkey in passkeys.sql): a sign-up code goes only to an
 * address with no account or an enabled account with no passkey, one live attempt per address, five tries
 * under a row lock, the right code makes the user verified, the register challenge and the first passkey land
 * only on a proven, live, unfinished attempt, once; the table's policies tried as the owner project, another
 * project and no project.
 */
import assert from "node:assert/strict";
import {
  finishPasskeySignUp,
  mailPasskeySignUpCode,
  provePasskeySignUp,
  startPasskeySignUpChallenge,
} from "@/db/passkey_sign_ups.ts";
import type { NewPasskey } from "@/db/passkeys.ts";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { claimNotice } from "@/lib/login/claimed_mail.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const settings = { passwords: false, passkeys: true };
const project = await seedProject(db.sql, { settings });
const other = await seedProject(db.sql, { settings });
const mail = { kind: "passkey_sign_up", subject: "Your code", body: "123456", html: "<p>123456</p>" };
const limit = { address: "198.51.100.7", perMinute: 30 };

async function send(email: string, token: string, code: string, projectId = project.id) {
  const hashes = { token: await sha256(token), code: await sha256(code) };
  return await mailPasskeySignUpCode(db.sql, projectId, email, hashes, mail);
}
const prove = async (token: string, code: string, projectId = project.id) =>
  await provePasskeySignUp(
    db.sql,
    projectId,
    await sha256(token),
    await sha256(code),
    claimNotice("en", "App", "passkey_sign_up"),
  );
const challenge = async (token: string, name: string, projectId = project.id) =>
  await startPasskeySignUpChallenge(db.sql, projectId, await sha256(token), await sha256(name), limit);

function key(byte: number): NewPasskey {
  return {
    credentialId: new Uint8Array(16).fill(byte),
    publicKey: new Uint8Array([1, 2, 3]),
    signCount: 0,
    transports: ["internal"],
    deviceType: "multiDevice",
    backedUp: true,
    name: "Ponsel",
  };
}

Deno.test("api.mail_passkey_sign_up_code — a new address or an account without a passkey; silence otherwise", async () => {
  const keyed = await seedUser(db.sql, project.id, "punya@example.com");
  await db.sql`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type,
    backed_up, name) values (${project.id}, ${new Uint8Array(16).fill(9)}, ${keyed}, '\\x01', 'multiDevice',
    true, 'Lama')`;
  const off = await seedUser(db.sql, project.id, "mati@example.com");
  await db.sql`update astapa.users set disabled = true where project_id = ${project.id} and id = ${off}`;
  await seedUser(db.sql, project.id, "tanpa@example.com");
  assert.equal(await send("punya@example.com", "t-a", "111111"), false);
  assert.equal(await send("mati@example.com", "t-b", "111111"), false);
  assert.equal(await send("not an address", "t-c", "111111"), false);
  assert.equal(await send("baru@example.com", "t-d", "111111"), true);
  assert.equal(await send(" Tanpa@Example.com ", "t-e", "111111"), true);
  const queued = await db.sql`select to_address, kind from astapa.mail_outbox where project_id = ${project.id}
    order by id`;
  assert.deepEqual(queued.map((m) => [m.to_address, m.kind]), [
    ["baru@example.com", "passkey_sign_up"],
    ["Tanpa@Example.com", "passkey_sign_up"],
  ]);
  // A new attempt for the address voids the one before it.
  assert.equal(await send("baru@example.com", "t-f", "222222"), true);
  assert.equal(await prove("t-d", "111111"), null);
  assert.ok(await prove("t-f", "222222"));
});

Deno.test("api.prove_passkey_sign_up — five wrong tries end the attempt; the right code makes the user verified, once", async () => {
  await send("coba@example.com", "t-g", "333333");
  for (let i = 0; i < 5; i++) assert.equal(await prove("t-g", "000000"), null);
  assert.equal(await prove("t-g", "333333"), null);
  assert.equal((await db.sql`select 1 from astapa.users where email = 'coba@example.com'`).length, 0);

  await send("dewi@example.com", "t-h", "444444");
  assert.equal(await prove("t-h", "444444", other.id), null, "another project's attempt is unknown");
  const proven = await prove("t-h", "444444");
  const [user] = await db
    .sql`select id::text, email_verified from astapa.users where email = 'dewi@example.com'`;
  assert.deepEqual(proven, { user_id: user.id });
  assert.equal(user.email_verified, true);
  assert.equal(await prove("t-h", "444444"), null, "once");
  const [audit] = await db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'sign_up.email_proven' and target = ${"user:" + user.id}`;
  assert.deepEqual(audit.details, { created: true });
});

Deno.test("api.prove_passkey_sign_up — an account without a passkey keeps its id and is verified", async () => {
  const existing = await seedUser(db.sql, project.id, "lama@example.com");
  await send("lama@example.com", "t-i", "555555");
  assert.deepEqual(await prove("t-i", "555555"), { user_id: existing });
  const [row] = await db.sql`select email_verified from astapa.users where id = ${existing}`;
  assert.equal(row.email_verified, true);
});

Deno.test("astapa.passkey_sign_up_open — a second factor, or a passkey gained since the mail, closes the mailbox path", async () => {
  const guarded = await seedUser(db.sql, project.id, "ganda@example.com");
  await db.sql`insert into astapa.user_factors (project_id, user_id, kind, secret_sealed, confirmed_at)
    values (${project.id}, ${guarded}, 'totp', '\\x00', now())`;
  assert.equal(
    await send("ganda@example.com", "t-o", "131313"),
    false,
    "a mailbox alone must not pass a factor",
  );

  const racing = await seedUser(db.sql, project.id, "kilat@example.com");
  assert.equal(await send("kilat@example.com", "t-p", "141414"), true);
  await db.sql`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type,
    backed_up, name) values (${project.id}, ${new Uint8Array(16).fill(5)}, ${racing}, '\\x01', 'multiDevice',
    true, 'Baru saja')`;
  assert.equal(await prove("t-p", "141414"), null, "it has a passkey now: the code proves nothing");
});

Deno.test("api.start_passkey_sign_up_challenge and api.finish_passkey_sign_up — a proven, live attempt, once", async () => {
  await send("eka@example.com", "t-j", "666666");
  await rejectsAs(challenge("t-j", "c-0"), "forbidden", /expired/);
  const proven = (await prove("t-j", "666666"))!;
  await rejectsAs(challenge("t-j", "c-1", other.id), "forbidden");
  assert.deepEqual(await challenge("t-j", "c-1"), {
    wait: 0,
    user_id: proven.user_id,
    user_name: "eka@example.com",
  });
  const [open] = await db.sql`select purpose, user_id::text from astapa.webauthn_challenges
    where challenge_hash = ${await sha256("c-1")}`;
  assert.deepEqual({ ...open }, { purpose: "register", user_id: proven.user_id });

  const tokenHash = await sha256("t-j");
  const someoneElse = await seedUser(db.sql, project.id, "lain@example.com");
  await rejectsAs(finishPasskeySignUp(db.sql, project.id, tokenHash, someoneElse, key(1)), "forbidden");
  await finishPasskeySignUp(db.sql, project.id, tokenHash, proven.user_id, key(1));
  const stored = await db.sql`select name, user_id::text from astapa.passkeys where credential_id = ${
    key(1).credentialId
  }`;
  assert.deepEqual(stored.map((r) => ({ ...r })), [{ name: "Ponsel", user_id: proven.user_id }]);
  const events = await db.sql`select type from astapa.events where project_id = ${project.id}
    and type = 'user.passkey_added'`;
  assert.equal(events.length, 1, "the app hears of the passkey");
  await rejectsAs(
    finishPasskeySignUp(db.sql, project.id, tokenHash, proven.user_id, key(2)),
    "forbidden",
    /expired/,
  );
  // A finished attempt opens no more challenges.
  await rejectsAs(challenge("t-j", "c-2"), "forbidden");
  // Now it has a passkey: signing up again with the address mails nothing.
  assert.equal(await send("eka@example.com", "t-k", "777777"), false);
});

Deno.test("api.finish_passkey_sign_up — a credential the project has already is a conflict; an expired attempt is refused", async () => {
  await send("fajar@example.com", "t-l", "888888");
  const proven = (await prove("t-l", "888888"))!;
  await rejectsAs(
    finishPasskeySignUp(db.sql, project.id, await sha256("t-l"), proven.user_id, key(1)),
    "conflict",
  );
  await db
    .sql`update astapa.passkey_sign_ups set created_at = now() - interval '1 hour', expires_at = now() - interval '1 minute'
    where token_hash = ${await sha256("t-l")}`;
  await rejectsAs(challenge("t-l", "c-3"), "forbidden");
  await rejectsAs(
    finishPasskeySignUp(db.sql, project.id, await sha256("t-l"), proven.user_id, key(3)),
    "forbidden",
  );
});

Deno.test("api.start_passkey_sign_up_challenge — counted in the address's options bucket", async () => {
  await send("gita@example.com", "t-m", "999999");
  await prove("t-m", "999999");
  const tight = { address: "203.0.113.9", perMinute: 1 };
  const hash = await sha256("t-m");
  const first = await startPasskeySignUpChallenge(db.sql, project.id, hash, await sha256("c-4"), tight);
  assert.equal(first.wait, 0);
  const second = await startPasskeySignUpChallenge(db.sql, project.id, hash, await sha256("c-5"), tight);
  assert.ok(second.wait > 0);
  assert.equal(
    (await db.sql`select 1 from astapa.webauthn_challenges where challenge_hash = ${await sha256("c-5")}`)
      .length,
    0,
  );
});

Deno.test("passkey_sign_ups policies — rows are seen by their own project only", async () => {
  await send("hana@example.com", "t-n", "121212");
  const count = (projectId: string | null) =>
    appValue<number>(db.sql, projectId, (tx) => tx`select count(*)::int from astapa.passkey_sign_ups`);
  assert.ok(await count(project.id) > 0);
  assert.equal(await count(other.id), 0);
  assert.equal(await count(null), 0);
  const forged = appValue(
    db.sql,
    other.id,
    (tx) =>
      tx`insert into astapa.passkey_sign_ups (project_id, token_hash, email, code_hash, expires_at)
      values (${project.id}, ${new Uint8Array(32)}, 'x@example.com', ${new Uint8Array(
        32,
      )}, now() + interval '1 minute')`,
  );
  await assert.rejects(forged, /row-level security/);
  const moved = await appValue<number>(
    db.sql,
    other.id,
    (tx) =>
      tx`with u as (update astapa.passkey_sign_ups set tries = 4 returning 1) select count(*)::int from u`,
  );
  assert.equal(moved, 0);
});

const listed = async (projectId = project.id) => {
  const [row] = await asApp(db.sql, projectId, (tx) => tx`select api.list_users(${projectId}) as r`);
  return (row.r as { email: string }[]).map((u) => u.email);
};
const searched = async (query: string) => {
  const [row] = await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.search_environment_users(${project.id}, ${query}) as r`,
  );
  return (row.r as { email: string }[]).map((u) => u.email);
};
const environmentListed = async () => {
  const [row] = await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.list_environment_users(${project.id}, 1000) as r`,
  );
  return (row.r as { email: string }[]).map((u) => u.email);
};
const sweep = () => asApp(db.sql, null, async (tx) => (await tx`select api.sweep_grants() as s`)[0].s);

Deno.test("users.awaiting_passkey_since — a sign-up's user is left out of user lists until its first passkey", async () => {
  await send("tunggu@example.com", "t-w1", "121212");
  const proven = (await prove("t-w1", "121212"))!;
  const [user] = await db.sql`select awaiting_passkey_since from astapa.users where id = ${proven.user_id}`;
  assert.ok(user.awaiting_passkey_since, "marked as awaiting its passkey");
  assert.ok(!(await listed()).includes("tunggu@example.com"));
  assert.ok(!(await environmentListed()).includes("tunggu@example.com"), "nor on the dashboard's list");
  assert.deepEqual(await searched("tunggu"), []);
  assert.deepEqual(await searched(proven.user_id), []);
  await challenge("t-w1", "c-w1");
  await finishPasskeySignUp(db.sql, project.id, await sha256("t-w1"), proven.user_id, key(31));
  const [done] = await db.sql`select awaiting_passkey_since from astapa.users where id = ${proven.user_id}`;
  assert.equal(done.awaiting_passkey_since, null);
  assert.ok((await listed()).includes("tunggu@example.com"));
  assert.ok((await environmentListed()).includes("tunggu@example.com"));
  assert.deepEqual(await searched("tunggu"), ["tunggu@example.com"]);
  // An account that existed before the sign-up is never marked (nor hidden).
  const existing = await seedUser(db.sql, project.id, "sudah.ada@example.com");
  await send("sudah.ada@example.com", "t-w2", "131313");
  await prove("t-w2", "131313");
  const [kept] = await db.sql`select awaiting_passkey_since from astapa.users where id = ${existing}`;
  assert.equal(kept.awaiting_passkey_since, null);
});

Deno.test("api.sweep_grants — erases passkey sign-ups abandoned 7 days ago with no way in (user.deleted, audited); the address may sign up again", async () => {
  const made = async (email: string, token: string) => {
    await send(email, token, "141414");
    return (await prove(token, "141414"))!.user_id;
  };
  const gone = await made("lupa@example.com", "t-s1");
  const recent = await made("baru.saja@example.com", "t-s2");
  const keyed = await made("punya.kunci@example.com", "t-s3");
  await db.sql`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type,
    backed_up, name) values (${project.id}, ${
    key(32).credentialId
  }, ${keyed}, '\\x01', 'multiDevice', true, 'X')`;
  await db.sql`update astapa.users set awaiting_passkey_since = now() - interval '8 days'
    where id in (${gone}, ${keyed})`;
  await db
    .sql`update astapa.users set awaiting_passkey_since = now() - interval '6 days' where id = ${recent}`;

  const swept = await sweep();
  assert.equal(swept.abandoned_sign_ups, 1);
  const rows = await db.sql`select id::text, email, deleted_at is not null as deleted, awaiting_passkey_since
    from astapa.users where id in (${gone}, ${recent}, ${keyed}) order by id`;
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  assert.equal(byId[gone].deleted, true);
  assert.equal(byId[gone].email, `deleted-${gone}@deleted.invalid`);
  assert.equal(byId[recent].deleted, false, "6 days is not yet abandoned");
  assert.equal(byId[keyed].deleted, false, "a passkey is a way in");
  assert.equal(byId[keyed].awaiting_passkey_since, null, "and makes it a user like any other");
  const [audit] = await db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.deleted' and target = ${"user:" + gone}`;
  assert.deepEqual(audit.details, {
    by: "sweeper",
    sessions: 0,
    refresh_tokens: 0,
    authorization_codes: 0,
    device_authorizations: 0,
    email_changes: 0,
    mfa_challenges: 0,
    impersonation_links: 0,
    payment_methods: 0,
  });
  const [event] = await db.sql`select data from astapa.events where project_id = ${project.id}
    and type = 'user.deleted' and data -> 'user' ->> 'id' = ${gone}`;
  assert.ok(event, "the app hears user.deleted, as it heard user.created");
  assert.equal((await sweep()).abandoned_sign_ups, 0, "once");
  // The address is free: a new sign-up makes a new user.
  assert.equal(await send("lupa@example.com", "t-s4", "151515"), true);
  const again = (await prove("t-s4", "151515"))!;
  assert.notEqual(again.user_id, gone);
});

Deno.test("api.sweep_grants — an abandoned passkey sign-up that can sign in by email code, or by a verified number with phone sign-in, is kept (astapa.has_way_in)", async () => {
  const codes = await seedProject(db.sql, { settings: { ...settings, email_codes: true } });
  const phone = await seedProject(db.sql, { settings: { ...settings, phone: { enabled: true } } });
  const made = async (email: string, token: string, projectId: string) => {
    await send(email, token, "161616", projectId);
    return (await prove(token, "161616", projectId))!.user_id;
  };
  // The sign-up proved the address: with email codes on, a code to it signs them in.
  const byCode = await made("kode@example.com", "t-k1", codes.id);
  const byPhone = await made("nomor@example.com", "t-k2", phone.id);
  await db.sql`update astapa.users set phone_number = '+6281299990001', phone_number_verified = true
    where id = ${byPhone}`;
  // The same number unverified is no way in: that sign-up is abandoned.
  const unproven = await made("belum@example.com", "t-k3", phone.id);
  await db.sql`update astapa.users set phone_number = '+6281299990002' where id = ${unproven}`;
  await db.sql`update astapa.users set awaiting_passkey_since = now() - interval '8 days'
    where id in (${byCode}, ${byPhone}, ${unproven})`;

  const swept = await sweep();
  assert.equal(swept.abandoned_sign_ups, 1);
  const rows = await db
    .sql`select id::text, deleted_at is not null as deleted, awaiting_passkey_since is null as settled
    from astapa.users where id in (${byCode}, ${byPhone}, ${unproven})`;
  const byId = Object.fromEntries(rows.map((r) => [r.id, [r.deleted, r.settled]]));
  assert.deepEqual(byId[byCode], [false, true], "an email code is a way in: a user like any other");
  assert.deepEqual(byId[byPhone], [false, true], "so is a verified number with phone sign-in");
  assert.deepEqual(byId[unproven], [true, false]);
});
