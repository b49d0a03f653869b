/**
 * Dynamic Client Registration (RFC 7591) and what a self-registered client may then do: sign a person in to the
 * project owning the resource it names (PKCE always, the project's switch on), get tokens bound to that
 * resource, refresh them without moving the audience. Everything through the real app and hosted login.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import { CLIENT_FAILURES } from "@/lib/oauth/authenticate_client.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { basic, pkcePair, seedProject } from "../helpers/oauth.ts";
import { claimsOf, postForm } from "../helpers/token_client.ts";
import {
  authorizationResponse,
  hostedForm,
  mergeCookies,
  seedPasswordUser,
} from "../helpers/dynamic_clients.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const NOTES = "https://notes.example/mcp";
const NOTES_ADMIN = "https://notes.example/admin";
const CLOSED = "https://closed.example/mcp";
const open = await seedProject(t.db.sql, { name: "Notes", settings: { dynamic_clients: true } });
await seedRegistry(t.db.sql, open.id, { resources: [NOTES, NOTES_ADMIN], scopes: ["notes:read"] });
const closed = await seedProject(t.db.sql, { name: "Closed" });
await seedRegistry(t.db.sql, closed.id, { resources: [CLOSED], scopes: ["notes:read"] });
const PASSWORD = "correct horse battery";
const userId = await seedPasswordUser(t.db.sql, open.id, "ayu@example.com", PASSWORD);
await seedPasswordUser(t.db.sql, closed.id, "ayu@example.com", PASSWORD);
const REDIRECT = "http://127.0.0.1:8976/callback";

async function register(body: unknown, contentType = "application/json") {
  const res = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

async function publicClient(extra: Record<string, unknown> = {}): Promise<string> {
  const { res, body } = await register({
    client_name: "Agent",
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    ...extra,
  });
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.client_id;
}

const authorize = (params: Record<string, string>, cookie = "") =>
  t.app.request(`/auth/login?${new URLSearchParams(params)}`, { headers: { accept: "text/html", cookie } });

type Flow = {
  clientId: string;
  resource?: string;
  scope?: string;
  cookie?: string;
  extra?: Record<string, string>;
};

/** The authorization request's parameters, with a fresh PKCE pair. */
async function request(flow: Flow) {
  const pkce = await pkcePair();
  const params: Record<string, string> = {
    response_type: "code",
    client_id: flow.clientId,
    redirect_uri: REDIRECT,
    state: "st",
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    ...(flow.resource ? { resource: flow.resource } : {}),
    ...(flow.scope ? { scope: flow.scope } : {}),
    ...flow.extra,
  };
  return { params, verifier: pkce.verifier };
}

/** Signs Ayu in through the hosted login's form; returns the code, the verifier and the browser's cookies. */
async function signIn(flow: Flow) {
  const { params, verifier } = await request(flow);
  const page = await authorize(params);
  assert.equal(page.status, 200);
  const form = hostedForm({ html: await page.text(), cookie: mergeCookies("", page) });
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
  const back = authorizationResponse(posted, REDIRECT);
  assert.ok(back.code, `a code, not ${back.error}: ${back.errorDescription}`);
  return { code: back.code!, verifier, cookie: mergeCookies(form.cookie, posted), html: form.html };
}

const token = (body: Record<string, string>, headers: Record<string, string> = {}) =>
  postForm(t, "/api/platform/token", body, headers);

const redeem = (clientId: string, code: string, verifier: string, resource?: string) =>
  token({
    grant_type: "authorization_code",
    client_id: clientId,
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    ...(resource ? { resource } : {}),
  });

Deno.test("DCR flow — sign-in shows the client as unverified; the token is bound to the resource; refresh keeps it", async () => {
  const clientId = await publicClient();
  const { code, verifier, html } = await signIn({
    clientId,
    resource: NOTES,
    scope: "notes:read offline_access",
  });
  assert.match(html, /“Agent”/);
  assert.match(html, /wants to access/);
  assert.match(html, /not checked by the project/);
  const { res, body } = await redeem(clientId, code, verifier, NOTES);
  assert.equal(res.status, 200, JSON.stringify(body));
  const claims = claimsOf(body.access_token);
  assert.equal(claims.aud, NOTES);
  assert.equal(claims.client_id, clientId);
  assert.equal(claims.project_id, open.id);
  assert.equal(claims.sub, userId);
  assert.equal(body.scope, "notes:read offline_access");

  for (const [resource, error] of [[NOTES_ADMIN, "invalid_target"], [undefined, "invalid_target"]] as const) {
    const moved = await token({
      grant_type: "refresh_token",
      client_id: clientId,
      refresh_token: body.refresh_token,
      ...(resource ? { resource } : {}),
    });
    assert.equal(moved.res.status, 400);
    assert.equal(moved.body.error, error, JSON.stringify(moved.body));
  }
  const refreshed = await token({
    grant_type: "refresh_token",
    client_id: clientId,
    refresh_token: body.refresh_token,
    resource: `${NOTES}`,
  });
  assert.equal(refreshed.res.status, 200, JSON.stringify(refreshed.body));
  assert.equal(claimsOf(refreshed.body.access_token).aud, NOTES, "the audience is kept");
  assert.notEqual(refreshed.body.refresh_token, body.refresh_token);
});

Deno.test("DCR flow — a code is redeemed once; the replay also revokes what the first redemption issued", async () => {
  const clientId = await publicClient();
  const { code, verifier } = await signIn({ clientId, resource: NOTES });
  const first = await redeem(clientId, code, verifier, NOTES);
  assert.equal(first.res.status, 200);
  const replay = await redeem(clientId, code, verifier, NOTES);
  assert.equal(replay.res.status, 400);
  assert.equal(replay.body.error, "invalid_grant");
  const refresh = await token({
    grant_type: "refresh_token",
    client_id: clientId,
    refresh_token: first.body.refresh_token,
    resource: NOTES,
  });
  assert.equal(refresh.body.error, "invalid_grant", "revoked by the replay");
});

Deno.test("DCR flow — the token request's resource must be the authorized one", async () => {
  const clientId = await publicClient();
  const { code, verifier } = await signIn({ clientId, resource: NOTES });
  const cases: [string | undefined, string, RegExp][] = [
    [undefined, "invalid_target", /must send resource/],
    [NOTES_ADMIN, "invalid_target", /differs from the one the authorization request named/],
    ["https://unknown.example/mcp", "invalid_target", /not a protected resource/],
    [CLOSED, "unauthorized_client", /does not accept dynamically registered clients/],
  ];
  for (const [resource, error, description] of cases) {
    const { res, body } = await redeem(clientId, code, verifier, resource);
    assert.equal(res.status, 400, String(resource));
    assert.equal(body.error, error, `${resource}: ${JSON.stringify(body)}`);
    assert.match(body.error_description, description);
  }
  const { res } = await redeem(clientId, code, verifier, NOTES);
  assert.equal(res.status, 200, "refused requests did not use the code up");
});

Deno.test("DCR authorize — PKCE, a resource, an open project and its scopes are required", async () => {
  const clientId = await publicClient();
  const cases: [Flow, string, RegExp][] = [
    [
      { clientId, extra: { code_challenge: "", code_challenge_method: "" } },
      "invalid_request",
      /PKCE is required/,
    ],
    [{ clientId }, "invalid_target", /must name the protected resource/],
    [{ clientId, resource: "https://unknown.example/mcp" }, "invalid_target", /not a protected resource/],
    [{ clientId, resource: CLOSED }, "unauthorized_client", /does not accept dynamically registered clients/],
    [{ clientId, resource: NOTES, scope: "notes:write" }, "invalid_scope", /project: notes:write/],
  ];
  for (const [flow, error, description] of cases) {
    const { params } = await request(flow);
    for (const [key, value] of Object.entries(params)) if (value === "") delete params[key];
    const back = authorizationResponse(await authorize(params), REDIRECT);
    assert.equal(back.error, error, JSON.stringify(flow));
    assert.match(back.errorDescription ?? "", description);
    assert.equal(back.state, "st");
    assert.equal(back.iss, t.origin);
  }
  // A registration's scope is the client's own claim and limits nothing (RFC 7591 §2; MCP step-up widens past
  // it): a scope the project declares is asked of the person, and the page names it.
  const narrow = await publicClient({ scope: "openid" });
  const { params } = await request({ clientId: narrow, resource: NOTES, scope: "openid notes:read" });
  const page = await authorize(params);
  const html = await page.text();
  assert.equal(page.status, 200, `${page.headers.get("location")} ${html.slice(0, 300)}`);
  assert.match(
    html,
    /It asks for:.*<code class="scope">openid<\/code>.*<code class="scope">notes:read<\/code>/s,
  );
});

Deno.test("DCR authorize — unknown clients, other redirect URIs and Astapa's own pages are an error page", async () => {
  const clientId = await publicClient();
  for (
    const [id, redirect] of [
      ["dcl_aaaaaaaaaaaaaaaaaaaaaaaa", REDIRECT],
      [clientId, "https://evil.example/cb"],
      [clientId, `${t.origin}/billing/callback`],
    ]
  ) {
    const { params } = await request({ clientId: id, resource: NOTES });
    const res = await authorize({ ...params, redirect_uri: redirect });
    assert.ok(res.status >= 400 && res.status < 500, `${id} ${redirect}: ${res.status}`);
    assert.equal(res.headers.get("location"), null);
    await res.body?.cancel();
  }
});

Deno.test("DCR — without PKCE at the token endpoint a public client's code is refused", async () => {
  const clientId = await publicClient();
  const { code } = await signIn({ clientId, resource: NOTES });
  const { res, body } = await token({
    grant_type: "authorization_code",
    client_id: clientId,
    code,
    redirect_uri: REDIRECT,
    resource: NOTES,
  });
  assert.equal(res.status, 400);
  assert.equal(body.error, "invalid_grant");
});

Deno.test("DCR — client authentication: public clients send no secret, confidential ones theirs", async () => {
  const publicId = await publicClient();
  const withSecret = await token({
    grant_type: "authorization_code",
    client_id: publicId,
    client_secret: "acs_guess",
    code: "x",
    redirect_uri: REDIRECT,
    resource: NOTES,
  });
  assert.equal(withSecret.res.status, 401);
  assert.equal(withSecret.body.error, "invalid_client");

  const registered = await register({ client_name: "Backend agent", redirect_uris: [REDIRECT] });
  const { client_id: clientId, client_secret: secret } = registered.body;
  const { code, verifier } = await signIn({ clientId, resource: NOTES });
  const wrong = await token(
    {
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      resource: NOTES,
    },
    { authorization: basic(clientId, "acs_wrong") },
  );
  assert.equal(wrong.res.status, 401);
  assert.match(wrong.res.headers.get("www-authenticate") ?? "", /^Basic/);
  const bare = await redeem(clientId, code, verifier, NOTES);
  assert.equal(bare.res.status, 401, "a confidential client must send its secret");
  const right = await token(
    {
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      resource: NOTES,
    },
    { authorization: basic(clientId, secret) },
  );
  assert.equal(right.res.status, 200, JSON.stringify(right.body));
  assert.equal(claimsOf(right.body.access_token).aud, NOTES);

  const machine = await token(
    { grant_type: "client_credentials", resource: NOTES },
    { authorization: basic(clientId, secret) },
  );
  assert.equal(machine.res.status, 400);
  assert.equal(machine.body.error, "unauthorized_client", "self-registered clients never act for themselves");
});

Deno.test("DCR — a signed-in person is asked before a self-registered client gets a code", async () => {
  const clientId = await publicClient();
  const { cookie } = await signIn({ clientId, resource: NOTES });
  // The sign-in allowed no scope; asking for one now is asked (remembered consent covers only what was allowed).
  const { params, verifier } = await request({ clientId, resource: NOTES, scope: "notes:read" });
  const page = await authorize(params, cookie);
  assert.equal(page.status, 200, "no silent redirect");
  const form = hostedForm({ html: await page.text(), cookie: mergeCookies(cookie, page) });
  assert.equal(form.action, "/auth/consent?lang=en");
  assert.match(form.html, /Allow/);
  assert.match(form.html, /wants to access/);

  const silent = await authorize({ ...params, prompt: "none" }, cookie);
  assert.equal(authorizationResponse(silent, REDIRECT).error, "consent_required");

  const stale = await t.app.request(form.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
    body: new URLSearchParams({ request: form.request, csrf: "x".repeat(43), decision: "allow" }),
  });
  assert.equal(stale.status, 403, "CSRF-checked");
  await stale.body?.cancel();

  const allowed = await t.app.request(form.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
    body: new URLSearchParams({ request: form.request, csrf: form.csrf, decision: "allow" }),
  });
  const back = authorizationResponse(allowed, REDIRECT);
  assert.equal(back.state, "st");
  const { res } = await redeem(clientId, back.code!, verifier, NOTES);
  assert.equal(res.status, 200);

  const denied = await t.app.request(form.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
    body: new URLSearchParams({ request: form.request, csrf: form.csrf, decision: "deny" }),
  });
  const refusal = authorizationResponse(denied, REDIRECT);
  assert.equal(refusal.error, "access_denied");
  assert.equal(refusal.code, null);
  assert.equal(refusal.state, "st");

  const signedOut = await t.app.request(form.action, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: form.cookie.replace(/astapa_session_[^;]+(; )?/, ""),
    },
    body: new URLSearchParams({ request: form.request, csrf: form.csrf, decision: "allow" }),
  });
  assert.equal(signedOut.status, 303);
  assert.match(
    signedOut.headers.get("location") ?? "",
    /^\/auth\/login\?/,
    "without a session: sign in first",
  );
});

Deno.test("DCR — turning the project's switch off stops codes and refresh tokens already issued", async () => {
  const clientId = await publicClient();
  const { code, verifier } = await signIn({ clientId, resource: NOTES });
  const second = await signIn({ clientId, resource: NOTES });
  const issued = await redeem(clientId, second.code, second.verifier, NOTES);
  assert.equal(issued.res.status, 200);
  await asApp(
    t.db.sql,
    open.id,
    (tx) => tx`update astapa.projects set settings = '{}' where id = ${open.id}`,
  );
  try {
    const { body } = await redeem(clientId, code, verifier, NOTES);
    assert.equal(body.error, "unauthorized_client");
    const refresh = await token({
      grant_type: "refresh_token",
      client_id: clientId,
      refresh_token: issued.body.refresh_token,
      resource: NOTES,
    });
    assert.equal(refresh.body.error, "unauthorized_client");
    const { params } = await request({ clientId, resource: NOTES });
    assert.equal(authorizationResponse(await authorize(params), REDIRECT).error, "unauthorized_client");
  } finally {
    await asApp(
      t.db.sql,
      open.id,
      (tx) => tx`update astapa.projects set settings = '{"dynamic_clients": true}' where id = ${open.id}`,
    );
  }
});

Deno.test("DCR — wrong secrets of a confidential dynamic client count toward the client lockout", async () => {
  const registered = await register({ client_name: "Guessed agent", redirect_uris: [REDIRECT] });
  const { client_id: clientId, client_secret: secret } = registered.body;
  const attempt = (guess: string) =>
    token(
      {
        grant_type: "authorization_code",
        code: "x",
        code_verifier: "y",
        redirect_uri: REDIRECT,
        resource: NOTES,
      },
      { authorization: basic(clientId, guess) },
    );
  for (let i = 0; i < CLIENT_FAILURES.perClient; i++) {
    assert.equal((await attempt(`acs_guess_${i}`)).res.status, 401);
  }
  const locked = await attempt(secret);
  assert.equal(locked.res.status, 429, "even the right secret waits for the window");
  assert.ok(Number(locked.res.headers.get("retry-after")) > 0);
  assert.equal(locked.body.error, "rate_limited");
});
