/**
 * The device authorization grant (RFC 8628) with oauth4webapi's device-flow helpers, unmodified, against a
 * served Astapa: a self-registered agent asks for codes, polls (authorization_pending, slow_down), the person
 * types the code at /device, signs in and allows it; the token is bound to the resource. Denied, expired and
 * replayed device codes, guessed user codes, and three instances polling at once are covered too.
 */
import assert from "node:assert/strict";
import * as oauth from "oauth4webapi";
import { createApp } from "@/lib/app.ts";
import { createDeps } from "@/lib/deps.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { TEST_MASTER_KEY, testApp } from "../helpers/app.ts";
import { mergeCookies, seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { seedProject } from "../helpers/oauth.ts";
import { claimsOf } from "../helpers/token_client.ts";
import { csrfOf } from "../helpers/csrf.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const NOTES = "https://notes.example/mcp";
const project = await seedProject(sql, { name: "Notes", settings: { dynamic_clients: true } });
await seedRegistry(sql, project.id, { resources: [NOTES], scopes: ["notes:read", "notes:share"] });
await sql`update astapa.resources set name = 'Notes MCP' where uri = ${NOTES}`;
const PASSWORD = "correct horse battery";
await seedPasswordUser(sql, project.id, "ayu@example.com", PASSWORD);
const insecure = { [oauth.allowInsecureRequests]: true };
const as = await oauth.processDiscoveryResponse(
  new URL(t.origin),
  await oauth.discoveryRequest(new URL(t.origin), { algorithm: "oauth2", ...insecure }),
);
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

async function registerAgent(grantTypes = ["authorization_code", "refresh_token", DEVICE_GRANT]) {
  const res = await fetch(`${t.origin}/api/platform/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Terminal agent",
      redirect_uris: ["http://127.0.0.1:8976/callback"],
      token_endpoint_auth_method: "none",
      grant_types: grantTypes,
    }),
  });
  assert.equal(res.status, 201);
  return { client_id: (await res.json()).client_id as string } satisfies oauth.Client;
}
const agent = await registerAgent();

async function start(client: oauth.Client = agent, scope = "notes:read offline_access") {
  const res = await oauth.deviceAuthorizationRequest(as, client, oauth.None(), {
    scope,
    resource: NOTES,
  }, insecure);
  return await oauth.processDeviceAuthorizationResponse(as, client, res);
}

/** One poll as the agent: the tokens, or the RFC 8628 error it was answered with. */
async function poll(deviceCode: string, client: oauth.Client = agent, app?: { request: typeof fetch }) {
  const send = app ? (url: string | URL | Request, init?: RequestInit) => app.request(url, init) : undefined;
  const res = await oauth.deviceCodeGrantRequest(as, client, oauth.None(), deviceCode, {
    additionalParameters: { resource: NOTES },
    ...insecure,
    ...(send ? { [oauth.customFetch]: send } : {}),
  });
  try {
    return { tokens: await oauth.processDeviceCodeResponse(as, client, res) };
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError) return { error: error.error, status: error.status };
    throw error;
  }
}

/**
 * The browser side: the /device page, step by step, keeping cookies; returns the last page's HTML. A `sign_in`
 * step is the person signing in on the hosted login where /device sent them, coming back to /device with the
 * code filled in and confirming it.
 */
async function visit(userCode: string, steps: Record<string, string>[], cookie = "") {
  const get = async (url: string) => {
    const res = await fetch(new URL(url, t.origin), { headers: { cookie }, redirect: "manual" });
    cookie = mergeCookies(cookie, res);
    return res;
  };
  const post = async (url: string, fields: Record<string, string>) => {
    const res = await fetch(new URL(url, t.origin), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams(fields),
      redirect: "manual",
    });
    cookie = mergeCookies(cookie, res);
    return res;
  };
  let page = await get(`/device?user_code=${userCode}&lang=en`);
  let html = await page.text();
  for (const { step, ...fields } of steps) {
    if (step === "sign_in") {
      assert.equal(page.status, 303, "an unsigned-in browser is sent to the hosted login");
      const login = page.headers.get("location")!;
      assert.match(login, /^\/auth\/login\?/);
      const form = await get(login);
      const formHtml = await form.text();
      const action = /<form method="post" action="([^"]+)"/.exec(formHtml)?.[1]?.replace(/&amp;/g, "&") ??
        login;
      page = await post(action, {
        request: new URL(login, t.origin).searchParams.toString(),
        csrf: csrfOf(formHtml),
        ...fields,
      });
      // Back through /device/callback to /device with the code filled in.
      while (page.status === 303 && !page.headers.get("location")!.startsWith("/auth/")) {
        page = await get(page.headers.get("location")!);
      }
      html = await page.text();
      assert.equal(page.status, 200, html.slice(0, 300));
      page = await post("/device?lang=en", {
        csrf: csrfOf(html),
        user_code: /name="user_code" type="text" value="([^"]*)"/.exec(html)?.[1] ?? "",
        step: "enter",
      });
      html = await page.text();
      continue;
    }
    const code = /name="user_code" value="([^"]*)"/.exec(html)?.[1] ?? userCode;
    page = await post("/device?lang=en", { csrf: csrfOf(html), user_code: code, step, ...fields });
    html = page.status === 303 ? "" : await page.text();
  }
  return { html, status: page.status, cookie, location: page.headers.get("location") };
}

const signInAndDecide = (userCode: string, decision: "allow" | "deny") =>
  visit(userCode, [
    { step: "enter" },
    { step: "sign_in", email: "ayu@example.com", password: PASSWORD },
    { step: "decide", decision },
  ]);

Deno.test("device flow — pending, slow_down, then the person allows at /device and the agent gets tokens once", async () => {
  const codes = await start();
  assert.match(codes.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
  assert.equal(codes.verification_uri, `${t.origin}/device`);
  assert.equal(codes.verification_uri_complete, `${t.origin}/device?user_code=${codes.user_code}`);
  assert.equal(codes.interval, 5);
  assert.equal(codes.expires_in, 600);

  assert.deepEqual(await poll(codes.device_code), { error: "authorization_pending", status: 400 });
  assert.deepEqual(await poll(codes.device_code), { error: "slow_down", status: 400 });
  const [{ interval_seconds }] = await sql`select interval_seconds from astapa.device_authorizations
                                          where user_code = ${codes.user_code.replace("-", "")}`;
  assert.equal(interval_seconds, 10, "slow_down adds 5 seconds to every later wait");

  const consent = await visit(codes.user_code, [{ step: "enter" }, {
    step: "sign_in",
    email: "ayu@example.com",
    password: PASSWORD,
  }]);
  assert.equal(consent.status, 200);
  assert.match(consent.html, /“Terminal agent”/);
  assert.match(consent.html, /Notes MCP/);
  assert.match(consent.html, /https:\/\/notes\.example\/mcp/);
  assert.match(consent.html, /notes:read/);
  const allowed = await visit(codes.user_code, [{ step: "decide", decision: "allow" }], consent.cookie);
  assert.match(allowed.html, /Device connected/);

  const { tokens } = await poll(codes.device_code);
  assert.ok(tokens, "approved: tokens at the next poll");
  assert.equal(claimsOf(tokens.access_token).aud, NOTES);
  assert.equal(claimsOf(tokens.access_token).client_id, agent.client_id);
  assert.ok(tokens.refresh_token);
  assert.deepEqual(await poll(codes.device_code), { error: "invalid_grant", status: 400 });
  const audit = await sql`select action from astapa.audit_log where target = ${agent.client_id} order by id`;
  assert.deepEqual(audit.map((r) => r.action), [
    "device_authorization.started",
    "device_authorization.approved",
  ]);
});

Deno.test("device flow — denied is access_denied; expired is expired_token; another client's code is invalid_grant", async () => {
  // A client the person never allowed (the first test's agent is remembered now, so it is not asked again).
  const stranger = await registerAgent();
  const denied = await start(stranger);
  const page = await signInAndDecide(denied.user_code, "deny");
  assert.match(page.html, /Request denied/);
  assert.equal((await poll(denied.device_code, stranger)).error, "access_denied");

  const expired = await start();
  await sql`update astapa.device_authorizations set expires_at = now() - interval '1 second'
            where user_code = ${expired.user_code.replace("-", "")}`;
  assert.equal((await poll(expired.device_code)).error, "expired_token");
  const late = await visit(expired.user_code, [{ step: "enter" }]);
  assert.equal(late.status, 422);
  assert.match(late.html, /not valid, or it has expired/);

  const other = await registerAgent();
  const stolen = await start();
  assert.equal((await poll(stolen.device_code, other)).error, "invalid_grant");
  assert.equal((await poll("not-a-device-code")).error, "invalid_grant");
});

Deno.test("device flow — remembered consent: allowed once, not asked again; a new scope asks again", async () => {
  const remembering = await registerAgent();
  const first = await start(remembering);
  assert.match((await signInAndDecide(first.user_code, "allow")).html, /Device connected/);
  assert.ok((await poll(first.device_code, remembering)).tokens);

  // The same scopes (or fewer): connected right after sign-in, the page saying why.
  for (const scope of ["notes:read offline_access", "notes:read"]) {
    const again = await start(remembering, scope);
    const page = await visit(again.user_code, [
      { step: "enter" },
      { step: "sign_in", email: "ayu@example.com", password: PASSWORD },
    ]);
    assert.match(page.html, /Device connected/);
    assert.match(page.html, /already allowed “Terminal agent” these permissions for Notes MCP/);
    assert.doesNotMatch(page.html, /name="decision"/);
    const { tokens } = await poll(again.device_code, remembering);
    assert.ok(tokens, `approved without a question for ${scope}`);
    assert.equal(claimsOf(tokens.access_token).scope, scope);
  }

  // A new scope: the consent step, naming the client and resource, and allowing widens the remembered grant.
  const wider = await start(remembering, "notes:read notes:share");
  const consent = await visit(wider.user_code, [
    { step: "enter" },
    { step: "sign_in", email: "ayu@example.com", password: PASSWORD },
  ]);
  assert.match(consent.html, /Allow this device\?/);
  assert.match(consent.html, /“Terminal agent”/);
  assert.match(consent.html, /notes:share/);
  await visit(wider.user_code, [{ step: "decide", decision: "allow" }], consent.cookie);
  assert.ok((await poll(wider.device_code, remembering)).tokens);
  const [{ scopes }] =
    await sql`select scopes from astapa.consents where client_id = ${remembering.client_id}`;
  assert.deepEqual(scopes, ["notes:read", "notes:share", "offline_access"]);
});

Deno.test("device flow — a client that did not register the grant is unauthorized_client; a machine client is refused", async () => {
  const plain = await registerAgent(["authorization_code"]);
  const res = await oauth.deviceAuthorizationRequest(as, plain, oauth.None(), { resource: NOTES }, insecure);
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, "unauthorized_client");
  const noResource = await oauth.deviceAuthorizationRequest(as, agent, oauth.None(), {}, insecure);
  assert.equal((await noResource.json()).error, "invalid_target");
  const wideScope = await oauth.deviceAuthorizationRequest(as, agent, oauth.None(), {
    resource: NOTES,
    scope: "notes:write",
  }, insecure);
  assert.equal((await wideScope.json()).error, "invalid_scope");
});

Deno.test("device flow — a registration's scope limits nothing: a declared scope past it is asked on /device", async () => {
  const res = await fetch(`${t.origin}/api/platform/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Narrow agent",
      redirect_uris: ["http://127.0.0.1:8976/callback"],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", DEVICE_GRANT],
      scope: "notes:read",
    }),
  });
  assert.equal(res.status, 201);
  const narrow = { client_id: (await res.json()).client_id as string } satisfies oauth.Client;
  const started = await start(narrow, "notes:read notes:share");
  assert.match(started.user_code, /^[A-Z-]+$/);
});

Deno.test("device flow — guessed user codes: after 10 misses from one address the page makes it wait", async () => {
  // The expired-code test above missed once from this address too: start this count from zero.
  await sql`delete from astapa.rate_limits where bucket like 'device_code:address:%'`;
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) {
    statuses.push((await visit("BCDF-GHJK", [{ step: "enter" }])).status);
  }
  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(422));
  assert.equal(statuses[10], 429);
  const locked = await visit("BCDF-GHJK", [{ step: "enter" }]);
  assert.match(locked.html, /Too many attempts/);
});

Deno.test("device flow — three instances polled at once: one authorization_pending, the others slow_down", async () => {
  const extra: { close(): void }[] = [];
  const apps: { request: typeof fetch }[] = [];
  for (let i = 0; i < 3; i++) {
    const deps = await createDeps({
      config: t.config,
      sql,
      masterKeys: await deriveMasterKeys(TEST_MASTER_KEY),
      assets: t.deps.assets,
    });
    extra.push(deps);
    const app = await createApp(deps);
    apps.push({
      request: ((input: string | URL | Request, init?: RequestInit) =>
        app.request(input, init)) as typeof fetch,
    });
  }
  try {
    const codes = await start();
    const results = await Promise.all(apps.map((app) => poll(codes.device_code, agent, app)));
    assert.deepEqual(results.map((r) => r.error).toSorted(), [
      "authorization_pending",
      "slow_down",
      "slow_down",
    ]);
  } finally {
    for (const deps of extra) deps.close();
  }
});

Deno.test("device flow — signing in goes through the hosted login: a person's second factor is asked before /device sees them", async () => {
  await sql`delete from astapa.rate_limits where bucket like 'device_code:address:%'`; // the guessing test's
  const userId = await seedPasswordUser(sql, project.id, "dewi@example.com", PASSWORD);
  await sql`insert into astapa.user_factors (project_id, user_id, kind, secret_sealed, confirmed_at)
            values (${project.id}, ${userId}, 'totp', pg_catalog.decode('00', 'hex'), now())`;
  const codes = await start();
  const sent = await visit(codes.user_code, [{ step: "enter" }]);
  assert.equal(sent.status, 303);
  const login = new URL(sent.location!, t.origin);
  assert.equal(login.pathname, "/auth/login");
  assert.equal(login.searchParams.get("redirect_uri"), `${t.origin}/device/callback`);
  const [{ client_id }] = await sql`select client_id from astapa.projects where id = ${project.id}`;
  assert.equal(login.searchParams.get("client_id"), client_id, "the project's own client signs in");

  // The password alone leads to the second step, not back to /device; no session is written yet.
  const form = await fetch(login, { redirect: "manual" });
  const cookie = mergeCookies("", form);
  const html = await form.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)![1].replace(/&amp;/g, "&");
  const signedIn = await fetch(new URL(action, t.origin), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({
      request: login.searchParams.toString(),
      csrf: csrfOf(html),
      email: "dewi@example.com",
      password: PASSWORD,
    }),
    redirect: "manual",
  });
  await signedIn.body?.cancel();
  assert.equal(signedIn.status, 303);
  assert.match(signedIn.headers.get("location")!, /^\/auth\/mfa/);
  assert.equal(
    signedIn.headers.getSetCookie().some((c) => c.startsWith(`astapa_session_${project.id}=`)),
    false,
  );

  // The old password step of /device is gone: a form posting it is refused, and nothing is decided.
  const old = await visit(codes.user_code, [{ step: "sign_in_with_password", email: "dewi@example.com" }]);
  assert.equal(old.status, 400);
  const [{ status }] = await sql`select status from astapa.device_authorizations
                                 where user_code = ${codes.user_code.replace("-", "")}`;
  assert.equal(status, "pending");
});

Deno.test("device flow — the callback only ever leads back to /device with a well-formed code", async () => {
  const back = await fetch(
    `${t.origin}/device/callback?code=x&state=${encodeURIComponent("user_code=bcdf-ghjk&lang=id")}`,
    {
      redirect: "manual",
    },
  );
  await back.body?.cancel();
  assert.equal(back.status, 303);
  assert.equal(back.headers.get("location"), "/device?user_code=BCDF-GHJK&lang=id");
  const bad = await fetch(
    `${t.origin}/device/callback?state=${encodeURIComponent("user_code=https://evil.example")}`,
    {
      redirect: "manual",
    },
  );
  await bad.body?.cancel();
  assert.equal(bad.status, 400);
});

Deno.test("device flow — a client known by its metadata document URL uses the grant when its document lists it", async () => {
  await sql`update astapa.projects set settings = settings || '{"client_metadata_documents": true}'
            where id = ${project.id}`;
  t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 1000 };
  const served = new Map<string, Record<string, unknown>>();
  const host = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const doc = served.get(new URL(req.url).pathname);
    return doc
      ? Response.json(doc, { headers: { "cache-control": "max-age=60" } })
      : new Response("", { status: 404 });
  });
  try {
    const publish = (path: string, grantTypes: string[]) => {
      const clientId = `http://127.0.0.1:${host.addr.port}${path}`;
      served.set(path, {
        client_id: clientId,
        client_name: "Published agent",
        redirect_uris: ["http://127.0.0.1:8976/callback"],
        grant_types: grantTypes,
        token_endpoint_auth_method: "none",
      });
      return { client_id: clientId } satisfies oauth.Client;
    };
    const withoutGrant = publish("/plain.json", ["authorization_code"]);
    const refused = await oauth.deviceAuthorizationRequest(as, withoutGrant, oauth.None(), {
      resource: NOTES,
    }, insecure);
    assert.equal(refused.status, 400);
    assert.equal((await refused.json()).error, "unauthorized_client");

    const published = publish("/agent.json", ["authorization_code", "refresh_token", DEVICE_GRANT]);
    const codes = await start(published);
    const consent = await visit(codes.user_code, [{ step: "enter" }, {
      step: "sign_in",
      email: "ayu@example.com",
      password: PASSWORD,
    }]);
    assert.match(consent.html, /“Published agent”/);
    // The document's name is its own claim; the URL's host is what was checked, and the page says so.
    assert.match(
      consent.html,
      new RegExp(`published at <strong class="client-host">127\\.0\\.0\\.1:${host.addr.port}<`),
    );
    const allowed = await visit(codes.user_code, [{ step: "decide", decision: "allow" }], consent.cookie);
    assert.match(allowed.html, /Device connected/);
    const { tokens } = await poll(codes.device_code, published);
    assert.ok(tokens, "approved: tokens at the next poll");
    assert.equal(claimsOf(tokens.access_token).client_id, published.client_id);
    assert.equal(claimsOf(tokens.access_token).aud, NOTES);
    // Another client (here the document client) cannot redeem a code started by the registered agent.
    const other = await start();
    assert.deepEqual(await poll(other.device_code, published), { error: "invalid_grant", status: 400 });
  } finally {
    await host.shutdown();
  }
});
