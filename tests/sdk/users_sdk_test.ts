/** The SDK's `users` against a served Astapa: impersonate, list, end; the token's act through `verify`. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/oauth.ts";
import { seedPasskey, seedSession } from "../helpers/identity.ts";
import { AstapaError, createAstapa } from "@/sdk/mod.ts";
import { asApp } from "@/db/client.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { redirectUri: "http://localhost:3000/callback" });
const astapa = createAstapa({
  baseUrl: t.origin,
  clientId: project.clientId,
  clientSecret: project.secret,
  redirectUri: project.redirectUri,
});

Deno.test("sdk — users.impersonate, impersonations, endImpersonation; an unknown user is a typed 404", async () => {
  const user = await seedUser(t.db.sql, project.id, "sdk@imp.example", { verified: true });
  const made = await astapa.users.impersonate(user, { actor: "support:sdk", reason: "why", minutes: 10 });
  assert.match(made.id, /^imp_/);
  assert.ok(made.url.startsWith(`${t.origin}/auth/impersonate?`));
  assert.equal(made.actor, "support:sdk");
  assert.deepEqual((await astapa.users.impersonations(user)).map((i) => i.id), [made.id]);
  const ended = await astapa.users.endImpersonation(user, made.id);
  assert.ok(ended.ended_at);
  assert.deepEqual(await astapa.users.impersonations(user), []);
  await assert.rejects(
    astapa.users.impersonate("999999999", { actor: "support:sdk" }),
    (error: unknown) => error instanceof AstapaError && error.status === 404,
  );
});

Deno.test("sdk — users.create, get, list, setDisabled, sessions, signOutEverywhere, delete", async () => {
  const made = await astapa.users.create({ email: "sdk-crud@users.example", email_verified: true });
  assert.equal(made.email_verified, true);
  assert.deepEqual(await astapa.users.get(made.sub), made);
  const page = await astapa.users.list({ query: "sdk-crud@", limit: 5 });
  assert.deepEqual(page.users.map((u) => u.sub), [made.sub]);
  assert.equal(page.next_after, null);
  assert.equal((await astapa.users.setDisabled(made.sub, true)).disabled, true);
  assert.equal((await astapa.users.setDisabled(made.sub, false)).disabled, false);
  const moved = await astapa.users.update(made.sub, {
    email: "sdk-moved@users.example",
    email_verified: true,
  });
  assert.deepEqual([moved.email, moved.email_verified], ["sdk-moved@users.example", true]);
  assert.deepEqual(await astapa.users.sessions(made.sub), []);
  assert.equal((await astapa.users.signOutEverywhere(made.sub)).sessions, 0);
  await astapa.users.delete(made.sub);
  const audit = await astapa.auditLog({ user: made.sub, limit: 10 });
  assert.deepEqual(audit.entries.map((e) => e.action), [
    "user.deleted",
    "user.sign_out_everywhere",
    "user.email_changed",
    "user.enable",
    "user.disable",
    "user.create",
  ]);
  assert.equal(audit.next_before, null);
  await assert.rejects(
    astapa.users.get(made.sub),
    (error: unknown) => error instanceof AstapaError && error.status === 404,
  );
  await assert.rejects(
    astapa.users.create({ email: "weak@users.example", password: "short" }),
    (error: unknown) => error instanceof AstapaError && error.status === 400,
  );
});

Deno.test("sdk — users.endSession ends one session by sid; users.setPhone answers the user with sub", async () => {
  const user = await seedUser(t.db.sql, project.id, "sdk-sessions@users.example", { verified: true });
  await seedSession(t.db.sql, project.id, user);
  await seedSession(t.db.sql, project.id, user);
  const [first, second] = await astapa.users.sessions(user);
  const ended = await astapa.users.endSession(user, first.sid);
  assert.deepEqual([ended.sid, ended.live], [first.sid, false]);
  assert.deepEqual((await astapa.users.sessions(user)).map((s) => [s.sid, s.live]), [
    [first.sid, false],
    [second.sid, true],
  ]);
  await assert.rejects(
    astapa.users.endSession(user, "ses_" + "c".repeat(24)),
    (error: unknown) => error instanceof AstapaError && error.status === 404,
  );
  const phoned = await astapa.users.setPhone(user, "0812 6666 0909", true);
  assert.deepEqual([phoned.sub, phoned.phone_number, phoned.phone_number_verified], [
    user,
    "+6281266660909",
    true,
  ]);
});

Deno.test("sdk — users.metadata, patchMetadata (RFC 7396), replaceMetadata; over 8 KiB is a typed 400", async () => {
  const user = await seedUser(t.db.sql, project.id, "sdk-metadata@users.example", { verified: true });
  assert.deepEqual(await astapa.users.metadata(user), {});
  assert.deepEqual(await astapa.users.patchMetadata(user, { crm: { id: "42", tier: "gold" }, step: 1 }), {
    crm: { id: "42", tier: "gold" },
    step: 1,
  });
  assert.deepEqual(await astapa.users.patchMetadata(user, { crm: { tier: null }, step: null }), {
    crm: { id: "42" },
  });
  assert.deepEqual(await astapa.users.replaceMetadata(user, { fresh: true }), { fresh: true });
  assert.deepEqual(await astapa.users.metadata(user), { fresh: true });
  await assert.rejects(
    astapa.users.patchMetadata(user, { big: "x".repeat(9000) }),
    (error: unknown) => error instanceof AstapaError && error.status === 400,
  );
});

Deno.test("sdk — appleRevocations.list: waiting revocations newest first, without their tokens", async () => {
  for (const subject of ["001.sdk.one", "001.sdk.two"]) {
    await asApp(
      t.db.sql,
      project.id,
      (tx) => tx`select api.discard_apple_token(${subject}, 'com.sdk.app', 'c2VhbGVk')`,
    );
  }
  const listed = await astapa.appleRevocations.list(1);
  assert.equal(listed.length, 1);
  assert.deepEqual([listed[0].client_id, listed[0].status, listed[0].attempts], [
    "com.sdk.app",
    "pending",
    0,
  ]);
  assert.equal("token_sealed" in listed[0], false);
  const all = await astapa.appleRevocations.list();
  assert.equal(all.length, 2);
  assert.ok(Number(all[0].id) > Number(all[1].id), "newest first");
});

Deno.test("sdk — users.waysIn, removeSignInMethod, removePasskey, resetFactors", async () => {
  const user = await seedUser(t.db.sql, project.id, "ways@sdk.example", { verified: true });
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`update astapa.users set password_hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA' where id = ${user}`;
    await tx`insert into astapa.identities (project_id, user_id, provider, subject, email)
             values (${project.id}, ${user}, 'github', 'gh/42', 'ways@sdk.example')`;
  });
  await seedPasskey(t.db.sql, project.id, user, 7, { name: "Phone" });
  const ways = await astapa.users.waysIn(user);
  assert.deepEqual(ways.methods.map((m) => m.provider), ["password", "github"]);
  assert.deepEqual(ways.passkeys.map((k) => k.name), ["Phone"]);
  assert.deepEqual(ways.factors.factors, []);
  const left = await astapa.users.removeSignInMethod(user, "github", "gh/42");
  assert.deepEqual(left.methods.map((m) => m.provider), ["password"]);
  assert.deepEqual(await astapa.users.removePasskey(user, ways.passkeys[0].id), {
    name: "Phone",
    mailed: true,
  });
  assert.deepEqual(await astapa.users.resetFactors(user), { removed: 0, mailed: false });
  await assert.rejects(
    astapa.users.removeSignInMethod(user, "password"),
    (error: unknown) => error instanceof AstapaError && error.status === 409,
  );
});
