/** The SDK against a real, served Astapa: sign-in with PKCE, verification, plan gates, refresh and revoke. */
import assert from "node:assert/strict";
import { Hono } from "hono";
import express from "express";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import { issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { ACR_MFA, AstapaAuthError, AstapaError, createAstapa } from "@/sdk/mod.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { clientAccessToken } from "@/lib/tokens/access_tokens.ts";

const t = await testApp({ listen: true });
const project = await seedProject(t.db.sql, { redirectUri: "http://localhost:3000/callback" });
await asApp(
  t.db.sql,
  project.id,
  (tx) => tx`select api.create_plan(${project.id}, '{"key": "pro", "name": "Pro"}')`,
);
const astapa = createAstapa({
  baseUrl: t.origin,
  clientId: project.clientId,
  clientSecret: project.secret,
  redirectUri: project.redirectUri,
});

const expressApp = express();
expressApp.get(
  "/pro",
  astapa.requirePlan.express("pro"),
  (req: { astapa: { sub: string } }, res: { json(v: unknown): void }) => {
    res.json({ sub: req.astapa.sub });
  },
);
expressApp.get(
  "/secure",
  astapa.requireMfa.express(),
  (req: { astapa: { amr: string[] } }, res: { json(v: unknown): void }) => {
    res.json({ amr: req.astapa.amr });
  },
);
const expressServer = expressApp.listen(0);
const expressPort = await new Promise<number>((resolve) => {
  const address = () => (expressServer.address() as { port: number }).port;
  expressServer.listening ? resolve(address()) : expressServer.on("listening", () => resolve(address()));
});
Deno.test.afterAll(async () => {
  await new Promise((resolve) => expressServer.close(resolve));
  await t.close();
});

/** What the hosted login does after the person signs in: issue a code for the SDK's challenge. */
async function signIn(userId: string) {
  const login = await astapa.loginUrl({ scope: "openid email" });
  const params = new URL(login.url).searchParams;
  assert.equal(params.get("code_challenge_method"), "S256");
  const code = await issueCode(t.db.sql, project, {
    userId,
    scope: params.get("scope")!,
    codeChallenge: params.get("code_challenge")!,
  });
  return await astapa.exchangeCode({ code, codeVerifier: login.codeVerifier });
}

Deno.test("sdk — loginUrl points at the hosted login with state and PKCE", async () => {
  const login = await astapa.loginUrl();
  const url = new URL(login.url);
  assert.equal(url.origin + url.pathname, `${t.origin}/auth/login`);
  assert.equal(url.searchParams.get("client_id"), project.clientId);
  assert.equal(url.searchParams.get("redirect_uri"), project.redirectUri);
  assert.equal(url.searchParams.get("state"), login.state);
  assert.match(login.codeVerifier, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual((await astapa.loginUrl()).state, login.state);
});

Deno.test("sdk — accountUrl opens the hosted account page, which takes the registered return_to only", async () => {
  const url = new URL(astapa.accountUrl({ returnTo: project.redirectUri, lang: "id" }));
  assert.equal(url.origin + url.pathname, `${t.origin}/account`);
  assert.equal(url.searchParams.get("client_id"), project.clientId);
  // Not signed in: the page sends the person through the hosted login first.
  const opened = await t.app.request(url.pathname + url.search);
  assert.equal(opened.status, 303);
  assert.match(opened.headers.get("location")!, /^\/auth\/login\?/);
  const foreign = new URL(astapa.accountUrl({ returnTo: "https://elsewhere.example/" }));
  const refused = await t.app.request(foreign.pathname + foreign.search);
  assert.equal(refused.status, 400);
  await refused.body?.cancel();
});

Deno.test("sdk — exchangeCode, verify, refresh with fresh claims, revoke", async () => {
  const userId = await seedUser(t.db.sql, project.id, "sdk@example.com", { verified: true });
  const tokens = await signIn(userId);
  assert.equal(tokens.expiresIn, 3600);
  assert.ok(tokens.idToken);
  const claims = await astapa.verify(tokens.accessToken);
  assert.equal(claims.sub, userId);
  assert.equal(claims.custom_claims?.plan, "free");

  await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`select api.set_user_claims(${project.id}, ${userId}, ${tx.json({ plan: "pro" })})`,
  );
  const refreshed = await astapa.refresh(tokens.refreshToken!);
  assert.equal((await astapa.verify(refreshed.accessToken)).custom_claims?.plan, "pro");

  await astapa.revoke(refreshed.refreshToken!);
  await assert.rejects(() => astapa.refresh(refreshed.refreshToken!), (error: AstapaError) => {
    assert.equal(error.code, "invalid_grant");
    assert.equal(error.status, 400);
    return true;
  });
});

Deno.test("sdk — verify refuses tampered, foreign-audience and non-JWT tokens", async () => {
  const userId = await seedUser(t.db.sql, project.id, "tamper@example.com");
  const { accessToken } = await signIn(userId);
  const [header, payload, signature] = accessToken.split(".");
  const forged = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
  forged.custom_claims.plan = "enterprise";
  const tampered = `${header}.${
    btoa(JSON.stringify(forged)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")
  }.${signature}`;
  for (const token of [tampered, "nonsense", accessToken.slice(0, -2)]) {
    await assert.rejects(() => astapa.verify(token), AstapaAuthError);
  }
  await assert.rejects(() => astapa.verify(accessToken, "someone-else"), AstapaAuthError);
});

Deno.test("sdk — with projectId set, verify refuses a token of another project for the same audience", async () => {
  const resource = "https://mcp.shared-name.example";
  const foreign = await clientAccessToken(
    { project_id: "proj_someoneelse", scope: "notes:read", resource, access_ttl: 300 },
    { issuer: t.origin, clientId: "cid_someoneelse", key: await t.deps.keys.active() },
  );
  const pinned = createAstapa({
    baseUrl: t.origin,
    clientId: project.clientId,
    clientSecret: project.secret,
    projectId: project.id,
  });
  await assert.rejects(() => pinned.verify(foreign, resource), /another project/);
  const own = await clientAccessToken(
    { project_id: project.id, scope: "notes:read", resource, access_ttl: 300 },
    { issuer: t.origin, clientId: project.clientId, key: await t.deps.keys.active() },
  );
  assert.equal((await pinned.verify(own, resource)).project_id, project.id);
});

Deno.test("sdk — requirePlan for Hono, Express and plain handlers: 401, 403, then through", async () => {
  const userId = await seedUser(t.db.sql, project.id, "gate@example.com");
  const free = (await signIn(userId)).accessToken;
  await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`select api.set_user_claims(${project.id}, ${userId}, ${tx.json({ plan: "pro" })})`,
  );
  const pro = (await signIn(userId)).accessToken;

  const hono = new Hono<{ Variables: { astapa: { sub: string } } }>();
  hono.get("/pro", astapa.requirePlan.hono("pro", "team"), (c) => c.json({ sub: c.get("astapa").sub }));
  const plain = astapa.requirePlan.handler(["pro"], (_req, claims) => Response.json({ sub: claims.sub }));

  const callers: [string, (token?: string) => Promise<Response>][] = [
    [
      "hono",
      (token) =>
        Promise.resolve(hono.request("/pro", { headers: token ? { authorization: `Bearer ${token}` } : {} })),
    ],
    [
      "plain",
      (token) =>
        plain(new Request("http://app/pro", { headers: token ? { authorization: `Bearer ${token}` } : {} })),
    ],
    [
      "express",
      (token) =>
        fetch(`http://127.0.0.1:${expressPort}/pro`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        }),
    ],
  ];
  for (const [name, call] of callers) {
    const none = await call();
    assert.equal(none.status, 401, name);
    assert.equal((await none.json()).error, "unauthorized", name);
    const wrongPlan = await call(free);
    assert.equal(wrongPlan.status, 403, name);
    assert.match((await wrongPlan.json()).error_description, /pro, team|pro/, name);
    const ok = await call(pro);
    assert.equal(ok.status, 200, name);
    assert.deepEqual(await ok.json(), { sub: userId }, name);
  }
});

Deno.test("sdk — requireScope gates machine tokens by scope", async () => {
  const machine = await seedProject(t.db.sql, {
    settings: { client_credentials_scopes: ["jobs:run", "jobs:read"] },
  });
  const client = createAstapa({
    baseUrl: t.origin,
    clientId: machine.clientId,
    clientSecret: machine.secret,
  });
  const handler = client.requireScope.handler(["jobs:run"], () => new Response("ran"));
  const reader = await client.clientCredentials("jobs:read");
  const runner = await client.clientCredentials("jobs:run");
  const call = (token: string) =>
    handler(new Request("http://app/run", { headers: { authorization: `Bearer ${token}` } }));
  assert.equal((await call(reader.accessToken)).status, 403);
  assert.equal((await call(runner.accessToken)).status, 200);
});

Deno.test("sdk — Astapa's errors arrive typed; an unreachable server is a network_error", async () => {
  const wrong = createAstapa({ baseUrl: t.origin, clientId: project.clientId, clientSecret: "wrong" });
  await assert.rejects(
    () => wrong.clientCredentials(),
    (error: AstapaError) => error.code === "invalid_client" && error.status === 401,
  );
  const offline = createAstapa({ baseUrl: "http://127.0.0.1:9", clientId: "x", clientSecret: "y" });
  await assert.rejects(
    () => offline.clientCredentials(),
    (error: AstapaError) => error.code === "network_error",
  );
});

Deno.test("sdk — claims.set changes the plan; the next refresh carries it; claims.get agrees", async () => {
  const userId = await seedUser(t.db.sql, project.id, "claims@example.com");
  const tokens = await signIn(userId);
  const updated = await astapa.claims.set(userId, {
    plan: "pro",
    role: "admin",
    feature_flags: ["export_csv"],
  });
  assert.deepEqual(updated, { plan: "pro", role: "admin", feature_flags: ["export_csv"] });
  assert.deepEqual(await astapa.claims.get(userId), updated);
  const refreshed = await astapa.refresh(tokens.refreshToken!);
  assert.deepEqual((await astapa.verify(refreshed.accessToken)).custom_claims, updated);
  await assert.rejects(
    () => astapa.claims.set(userId, { plan: "no-such-plan" }),
    (error: AstapaError) => error.status === 400 && error.code === "validation_failed",
  );
  await assert.rejects(() => astapa.claims.get("999999"), (error: AstapaError) => error.status === 404);
});

Deno.test("sdk — requireMfa for Hono, Express and plain handlers: a password-only sign-in is asked to step up", async () => {
  const userId = await seedUser(t.db.sql, project.id, "mfa-gate@example.com");
  /** A code as the hosted login issues it after a sign-in whose methods were `amr`. */
  const signInWith = async (amr: string[]) => {
    const login = await astapa.loginUrl({ acrValues: ACR_MFA, maxAge: 300 });
    const params = new URL(login.url).searchParams;
    assert.equal(params.get("acr_values"), ACR_MFA);
    assert.equal(params.get("max_age"), "300");
    const code = randomSecret();
    await asApp(
      t.db.sql,
      project.id,
      async (tx) =>
        tx`select api.issue_authorization_code(${await sha256(code)}, ${project.clientId}, ${userId},
        ${project.redirectUri}, '', null, ${params.get("code_challenge")}, 'S256', null, now(), 60, ${amr})`,
    );
    return (await astapa.exchangeCode({ code, codeVerifier: login.codeVerifier })).accessToken;
  };
  const passwordOnly = await signInWith(["pwd"]);
  const withFactor = await signInWith(["mfa", "otp", "pwd"]);
  const hono = new Hono<{ Variables: { astapa: { amr?: string[] } } }>();
  hono.get("/secure", astapa.requireMfa.hono(), (c) => c.json({ amr: c.get("astapa").amr }));
  const plain = astapa.requireMfa.handler((_req, claims) => Response.json({ amr: claims.amr }));
  const headers = (token?: string): Record<string, string> =>
    token ? { authorization: `Bearer ${token}` } : {};
  const callers: [string, (token?: string) => Promise<Response>][] = [
    ["hono", (token) => Promise.resolve(hono.request("/secure", { headers: headers(token) }))],
    ["plain", (token) => plain(new Request("http://app/secure", { headers: headers(token) }))],
    ["express", (token) => fetch(`http://127.0.0.1:${expressPort}/secure`, { headers: headers(token) })],
  ];
  for (const [name, call] of callers) {
    assert.equal((await call()).status, 401, name);
    const weak = await call(passwordOnly);
    assert.equal(weak.status, 401, name);
    assert.match(
      weak.headers.get("www-authenticate") ?? "",
      /error="insufficient_user_authentication", acr_values=/,
    );
    assert.equal((await weak.json()).error, "insufficient_user_authentication", name);
    const strong = await call(withFactor);
    assert.equal(strong.status, 200, name);
    assert.deepEqual(await strong.json(), { amr: ["mfa", "otp", "pwd"] }, name);
  }
});

Deno.test("sdk — billing: a trial shows in the next token; coupons; a plan change needs a paid plan", async () => {
  await asApp(
    t.db.sql,
    project.id,
    (tx) =>
      tx`select api.create_plan(${project.id}, '{"key": "team", "name": "Team", "price_idr": 300000, "trial_days": 7}')`,
  );
  const userId = await seedUser(t.db.sql, project.id, "trial-sdk@example.com");
  const tokens = await signIn(userId);
  const trial = await astapa.billing.startTrial(userId, "team");
  assert.equal(trial.status, "trialing");
  const refreshed = await astapa.refresh(tokens.refreshToken!);
  const claims = (await astapa.verify(refreshed.accessToken)).custom_claims!;
  assert.equal(claims.plan, "team");
  assert.equal(claims.trial_ends_at, Math.floor(new Date(trial.trial_ends_at!).getTime() / 1000));
  assert.deepEqual((await astapa.billing.trials(userId)).trials.map((x) => x.plan), ["team"]);
  await assert.rejects(() => astapa.billing.startTrial(userId, "team"), (e: AstapaError) => e.status === 409);

  const coupon = await astapa.billing.coupons.create({ code: "sdk10", percent_off: 10 });
  assert.equal(coupon.code, "SDK10");
  assert.deepEqual((await astapa.billing.coupons.list()).coupons.map((c) => c.code), ["SDK10"]);
  assert.equal((await astapa.billing.coupons.disable("SDK10")).disabled, true);
  assert.equal((await astapa.billing.coupons.get("sdk10")).disabled, true);

  await assert.rejects(
    () => astapa.billing.changePlan(userId, "pro"),
    (e: AstapaError) => e.status === 409 && e.code === "conflict",
  );
  assert.deepEqual((await astapa.billing.planChanges(userId)).changes, []);
  await assert.rejects(() => astapa.billing.cancelPlanChange(userId), (e: AstapaError) => e.status === 409);
});

Deno.test("sdk — phoneProviders: set answers a hint only, list never carries a secret, a bad field is typed, clear", async () => {
  const fields = { userkey: "zenziva-user-key-1234", passkey: "zenziva-pass-key-5678" };
  const set = await astapa.phoneProviders.set("zenziva", fields);
  assert.deepEqual(set, { provider: "zenziva", hint: "userkey …1234" });
  const listed = await astapa.phoneProviders.list();
  assert.deepEqual(listed.map((p) => [p.provider, p.hint]), [["zenziva", "userkey …1234"]]);
  assert.ok(!JSON.stringify(listed).includes(fields.passkey));
  await assert.rejects(
    () => astapa.phoneProviders.set("twilio_verify", { account_sid: "x", auth_token: "y", service_sid: "z" }),
    (error: AstapaError) => error.status === 400 && !!error.fields?.account_sid,
  );
  await astapa.phoneProviders.clear("zenziva");
  assert.deepEqual(await astapa.phoneProviders.list(), []);
});

Deno.test("sdk — signUpSettings: defaults, a change merged key by key, a bad domain a typed 400 that changes nothing", async () => {
  const defaults = {
    mode: "open",
    allowed_domains: [],
    blocked_domains: [],
    block_disposable_domains: false,
    disposable_allowed_domains: [],
    block_subaddresses: false,
    require_legal_consent: false,
  };
  assert.deepEqual(await astapa.signUpSettings.get(), defaults);
  try {
    const closed = await astapa.signUpSettings.update({
      mode: "invitation",
      blocked_domains: ["Spam.example"],
    });
    assert.deepEqual(closed, { ...defaults, mode: "invitation", blocked_domains: ["spam.example"] });
    const both = await astapa.signUpSettings.update({ allowed_domains: ["*.kantor.example"] });
    assert.deepEqual(both, { ...closed, allowed_domains: ["*.kantor.example"] });
    const excepted = await astapa.signUpSettings.update({ disposable_allowed_domains: ["Duck.com"] });
    assert.deepEqual(excepted, { ...both, disposable_allowed_domains: ["duck.com"] });
    await astapa.signUpSettings.update({ disposable_allowed_domains: [] });
    await assert.rejects(
      () => astapa.signUpSettings.update({ allowed_domains: ["bücher.example"] }),
      (error: AstapaError) => error.status === 400 && /xn--/.test(error.message),
    );
    assert.deepEqual(await astapa.signUpSettings.get(), both, "the refused change changed nothing");
  } finally {
    await astapa.signUpSettings.update({ mode: "open", allowed_domains: [], blocked_domains: [] });
  }
  assert.deepEqual(await astapa.signUpSettings.get(), defaults);
});

Deno.test("sdk — botProtection: off by default, set with a write-only secret, kept when omitted, cleared", async () => {
  const off = { provider: null, site_key: null, secret_key_set: false, on: [] };
  assert.deepEqual(await astapa.botProtection.get(), off);
  try {
    const on = await astapa.botProtection.set({
      provider: "turnstile",
      site_key: "0x4AAAAAAAsdk",
      secret_key: "0x4AAAAAAAsdk-secret-value",
      on: ["sign_up"],
    });
    assert.deepEqual(on, {
      provider: "turnstile",
      site_key: "0x4AAAAAAAsdk",
      secret_key_set: true,
      on: ["sign_up"],
    });
    const moved = await astapa.botProtection.set({
      provider: "turnstile",
      site_key: "0x4AAAAAAAsdk",
      on: ["forgot"],
    });
    assert.deepEqual(moved, { ...on, on: ["forgot"] });
    assert.ok(!JSON.stringify(await astapa.botProtection.get()).includes("sdk-secret-value"));
    await assert.rejects(
      () => astapa.botProtection.set({ provider: "hcaptcha", site_key: "10000000-ffff", on: ["forgot"] }),
      (error: AstapaError) =>
        error.status === 400 && /new provider needs its own secret key/.test(error.message),
    );
  } finally {
    await astapa.botProtection.clear();
  }
  assert.deepEqual(await astapa.botProtection.get(), off);
});

Deno.test("sdk — signInMethods: the switches read and set; passwords off alone is a typed 400", async () => {
  assert.deepEqual(await astapa.signInMethods.get(), {
    passwords: true,
    passkeys: false,
    passkey_upgrade: false,
    email_codes: false,
    email_code_sign_up: false,
    breached_passwords: true,
    breached_password_sign_in: true,
  });
  try {
    const codes = await astapa.signInMethods.update({ email_codes: true, passwords: false });
    assert.deepEqual(codes, {
      passwords: false,
      passkeys: false,
      passkey_upgrade: false,
      email_codes: true,
      email_code_sign_up: false,
      breached_passwords: true,
      breached_password_sign_in: true,
    });
    assert.deepEqual(await astapa.signInMethods.get(), codes);
    await assert.rejects(
      () => astapa.signInMethods.update({ email_codes: false }),
      (error: AstapaError) => error.status === 400,
    );
    assert.equal((await astapa.signInMethods.get()).email_codes, true, "the refused change changed nothing");
  } finally {
    await astapa.signInMethods.update({ passwords: true, email_codes: false });
  }
  assert.equal((await astapa.signInMethods.get()).passwords, true);
});
