import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import { pkcePair, seedProject } from "../helpers/oauth.ts";
import { postForm } from "../helpers/token_client.ts";
import { sessionCookie, submitForm } from "../helpers/login.ts";
import { takeLive } from "../helpers/live_keys.ts";
import { csrfOf } from "../helpers/csrf.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { redirectUri: "https://shop.example/callback?from=astapa" });
const loopback = await seedProject(t.db.sql, { redirectUri: "http://127.0.0.1:7777/cb" });

const authorize = (params: Record<string, string>) =>
  t.app.request(`/auth/login?${new URLSearchParams(params)}`, { headers: { accept: "text/html" } });

Deno.test("authorize — an unknown client or unregistered redirect_uri is a page, never a redirect", async () => {
  const cases = [
    {},
    { client_id: "cid_aaaaaaaaaaaaaaaaaaaaaaaa", redirect_uri: project.redirectUri },
    { client_id: project.clientId },
    { client_id: project.clientId, redirect_uri: "https://evil.example/callback" },
    { client_id: project.clientId, redirect_uri: `${project.redirectUri}&x=1` },
  ];
  for (const params of cases) {
    const res = await authorize(params as Record<string, string>);
    assert.ok(res.status >= 400 && res.status < 500, JSON.stringify(params));
    assert.equal(res.headers.get("location"), null);
    assert.match(await res.text(), /<h1 id="error-heading">/);
  }
});

Deno.test("authorize — other problems go back to the app with error, state and iss", async () => {
  const cases: [Record<string, string>, string][] = [
    [{ response_type: "token" }, "unsupported_response_type"],
    [{ code_challenge: "x".repeat(43), code_challenge_method: "plain" }, "invalid_request"],
    [{ code_challenge: "short", code_challenge_method: "S256" }, "invalid_request"],
    [{ scope: 'bad"scope' }, "invalid_scope"],
    [{ resource: "https://x.example/#f" }, "invalid_target"],
  ];
  for (const [extra, error] of cases) {
    const res = await authorize({
      client_id: project.clientId,
      redirect_uri: project.redirectUri,
      state: "s1",
      ...extra,
    });
    assert.equal(res.status, 303, error);
    const location = new URL(res.headers.get("location")!);
    assert.equal(location.origin + location.pathname, "https://shop.example/callback");
    assert.equal(location.searchParams.get("from"), "astapa", "the app's own query is kept");
    assert.equal(location.searchParams.get("error"), error);
    assert.equal(location.searchParams.get("state"), "s1");
    assert.equal(location.searchParams.get("iss"), "http://astapa.test");
  }
});

Deno.test("authorize — a valid request shows the sign-in form; loopback redirect URIs may change port", async () => {
  const res = await authorize({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    state: "abc",
  });
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<h1 id="auth-heading">Sign in<\/h1>/);
  assert.match(html, /name="csrf" value="[A-Za-z0-9_-]{43}"/);
  assert.match(res.headers.get("set-cookie") ?? "", /astapa_csrf=[^;]+;.*HttpOnly/i);
  const native = await authorize({ client_id: loopback.clientId, redirect_uri: "http://127.0.0.1:53124/cb" });
  assert.equal(native.status, 200);
  const wrongPath = await authorize({
    client_id: loopback.clientId,
    redirect_uri: "http://127.0.0.1:53124/other",
  });
  assert.equal(wrongPath.status, 400);
});

Deno.test("authorize — Bahasa Indonesia by Accept-Language or ?lang", async () => {
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const byHeader = await t.app.request(`/auth/login?${query}`, {
    headers: { "accept-language": "id-ID,id;q=0.9" },
  });
  assert.match(await byHeader.text(), /<h1 id="auth-heading">Masuk<\/h1>/);
  const byParam = await t.app.request(`/auth/signup?${query}&lang=id`);
  assert.match(await byParam.text(), /Buat akun Anda/);
});

const submit = (path: string, fields: Record<string, string>, params: Record<string, string>) =>
  submitForm(t, project, path, fields, params);

Deno.test("sign-up then sign-in — each ends at the app with a code the token endpoint redeems", async () => {
  const { verifier, challenge } = await pkcePair();
  const pkce = { code_challenge: challenge, code_challenge_method: "S256", state: "st" };
  const signedUp = await submit(
    "/auth/signup",
    { email: "new@example.com", password: "correct horse" },
    pkce,
  );
  assert.equal(signedUp.status, 303);
  assert.match(
    signedUp.headers.get("set-cookie") ?? "",
    new RegExp(`astapa_session_${project.id}=[^;]+;.*HttpOnly`, "i"),
  );
  const callback = new URL(signedUp.headers.get("location")!);
  assert.equal(callback.searchParams.get("state"), "st");
  const tokens = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code: callback.searchParams.get("code")!,
    code_verifier: verifier,
    redirect_uri: project.redirectUri,
    client_id: project.clientId,
    client_secret: project.secret,
  });
  assert.equal(tokens.res.status, 200, JSON.stringify(tokens.body));

  const signedIn = await submit("/auth/login", { email: "NEW@example.com", password: "correct horse" }, {});
  assert.equal(signedIn.status, 303);
  assert.ok(new URL(signedIn.headers.get("location")!).searchParams.get("code"));
});

Deno.test("sign-in — wrong password, unknown email and a taken email get readable errors, no redirect", async () => {
  await submit("/auth/signup", { email: "taken@example.com", password: "long enough" }, {});
  const wrong = await submit("/auth/login", { email: "taken@example.com", password: "nope-nope" }, {});
  assert.equal(wrong.status, 422);
  const unknown = await submit("/auth/login", { email: "ghost@example.com", password: "nope-nope" }, {});
  assert.equal(unknown.status, 422);
  const [a, b] = [await wrong.text(), await unknown.text()];
  assert.match(a, /That email and password do not match an account/);
  assert.equal(a.includes("ghost"), false);
  assert.match(b, /That email and password do not match an account/, "unknown emails look the same");
  const taken = await submit("/auth/signup", { email: "Taken@Example.com", password: "long enough" }, {});
  assert.equal(taken.status, 409);
  assert.match(await taken.text(), /already exists/);
  const weak = await submit("/auth/signup", { email: "weak@example.com", password: "short" }, {});
  assert.equal(weak.status, 422);
  assert.match(await weak.text(), /aria-invalid="true"/);
});

Deno.test("sign-in — a missing or wrong CSRF token is refused", async () => {
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const res = await t.app.request("/auth/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: "astapa_csrf=" + "a".repeat(43) },
    body: new URLSearchParams({
      request: query.toString(),
      csrf: "b".repeat(43),
      email: "x@y.z",
      password: "p",
    }),
  });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /This form expired/);
});

Deno.test("sign-in — in production ten wrong passwords lock the email; each failure is audited", async () => {
  const live = await seedProject(t.db.sql, { name: "Live shop", redirectUri: "https://live.example/cb" });
  await takeLive(t.db.sql, live.id);
  const attempt = (password: string) =>
    submitForm(t, live, "/auth/login", { email: "victim@example.com", password });
  await submitForm(t, live, "/auth/signup", { email: "victim@example.com", password: "the real one" });
  for (let i = 0; i < 10; i++) assert.equal((await attempt(`guess-${i}`)).status, 422);
  const locked = await attempt("the real one");
  assert.equal(locked.status, 429);
  assert.match(
    await locked.text(),
    /Too many attempts\. Try again in (1[0-5]|[1-9]) minutes\./,
    "says how long",
  );
  const audit = await asApp(
    t.db.sql,
    live.id,
    (tx) =>
      tx`select action, count(*)::int as n from astapa.audit_log
       where project_id = ${live.id} and action like 'sign_in.%' group by action order by action`,
  );
  assert.deepEqual(audit.map((r) => ({ ...r })), [
    { action: "sign_in.failed", n: 10 },
    { action: "sign_in.locked_out", n: 1 },
  ]);
});

Deno.test("sign-in — sandbox projects get the relaxed limit: ten failures do not lock", async () => {
  await submit("/auth/signup", { email: "tester@example.com", password: "the real one" }, {});
  for (let i = 0; i < 10; i++) {
    assert.equal(
      (await submit("/auth/login", { email: "tester@example.com", password: `guess-${i}` }, {})).status,
      422,
    );
  }
  assert.equal(
    (await submit("/auth/login", { email: "tester@example.com", password: "the real one" }, {})).status,
    303,
  );
});

Deno.test("sessions — a returning browser goes straight back; prompt=login asks again", async () => {
  const signedUp = await submit(
    "/auth/signup",
    { email: "returning@example.com", password: "long enough" },
    {},
  );
  const cookie = sessionCookie(signedUp, project.id)!;
  const query = new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    state: "again",
  });
  const silent = await t.app.request(`/auth/login?${query}`, { headers: { cookie } });
  assert.equal(silent.status, 303);
  assert.equal(new URL(silent.headers.get("location")!).searchParams.get("state"), "again");
  const forced = await t.app.request(`/auth/login?${query}&prompt=login`, { headers: { cookie } });
  assert.equal(forced.status, 200);
  await forced.body?.cancel();
});

Deno.test("authorize — prompt=none without a session goes back with login_required; login_hint pre-fills", async () => {
  const none = await authorize({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    state: "n",
    prompt: "none",
  });
  assert.equal(none.status, 303);
  const location = new URL(none.headers.get("location")!);
  assert.equal(location.searchParams.get("error"), "login_required");
  assert.equal(location.searchParams.get("state"), "n");
  const hinted = await authorize({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    login_hint: "ayu@example.com",
  });
  assert.match(await hinted.text(), /value="ayu@example.com"/);
});

Deno.test("sign-in — a form posted from another origin is refused, token or not", async () => {
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const form = await t.app.request(`/auth/login?${query}`);
  const cookie = (form.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await form.text());
  const res = await t.app.request("/auth/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: "https://evil.example" },
    body: new URLSearchParams({
      request: query.toString(),
      csrf,
      email: "x@example.com",
      password: "whatever!",
    }),
  });
  assert.equal(res.status, 403);
  await res.body?.cancel();
});

Deno.test("sign-up — the most common passwords are refused; prompt=create opens sign-up; ui_locales picks id", async () => {
  const common = await submit("/auth/signup", { email: "common@example.com", password: "Password123" }, {});
  assert.equal(common.status, 422);
  assert.match(await common.text(), /one of the most common/);
  const create = await authorize({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    prompt: "create",
  });
  assert.equal(create.status, 303);
  assert.match(create.headers.get("location")!, /^\/auth\/signup\?/);
  const indonesian = await authorize({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    ui_locales: "id-ID en",
  });
  assert.match(await indonesian.text(), /<html lang="id">/);
});
