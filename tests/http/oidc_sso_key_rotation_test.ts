/**
 * An OpenID Connect SSO IdP rotates its signing key (a new kid; the old key leaves its JWKS) between two sign-ins,
 * against the fake OpenID Provider: the second sign-in still succeeds — an unknown kid fetches the IdP's keys again
 * at once, though the cached set is seconds old (oauth4webapi alone waits a minute) — and a back-channel logout
 * token signed with the new key is accepted, though Astapa fetched the old set for a logout token seconds before
 * (jose alone waits out a 30-second cooldown). A token under a kid the IdP never published is still refused.
 */
import assert from "node:assert/strict";
import { generateKeyPair, SignJWT } from "jose";
import { seedProject } from "../helpers/identity.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { sessionCookie } from "../helpers/login.ts";
import { LOGOUT_EVENT } from "../fakes/google.ts";
import { appWithIdp, connectOidc, signInThroughIdp } from "../helpers/oidc_sso.ts";

const { t, idp } = await appWithIdp();
const { sql } = t.db;
const project = await seedProject(sql, { name: "Kantor" });
const api = platformApi(t, project);
const acme = await connectOidc(api, "acme", "acme.test", idp);
const logoutPath = new URL(acme.backchannel_logout_url).pathname;

async function signedIn(email: string, sid: string) {
  const res = await signInThroughIdp(t, project, idp, { sub: `sub-${email}`, email, sid });
  assert.equal(res.status, 303, await res.clone().text());
  assert.ok(sessionCookie(res, project.id), "a session starts");
}

const postLogout = (token: string) =>
  t.app.request(logoutPath, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ logout_token: token }),
  });

async function liveBySid(sid: string) {
  const [row] = await sql`select count(*) filter (where s.ended_at is null)::int as n
    from astapa.sso_oidc_sign_ins x
    join astapa.login_sessions s on s.project_id = x.project_id and s.token_hash = x.session_hash
    where x.project_id = ${project.id} and x.idp_sid = ${sid}`;
  return row.n as number;
}

Deno.test("OIDC SSO key rotation — a new kid between two sign-ins: the keys are fetched again, both sign-ins and logout tokens pass", async () => {
  await signedIn("dewi@acme.test", "sid-before");
  const oldKid = idp.kid;
  // A logout token under the old key: Astapa's logout-token key set fetches the JWKS now (and would cool down).
  const first = await postLogout(await idp.signLogoutToken({ sid: "sid-before" }));
  assert.equal(first.status, 200, await first.text());
  assert.equal(await liveBySid("sid-before"), 0);

  await idp.rotateKey();
  assert.notEqual(idp.kid, oldKid);
  const fetches = idp.jwksFetches;
  await signedIn("dewi@acme.test", "sid-after");
  assert.ok(idp.jwksFetches > fetches, "the unknown kid fetched the JWKS again");
  assert.equal(await liveBySid("sid-after"), 1);

  const second = await postLogout(await idp.signLogoutToken({ sid: "sid-after" }));
  assert.equal(second.status, 200, await second.text());
  assert.equal(await liveBySid("sid-after"), 0, "the new key's logout token ended the session");

  // A kid the IdP never published is still no key of the IdP's.
  await signedIn("dewi@acme.test", "sid-forged");
  const { privateKey } = await generateKeyPair("RS256");
  const forged = await new SignJWT({
    iss: idp.issuer,
    aud: idp.clientId,
    iat: Math.floor(Date.now() / 1000),
    jti: crypto.randomUUID(),
    events: LOGOUT_EVENT,
    sid: "sid-forged",
  }).setProtectedHeader({ alg: "RS256", kid: "not-the-idps", typ: "logout+jwt" }).sign(privateKey);
  const refused = await postLogout(forged);
  assert.equal(refused.status, 400);
  await refused.body?.cancel();
  assert.equal(await liveBySid("sid-forged"), 1);
});

Deno.test("OIDC SSO key rotation — the rotated key keeps working for the sign-ins after it (the refreshed keys are kept)", async () => {
  await idp.rotateKey();
  await signedIn("budi@acme.test", "sid-b1");
  const fetches = idp.jwksFetches;
  await signedIn("budi@acme.test", "sid-b2");
  assert.equal(idp.jwksFetches, fetches, "no fetch for a kid already known");
});
