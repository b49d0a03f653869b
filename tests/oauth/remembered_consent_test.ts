/**
 * Remembered consent (issue 26 item 6) through the real app and hosted login: what a person allowed a
 * self-registered client for a resource is not asked again; a new scope is (incremental), and allowing it widens
 * the grant; revoking it (as an admin from the dashboard) ends the client's refresh tokens and brings the
 * question back; the project's dashboard lists the client.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { projectThirdPartyClients, revokeConsent, userConsents } from "@/db/consents.ts";
import { testApp } from "../helpers/app.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { pkcePair, seedProject } from "../helpers/oauth.ts";
import { postForm } from "../helpers/token_client.ts";
import {
  authorizationResponse,
  hostedForm,
  mergeCookies,
  seedPasswordUser,
} from "../helpers/dynamic_clients.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const NOTES = "https://consent-notes.example/mcp";
const project = await seedProject(t.db.sql, { name: "Notes", settings: { dynamic_clients: true } });
await seedRegistry(t.db.sql, project.id, { resources: [NOTES], scopes: ["notes:read", "notes:write"] });
const PASSWORD = "correct horse battery";
const userId = await seedPasswordUser(t.db.sql, project.id, "ayu@example.com", PASSWORD);
const REDIRECT = "http://127.0.0.1:8976/callback";

const registered = await t.app.request("/api/platform/register", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    client_name: "Remembering agent",
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
  }),
});
const clientId: string = (await registered.json()).client_id;

async function authorize(scope: string, cookie = "") {
  const pkce = await pkcePair();
  const params = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT,
    state: "st",
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    resource: NOTES,
    scope,
  });
  const res = await t.app.request(`/auth/login?${params}`, { headers: { accept: "text/html", cookie } });
  return { res, verifier: pkce.verifier };
}

const redeem = (code: string, verifier: string) =>
  postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    client_id: clientId,
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    resource: NOTES,
  });

const consents = () => asApp(t.db.sql, project.id, (tx) => userConsents(tx, userId));

Deno.test("remembered consent — allowed once, not asked again; a new scope is asked and widens the grant; revoking ends tokens", async () => {
  // Signing in on a page that names the client allows it what it asked.
  const first = await authorize("notes:read offline_access");
  const form = hostedForm({ html: await first.res.text(), cookie: mergeCookies("", first.res) });
  const posted = await t.app.request(form.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
    body: new URLSearchParams({
      request: form.request,
      csrf: form.csrf,
      email: "ayu@example.com",
      password: PASSWORD,
    }),
  });
  const cookie = mergeCookies(form.cookie, posted);
  const code = authorizationResponse(posted, REDIRECT).code!;
  const tokens = await redeem(code, first.verifier);
  assert.equal(tokens.res.status, 200);
  assert.deepEqual((await consents()).map((c) => [c.client_id, c.resource, c.scopes, c.client_name]), [
    [clientId, NOTES, ["notes:read", "offline_access"], "Remembering agent"],
  ]);

  // The same (or a narrower) request: straight back with a code, no consent page.
  for (const scope of ["notes:read offline_access", "notes:read"]) {
    const again = await authorize(scope, cookie);
    const back = authorizationResponse(again.res, REDIRECT);
    assert.ok(back.code, `no question for ${scope}`);
  }

  // A new scope: the consent page, and prompt=none cannot skip it.
  const wider = await authorize("notes:read notes:write", cookie);
  assert.equal(wider.res.status, 200);
  const consentForm = hostedForm({ html: await wider.res.text(), cookie: mergeCookies(cookie, wider.res) });
  assert.equal(consentForm.action, "/auth/consent?lang=en");
  const allowed = await t.app.request(consentForm.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: consentForm.cookie },
    body: new URLSearchParams({ request: consentForm.request, csrf: consentForm.csrf, decision: "allow" }),
  });
  assert.ok(authorizationResponse(allowed, REDIRECT).code);
  assert.deepEqual((await consents())[0].scopes, ["notes:read", "notes:write", "offline_access"]);
  const clients = await asApp(t.db.sql, project.id, (tx) => projectThirdPartyClients(tx));
  assert.deepEqual(clients.map((c) => [c.client_id, c.kind, c.users, c.resources]), [
    [clientId, "registered", 1, [NOTES]],
  ]);

  // An admin revokes it: the refresh token stops working and the question comes back.
  const revoked = await asApp(
    t.db.sql,
    project.id,
    (tx) => revokeConsent(tx, { userId, clientId, resource: NOTES, byAdmin: true }),
  );
  assert.ok(revoked.refresh_tokens_revoked >= 1);
  const refresh = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    client_id: clientId,
    refresh_token: tokens.body.refresh_token,
    resource: NOTES,
  });
  assert.equal(refresh.res.status, 400);
  assert.equal(refresh.body.error, "invalid_grant");
  const asked = await authorize("notes:read", cookie);
  assert.equal(asked.res.status, 200, "asked again after revocation");
  await asked.res.body?.cancel();
  assert.deepEqual(await consents(), []);
});
