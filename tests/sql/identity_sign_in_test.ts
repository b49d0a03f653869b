/** api.sign_in_with_identity: find, link (verified on both sides only), create, and each refusal. */
import assert from "node:assert/strict";
import { asApp, type Sql } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Outcome = { user_id: string; created: boolean; linked: boolean };

function signIn(
  sql: Sql,
  projectId: string | null,
  provider: string,
  subject: string,
  email: string | null,
  verified = true,
) {
  return appValue<Outcome>(
    sql,
    projectId,
    (tx) => tx`select api.sign_in_with_identity(${provider}, ${subject}, ${email}, ${verified})`,
  );
}

const user = (projectId: string, id: string) =>
  appValue<Record<string, unknown>>(db.sql, projectId, (tx) => tx`select api.get_user(${projectId}, ${id})`);

Deno.test("api.sign_in_with_identity — first sign-in creates the user and identity; the second finds it", async () => {
  const p = await seedProject(db.sql);
  const first = await signIn(db.sql, p.id, "google", "g-1", " Sari@Example.com ");
  assert.deepEqual({ ...first, user_id: "x" }, { user_id: "x", created: true, linked: false });
  const created = await user(p.id, first.user_id);
  assert.deepEqual([created.email, created.email_verified], ["Sari@Example.com", true]);
  const again = await signIn(db.sql, p.id, "google", "g-1", "sari@example.com");
  assert.deepEqual(again, { user_id: first.user_id, created: false, linked: false });
  const identity = await appValue(
    db.sql,
    p.id,
    (tx) => tx`select provider || ':' || subject || ':' || user_id from astapa.identities`,
  );
  assert.equal(identity, `google:g-1:${first.user_id}`);
  const audit = await appValue(
    db.sql,
    p.id,
    (tx) => tx`select details ->> 'provider' from astapa.audit_log where action = 'user.identity_link'`,
  );
  assert.equal(audit, "google");
});

Deno.test("api.sign_in_with_identity — an unverified provider email creates an unverified user", async () => {
  const p = await seedProject(db.sql);
  const result = await signIn(db.sql, p.id, "github", "42", "new@example.com", false);
  assert.equal(result.created, true);
  assert.equal((await user(p.id, result.user_id)).email_verified, false);
  // A later verified sign-in of the same identity with the same address verifies it.
  await signIn(db.sql, p.id, "github", "42", "NEW@example.com", true);
  assert.equal((await user(p.id, result.user_id)).email_verified, true);
});

Deno.test("api.sign_in_with_identity — links to an existing user only when both sides verified the email", async () => {
  const p = await seedProject(db.sql);
  const verified = await seedUser(db.sql, p.id, "ayu@example.com", { verified: true });
  const linked = await signIn(db.sql, p.id, "google", "g-ayu", "AYU@example.com");
  assert.deepEqual(linked, { user_id: verified, created: false, linked: true });
  const other = await signIn(db.sql, p.id, "github", "7", "ayu@example.com");
  assert.equal(other.user_id, verified, "a second provider links to the same user");

  await rejectsAs(signIn(db.sql, p.id, "github", "8", "ayu@example.com", false), "conflict", /not verified/);
  const unconfirmed = await seedUser(db.sql, p.id, "budi@example.com", { verified: false });
  await rejectsAs(signIn(db.sql, p.id, "google", "g-budi", "budi@example.com"), "conflict", /not confirmed/);
  assert.equal(
    await appValue(
      db.sql,
      p.id,
      (tx) => tx`select count(*)::int from astapa.identities where user_id = ${unconfirmed}`,
    ),
    0,
  );
});

Deno.test("api.sign_in_with_identity — disabled users and the other environment are refused", async () => {
  const p = await seedProject(db.sql);
  const id = await seedUser(db.sql, p.id, "off@example.com", { verified: true });
  await asApp(db.sql, p.id, (tx) => tx`select api.disable_user(${p.id}, ${id})`);
  await rejectsAs(signIn(db.sql, p.id, "google", "g-off", "off@example.com"), "forbidden", /disabled/);

  const q = await seedProject(db.sql);
  const created = await signIn(db.sql, q.id, "google", "g-env", "env@example.com");
  await asApp(db.sql, q.id, (tx) => tx`select api.disable_user(${q.id}, ${created.user_id})`);
  await rejectsAs(signIn(db.sql, q.id, "google", "g-env", "env@example.com"), "forbidden", /disabled/);
  await db.sql`update astapa.projects set mode = 'production' where id = ${q.id}`;
  await rejectsAs(
    signIn(db.sql, q.id, "google", "g-env", "env@example.com"),
    "conflict",
    /other environment/,
  );
});

Deno.test("api.sign_in_with_identity — bad input and no project are refused", async () => {
  const p = await seedProject(db.sql);
  await rejectsAs(signIn(db.sql, null, "google", "g", "a@example.com"), "forbidden");
  await rejectsAs(
    signIn(db.sql, p.id, "twitter", "g", "a@example.com"),
    "validation_failed",
    /google, github, apple or microsoft/,
  );
  await rejectsAs(signIn(db.sql, p.id, "google", "", "a@example.com"), "validation_failed", /subject/);
  await rejectsAs(signIn(db.sql, p.id, "google", "g", "not-an-email"), "validation_failed");
});

Deno.test("api.sign_in_with_identity — identities of one project are invisible to another", async () => {
  const p = await seedProject(db.sql);
  const q = await seedProject(db.sql);
  const inP = await signIn(db.sql, p.id, "google", "shared-sub", "same@example.com");
  const inQ = await signIn(db.sql, q.id, "google", "shared-sub", "same@example.com");
  assert.equal(inQ.created, true);
  assert.notEqual(inP.user_id, inQ.user_id);
});

Deno.test("api.sign_in_with_identity — Apple: linked as Google is, and found by subject when the email is left out", async () => {
  const p = await seedProject(db.sql);
  const existing = await seedUser(db.sql, p.id, "dewi@example.com", { verified: true });
  const linked = await signIn(db.sql, p.id, "apple", "001.apple.dewi", "dewi@example.com");
  assert.deepEqual(linked, { user_id: existing, created: false, linked: true });
  // A returning person Apple sends without an email: the identity's subject finds them.
  assert.deepEqual(await signIn(db.sql, p.id, "apple", "001.apple.dewi", null, false), {
    user_id: existing,
    created: false,
    linked: false,
  });
  // An unknown subject without an email has nothing to find or create by.
  await rejectsAs(signIn(db.sql, p.id, "apple", "001.apple.new", null, false), "validation_failed", /email/);
  await rejectsAs(
    signIn(db.sql, p.id, "apple", "001.apple.x", "dewi@example.com", false),
    "conflict",
    /not verified/,
  );
  const relay = await signIn(db.sql, p.id, "apple", "001.apple.relay", "k2x9@privaterelay.appleid.com");
  assert.equal(relay.created, true);
  assert.equal((await user(p.id, relay.user_id)).email_verified, true);
});

Deno.test("api.sign_in_with_identity — a Microsoft identity: created, found again, and linked only when verified", async () => {
  const p = await seedProject(db.sql);
  const first = await signIn(db.sql, p.id, "microsoft", "AAAAms-1", "ms@example.com");
  assert.equal(first.created, true);
  assert.deepEqual(await signIn(db.sql, p.id, "microsoft", "AAAAms-1", "ms@example.com"), {
    user_id: first.user_id,
    created: false,
    linked: false,
  });
  // An address Microsoft did not vouch for (no xms_edov) never reaches the existing verified account.
  const owner = await seedUser(db.sql, p.id, "owner@example.com", { verified: true });
  await rejectsAs(signIn(db.sql, p.id, "microsoft", "AAAAms-2", "owner@example.com", false), "conflict");
  const linked = await signIn(db.sql, p.id, "microsoft", "AAAAms-3", "owner@example.com", true);
  assert.deepEqual(linked, { user_id: owner, created: false, linked: true });
});
