/**
 * Sign in with Apple server-to-server notifications at POST /api/webhooks/apple: each event type, signed by the
 * local Apple's key; a forged signature, another app's audience, a stale iat and a replay; unknown types ignored.
 */
import assert from "node:assert/strict";
import { generateKeyPair, SignJWT } from "jose";
import { seedProject } from "../helpers/identity.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { appTokenClaims, socialTestApp } from "../helpers/social.ts";
import { appleEnv, postBack, startApple } from "../helpers/apple.ts";
import { startFakeApple } from "../fakes/apple.ts";
import { asApp } from "@/db/client.ts";

const apple = await startFakeApple();
const { t } = await socialTestApp(appleEnv(apple));
Deno.test.afterAll(() => apple.close());
const sql = t.db.sql;

async function signIn(p: SeededProject, sub: string) {
  apple.approveAs = {
    sub,
    email: `${sub}@privaterelay.appleid.com`,
    email_verified: true,
    is_private_email: true,
  };
  return (await appTokenClaims(t, await postBack(t, apple, await startApple(t, p)), p)).sub as string;
}

const b64 = (text: string) => btoa(text).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");

const notify = (payload: string) =>
  t.app.request("/api/webhooks/apple", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ payload }),
  });

const event = (type: string, sub: string, eventTime = Math.floor(Date.now() / 1000)) => ({
  type,
  sub,
  email: `${sub}@privaterelay.appleid.com`,
  is_private_email: "true",
  event_time: eventTime,
});

const identity = async (projectId: string, sub: string) =>
  (await sql`select email_forwarding, refresh_token_sealed is not null as has_token from astapa.identities
             where project_id = ${projectId} and provider = 'apple' and subject = ${sub}`)[0];
const liveSessions = async (projectId: string, userSub: string) =>
  Number(
    (await sql`select count(*) from astapa.login_sessions
                    where project_id = ${projectId} and user_id = ${userSub} and ended_at is null`)[0].count,
  );
const liveRefreshTokens = async (projectId: string, userSub: string) =>
  Number(
    (await sql`select count(*) from astapa.refresh_tokens
                    where project_id = ${projectId} and user_id = ${userSub} and revoked_at is null`)[0]
      .count,
  );
const queued = async (projectId: string) =>
  Number(
    (await sql`select count(*) from astapa.apple_token_revocations where project_id = ${projectId}`)[0].count,
  );

Deno.test("apple notifications — email-disabled and email-enabled record the relay's forwarding; an older event changes nothing", async () => {
  const p = await seedProject(sql);
  await signIn(p, "001.n.mail");
  assert.equal((await identity(p.id, "001.n.mail")).email_forwarding, null);
  const now = Math.floor(Date.now() / 1000);
  const off = await notify(await apple.signNotification(event("email-disabled", "001.n.mail", now)));
  assert.equal(off.status, 200, await off.text());
  assert.equal((await identity(p.id, "001.n.mail")).email_forwarding, false);
  assert.equal(
    (await notify(await apple.signNotification(event("email-enabled", "001.n.mail", now + 5)))).status,
    200,
  );
  assert.equal((await identity(p.id, "001.n.mail")).email_forwarding, true);
  // Delivered late: the disable from before the enable.
  assert.equal(
    (await notify(await apple.signNotification(event("email-disabled", "001.n.mail", now + 1)))).status,
    200,
  );
  assert.equal((await identity(p.id, "001.n.mail")).email_forwarding, true);
  const audit = await asApp(
    sql,
    p.id,
    (tx) =>
      tx`select details from astapa.audit_log where action = 'identity.apple_email_forwarding' order by id`,
  );
  assert.deepEqual(audit.map((r) => r.details), [{ forwarding: false }, { forwarding: true }]);
});

Deno.test("apple notifications — consent-revoked unlinks the identity when another way in stays, revoking nothing", async () => {
  const p = await seedProject(sql);
  const userSub = await signIn(p, "001.n.consent");
  await asApp(
    sql,
    p.id,
    (tx) =>
      tx`select api.sign_in_with_identity('google', 'g-consent', ${"001.n.consent@privaterelay.appleid.com"}, true)`,
  );
  const res = await notify(await apple.signNotification(event("consent-revoked", "001.n.consent")));
  assert.equal(res.status, 200, await res.text());
  assert.equal(await identity(p.id, "001.n.consent"), undefined, "unlinked");
  assert.equal(await queued(p.id), 0, "Apple ended the authorization itself: nothing to revoke");
  assert.ok(await liveSessions(p.id, userSub) > 0, "the person keeps their other way in and session");
  const [audit] = await asApp(
    sql,
    p.id,
    (tx) =>
      tx`select details from astapa.audit_log where action = 'identity.unlink' and target = ${
        "user:" + userSub
      }`,
  );
  assert.deepEqual(audit.details, { provider: "apple", by: "apple", event: "consent-revoked" });
});

Deno.test("apple notifications — consent-revoked for the last way in keeps the identity but ends sessions and refresh tokens", async () => {
  const p = await seedProject(sql);
  const userSub = await signIn(p, "001.n.last");
  assert.ok(await liveSessions(p.id, userSub) > 0);
  assert.ok(await liveRefreshTokens(p.id, userSub) > 0);
  const res = await notify(await apple.signNotification(event("consent-revoked", "001.n.last")));
  assert.equal(res.status, 200);
  assert.deepEqual({ ...await identity(p.id, "001.n.last") }, { email_forwarding: null, has_token: false });
  assert.equal(await liveSessions(p.id, userSub), 0);
  assert.equal(await liveRefreshTokens(p.id, userSub), 0);
  const [audit] = await asApp(
    sql,
    p.id,
    (tx) => tx`select details from astapa.audit_log where action = 'user.apple_consent_revoked'`,
  );
  assert.equal(audit.details.event, "consent-revoked");
});

Deno.test("apple notifications — account-delete forgets the stored token and unlinks or signs out as consent-revoked", async () => {
  const p = await seedProject(sql);
  const userSub = await signIn(p, "001.n.gone");
  assert.equal((await identity(p.id, "001.n.gone")).has_token, true);
  assert.equal(
    (await notify(await apple.signNotification(event("account-delete", "001.n.gone")))).status,
    200,
  );
  assert.equal((await identity(p.id, "001.n.gone")).has_token, false);
  assert.equal(await liveSessions(p.id, userSub), 0);
  // Erasing the account later has no Apple token left to revoke.
  await asApp(sql, p.id, (tx) => tx`select astapa.erase_user(${userSub}, 'admin')`);
  assert.equal(await queued(p.id), 0);
});

Deno.test("apple notifications — a replay (same jti) is harmless: the person signed back in stays signed in", async () => {
  const p = await seedProject(sql);
  const userSub = await signIn(p, "001.n.replay");
  const payload = await apple.signNotification(event("consent-revoked", "001.n.replay"), {
    jti: "jti-replay-1",
  });
  assert.equal((await notify(payload)).status, 200);
  assert.equal(await liveSessions(p.id, userSub), 0);
  await signIn(p, "001.n.replay");
  assert.equal((await notify(payload)).status, 200);
  assert.ok(await liveSessions(p.id, userSub) > 0, "the replay ended nothing");
});

Deno.test("apple notifications — a forged signature, another app's aud, another issuer or a stale iat are 400 and change nothing", async () => {
  const p = await seedProject(sql);
  const userSub = await signIn(p, "001.n.forged");
  const { privateKey } = await generateKeyPair("RS256");
  const forged = await new SignJWT({ events: JSON.stringify(event("consent-revoked", "001.n.forged")) })
    .setProtectedHeader({ alg: "RS256", kid: "fake-apple-1" })
    .setIssuer(apple.issuer).setAudience(apple.clientId).setIssuedAt().setJti("forged").sign(privateKey);
  const attempts = [
    forged,
    await apple.signNotification(event("consent-revoked", "001.n.forged"), { aud: "com.attacker.app" }),
    await apple.signNotification(event("consent-revoked", "001.n.forged"), { iss: "https://evil.example" }),
    await apple.signNotification(event("consent-revoked", "001.n.forged"), {
      iat: Math.floor(Date.now() / 1000) - 7200,
    }),
    forged.split(".").slice(0, 2).join(".") + ".",
    // alg "none", and HS256 keyed with nothing secret: the algorithm is pinned to RS256.
    `${b64(JSON.stringify({ alg: "none" }))}.${forged.split(".")[1]}.`,
    await new SignJWT({ events: JSON.stringify(event("consent-revoked", "001.n.forged")) })
      .setProtectedHeader({ alg: "HS256", kid: "fake-apple-1" })
      .setIssuer(apple.issuer).setAudience(apple.clientId).setIssuedAt().sign(
        new TextEncoder().encode("x".repeat(32)),
      ),
    "not a jwt",
  ];
  for (const payload of attempts) {
    const res = await notify(payload);
    assert.equal(res.status, 400, payload);
    assert.equal((await res.json()).error, "invalid_request");
  }
  assert.ok(await liveSessions(p.id, userSub) > 0);
  assert.equal((await identity(p.id, "001.n.forged")).has_token, true);
});

Deno.test("apple notifications — unknown event types are taken and ignored; malformed bodies are 400, never 500", async () => {
  assert.equal(
    (await notify(await apple.signNotification({ type: "something-new", sub: "001.x" }))).status,
    200,
  );
  for (const body of ["{}", "[]", '{"payload": 5}', "{".repeat(100_000), "nope"]) {
    const res = await t.app.request("/api/webhooks/apple", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    assert.equal(res.status, 400, body.slice(0, 20));
  }
});

Deno.test("apple notifications — only the projects holding the subject through that Services ID are touched", async () => {
  const a = await seedProject(sql);
  const b = await seedProject(sql);
  const userA = await signIn(a, "001.n.two");
  const userB = await signIn(b, "001.n.two");
  // Project b has its own Apple app now: the deployment's Services ID no longer speaks for it.
  await sql`update astapa.projects set settings = jsonb_set(settings, '{social_login}',
              '{"apple": {"client_id": "com.example.b"}}') where id = ${b.id}`;
  await sql`update astapa.identities set refresh_token_sealed = null, token_client_id = null
            where project_id = ${b.id}`;
  assert.equal(
    (await notify(await apple.signNotification(event("account-delete", "001.n.two")))).status,
    200,
  );
  assert.equal(await liveSessions(a.id, userA), 0);
  assert.ok(await liveSessions(b.id, userB) > 0);
});
