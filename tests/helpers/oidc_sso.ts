/**
 * Enterprise SSO through an OpenID Connect IdP (the fake in tests/fakes/google.ts standing in for one): an
 * organization connected to it, and a browser's sign-in through it — the login form hands over to the IdP, which
 * approves, and back at /auth/sso/callback.
 */
import assert from "node:assert/strict";
import { type TestApp, testApp } from "./app.ts";
import type { SeededProject } from "./identity.ts";
import { csrfOf } from "./csrf.ts";
import type { platformApi } from "./platform_api.ts";
import { type FakeGoogle, startFakeGoogle } from "../fakes/google.ts";

const html = { accept: "text/html" };

/**
 * A test app and a local OpenID Provider it may reach (loopback, plain http), both closed after the file's tests:
 * the IdP an organization's connection names.
 */
export async function appWithIdp(): Promise<{ t: TestApp; idp: FakeGoogle }> {
  const idp = await startFakeGoogle({
    clientId: "astapa-at-acme",
    clientSecret: "acme-idp-secret-0123456789",
  });
  const t = await testApp();
  t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };
  Deno.test.afterAll(async () => {
    await t.close();
    await idp.close();
  });
  return { t, idp };
}

/** The connection as the Platform API answers it (the URLs to give the IdP included). */
export type OidcConnectionAnswer = {
  id: string;
  backchannel_logout_url: string;
  post_logout_redirect_uri: string;
};

/** An organization `slug` at `domain` (verified) with an OpenID Connect connection to `fake`. */
export async function connectOidc(
  api: ReturnType<typeof platformApi>,
  slug: string,
  domain: string,
  fake: FakeGoogle,
): Promise<OidcConnectionAnswer> {
  assert.equal((await api("POST", "/organizations", { name: slug, slug })).status, 201);
  assert.equal((await api("POST", `/organizations/${slug}/domains`, { domain })).status, 201);
  assert.equal((await api("PUT", `/organizations/${slug}/domains/${domain}`)).status, 200);
  const put = await api("PUT", `/organizations/${slug}/sso-connection`, {
    issuer: fake.issuer,
    idp_client_id: fake.clientId,
    idp_client_secret: fake.clientSecret,
  });
  assert.equal(put.status, 200, put.text);
  return put.body as OidcConnectionAnswer;
}

/**
 * The browser's way to the IdP and back: the login form hands over (with `who.email`), the IdP approves as `who`
 * (`claims`: more ID token claims); the callback's answer.
 */
export async function signInThroughIdp(
  t: TestApp,
  project: SeededProject,
  fake: FakeGoogle,
  who: { sub: string; email: string; sid?: string; claims?: Record<string, unknown> },
): Promise<Response> {
  fake.approveAs = {
    sub: who.sub,
    email: who.email,
    email_verified: true,
    extra: { ...(who.sid ? { sid: who.sid } : {}), ...who.claims },
  };
  const query = new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    state: "a",
  });
  const form = await t.app.request(`/auth/login?${query}`, { headers: html });
  const cookie = (form.headers.get("set-cookie") ?? "").split(";")[0];
  const body = new URLSearchParams({
    request: query.toString(),
    csrf: csrfOf(await form.text()),
    email: who.email,
  });
  const post = (path: string) =>
    t.app.request(path, {
      method: "POST",
      headers: { ...html, "content-type": "application/x-www-form-urlencoded", cookie, origin: t.origin },
      body,
    });
  const handOver = await post("/auth/login?lang=en");
  assert.equal(handOver.status, 307, await handOver.text());
  const started = await post(handOver.headers.get("location")!);
  assert.equal(started.status, 303, await started.text());
  const flowCookie = started.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const upstream = await fetch(started.headers.get("location")!, { redirect: "manual" });
  await upstream.body?.cancel();
  const back = new URL(upstream.headers.get("location")!);
  return await t.app.request(back.pathname + back.search, { headers: { ...html, cookie: flowCookie } });
}
