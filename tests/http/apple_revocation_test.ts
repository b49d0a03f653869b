/**
 * Sign in with Apple's token revocation (App Store Review Guideline 5.1.1(v)): the refresh token of the code
 * exchange kept sealed on the identity, queued for revocation when the account is erased or the Apple identity
 * unlinked, and revoked at the local Apple's /auth/revoke by the worker — retried, given up, with the
 * credentials of the Services ID the token was issued to.
 */
import assert from "node:assert/strict";
import { seedProject } from "../helpers/identity.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { appTokenClaims, socialTestApp } from "../helpers/social.ts";
import { appleEnv, postBack, startApple } from "../helpers/apple.ts";
import { newAppleKey, startFakeApple } from "../fakes/apple.ts";
import { basic } from "../helpers/oauth.ts";
import { waitFor } from "../helpers/wait.ts";
import { sealProviderSecret } from "@/lib/login/social/providers.ts";
import { AppleRevocationWorker } from "@/lib/login/social/apple_revocation_worker.ts";
import { asApp } from "@/db/client.ts";

const apple = await startFakeApple();
const { t } = await socialTestApp(appleEnv(apple));
Deno.test.afterAll(() => apple.close());
const sql = t.db.sql;

/** A worker that retries at once, so a test can settle it again instead of waiting. */
const worker = (maxAttempts = 3) =>
  new AppleRevocationWorker({ deps: t.deps, maxAttempts, backoffSeconds: () => 0, sweepSeconds: 3600 });

/** Signs `sub` in with Apple to the project; returns the user's sub and the refresh token Apple issued. */
async function signIn(p: SeededProject, sub: string) {
  apple.approveAs = { sub, email: `${sub}@icloud.test`, email_verified: true };
  const claims = await appTokenClaims(t, await postBack(t, apple, await startApple(t, p)), p);
  return { userSub: claims.sub as string, token: apple.refreshTokens.get(sub)!.at(-1)! };
}

const revocationRows = (projectId: string) =>
  sql`select client_id, token_sealed, status, attempts, last_status, last_error
      from astapa.apple_token_revocations where project_id = ${projectId} order by id`;

const deleteUser = (p: SeededProject, userSub: string) =>
  t.app.request(`/api/platform/users/${userSub}`, {
    method: "DELETE",
    headers: { authorization: basic(p.clientId, p.secret) },
  });

Deno.test("apple revocation — the refresh token is kept sealed, and the account's erasure revokes it at Apple", async () => {
  const p = await seedProject(sql);
  const { userSub, token } = await signIn(p, "001.rev.erase");
  const [identity] = await sql`select refresh_token_sealed, token_client_id from astapa.identities
                               where project_id = ${p.id} and subject = '001.rev.erase'`;
  assert.equal(identity.token_client_id, apple.clientId);
  assert.ok(
    identity.refresh_token_sealed && !identity.refresh_token_sealed.includes(token),
    "sealed, not clear",
  );
  assert.equal((await deleteUser(p, userSub)).status, 204);
  const [queued] = await revocationRows(p.id);
  assert.deepEqual([queued.client_id, queued.status], [apple.clientId, "pending"]);
  assert.equal(queued.token_sealed, identity.refresh_token_sealed, "only the sealed token and its client");
  const w = worker();
  await w.settle();
  assert.deepEqual(apple.revocations.filter((r) => r.token === token), [
    { clientId: apple.clientId, token, hint: "refresh_token" },
  ]);
  assert.deepEqual([...await revocationRows(p.id)], [], "a revoked token's row is gone");
});

Deno.test("apple revocation — Apple in trouble: retried with backoff until revoked", async () => {
  const p = await seedProject(sql);
  const { userSub, token } = await signIn(p, "001.rev.retry");
  apple.revokeTrouble.push(503);
  await deleteUser(p, userSub);
  const w = worker();
  await w.settle();
  // The retry was due at once (backoff 0): the same pass or the next one sends it again.
  await waitFor(async () => {
    if ((await revocationRows(p.id)).length === 0) return true;
    await w.settle();
  }, "the retried revocation to be done");
  assert.equal(apple.revocations.filter((r) => r.token === token).length, 1);
  assert.deepEqual(apple.revokeTrouble, [], "the first attempt met the trouble");
});

Deno.test("apple revocation — given up after the last attempt: recorded as failed, without the token", async () => {
  const p = await seedProject(sql);
  const { userSub, token } = await signIn(p, "001.rev.fail");
  apple.revokeTrouble.push(500, 500);
  await deleteUser(p, userSub);
  const w = worker(2);
  await w.settle();
  await waitFor(async () => {
    if ((await revocationRows(p.id))[0].status === "failed") return true;
    await w.settle();
  }, "the revocation to be given up");
  const [row] = await revocationRows(p.id);
  assert.deepEqual({ ...row }, {
    client_id: apple.clientId,
    token_sealed: null,
    status: "failed",
    attempts: 2,
    last_status: 500,
    last_error: "Apple answered 500.",
  });
  assert.equal(apple.revocations.some((r) => r.token === token), false);
  // The Platform API lists it as given up, never with a token; another project's client sees none of it.
  const listed = await t.app.request("/api/platform/apple-revocations?limit=5", {
    headers: { authorization: basic(p.clientId, p.secret) },
  });
  assert.equal(listed.status, 200);
  assert.equal(listed.headers.get("cache-control"), "no-store");
  const [entry, ...more] = await listed.json();
  assert.deepEqual(more, []);
  assert.deepEqual(
    { ...entry, id: undefined, created_at: undefined },
    {
      id: undefined,
      created_at: undefined,
      client_id: apple.clientId,
      status: "failed",
      attempts: 2,
      last_status: 500,
      last_error: "Apple answered 500.",
    },
  );
  const other = await seedProject(sql);
  const theirs = await t.app.request("/api/platform/apple-revocations", {
    headers: { authorization: basic(other.clientId, other.secret) },
  });
  assert.deepEqual(await theirs.json(), []);
  const bad = await t.app.request("/api/platform/apple-revocations?limit=500", {
    headers: { authorization: basic(p.clientId, p.secret) },
  });
  assert.equal(bad.status, 400);
});

Deno.test("apple revocation — unlinking the Apple identity on the dashboard's path revokes it too; other providers queue nothing", async () => {
  const p = await seedProject(sql);
  const { userSub, token } = await signIn(p, "001.rev.unlink");
  // A second way in, so the identity is removable.
  await asApp(
    sql,
    p.id,
    (tx) => tx`select api.sign_in_with_identity('google', 'g-unlink', ${"001.rev.unlink@icloud.test"}, true)`,
  );
  await asApp(
    sql,
    p.id,
    (tx) => tx`select api.unlink_sign_in_method(${p.id}, ${userSub}, 'google', 'g-unlink')`,
  );
  assert.equal((await revocationRows(p.id)).length, 0, "a Google identity has no Apple token");
  await asApp(
    sql,
    p.id,
    (tx) =>
      tx`select api.sign_in_with_identity('google', 'g-unlink2', ${"001.rev.unlink@icloud.test"}, true)`,
  );
  await asApp(
    sql,
    p.id,
    (tx) => tx`select api.unlink_sign_in_method(${p.id}, ${userSub}, 'apple', '001.rev.unlink')`,
  );
  assert.equal((await revocationRows(p.id)).length, 1);
  await worker().settle();
  assert.equal(apple.revocations.filter((r) => r.token === token).length, 1);
});

Deno.test("apple revocation — a project's own Apple app revokes with its own Services ID and key", async () => {
  const p = await seedProject(sql);
  const own = await newAppleKey("OWNTEAM001", "OWNKEY0001");
  apple.clients.set("com.example.own", own);
  await sql`update astapa.projects set settings = ${
    sql.json({
      social_login: {
        apple: {
          client_id: "com.example.own",
          team_id: own.teamId,
          key_id: own.keyId,
          private_key_sealed: await sealProviderSecret(
            t.deps.masterKeys.social,
            p.id,
            "apple",
            own.privateKeyPem,
          ),
        },
      },
    })
  } where id = ${p.id}`;
  const { userSub, token } = await signIn(p, "001.rev.own");
  await deleteUser(p, userSub);
  // Turned off since: the token is still revoked with the app it was issued to.
  await sql`update astapa.projects set settings = jsonb_set(settings, '{social_login,apple,enabled}', 'false')
            where id = ${p.id}`;
  await worker().settle();
  assert.deepEqual(apple.revocations.filter((r) => r.token === token), [
    { clientId: "com.example.own", token, hint: "refresh_token" },
  ]);
});

Deno.test("apple revocation — a refused sign-up gives Apple's token back; a person the project knows keeps theirs", async () => {
  const p = await seedProject(sql);
  const known = await signIn(p, "001.rev.known");
  await asApp(
    sql,
    p.id,
    (tx) => tx`select api.update_project_settings(${p.id}, ${tx.json({ sign_up: { mode: "closed" } })})`,
  );
  apple.approveAs = { sub: "001.rev.refused", email: "refused@icloud.test", email_verified: true };
  const refused = await postBack(t, apple, await startApple(t, p));
  assert.equal(refused.status, 403, "sign-ups are closed");
  const token = apple.refreshTokens.get("001.rev.refused")!.at(-1)!;
  const [queued] = await revocationRows(p.id);
  assert.deepEqual([queued.client_id, queued.status], [apple.clientId, "pending"]);
  assert.ok(!queued.token_sealed.includes(token), "sealed, not clear");
  await worker().settle();
  assert.deepEqual(apple.revocations.filter((r) => r.token === token), [
    { clientId: apple.clientId, token, hint: "refresh_token" },
  ]);
  // Closed sign-ups still let the known person in: nothing is given back for them.
  await signIn(p, "001.rev.known");
  assert.deepEqual([...await revocationRows(p.id)], []);
  assert.equal(apple.revocations.filter((r) => r.token === known.token).length, 0);
});
