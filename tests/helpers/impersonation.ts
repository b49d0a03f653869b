/**
 * Impersonation as an app and a support browser do it (docs/impersonation.md), for the HTTP tests: the Platform API
 * call that makes a link, opening it in a browser, and the app's sign-in and refresh from that browser.
 */
import assert from "node:assert/strict";
import type { TestApp } from "./app.ts";
import { type SeededProject, seedUser } from "./identity.ts";
import { FormBrowser } from "./form_browser.ts";
import { basic } from "./oauth.ts";
import { postForm } from "./token_client.ts";
import { seedMachineClient, seedRegistry } from "./machine_clients.ts";

export const ACTOR = "support:dewi@shop.example";

/** The calls of one test app; `someone()` is a fresh address for a user. */
export function impersonationFlows(t: TestApp) {
  const { sql } = t.db;
  let people = 0;
  const someone = () => `person-${++people}@imp.example`;

  async function api(p: SeededProject, method: string, path: string, body?: unknown) {
    const res = await t.app.request(`/api/platform/users${path}`, {
      method,
      headers: {
        authorization: basic(p.clientId, p.secret),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  async function impersonate(p: SeededProject, user: string, extra: Record<string, unknown> = {}) {
    const made = await api(p, "POST", `/${user}/impersonations`, {
      actor: ACTOR,
      reason: "ticket 42",
      ...extra,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body as { id: string; url: string; expires_at: string; ends_at: string };
  }

  /** Opens the link as a browser would: the question page (GET), then its button (POST), then the page it shows. */
  async function open(browser: FormBrowser, url: string) {
    const asked = await browser.get(new URL(url).pathname + new URL(url).search);
    const askHtml = await asked.text();
    assert.equal(asked.status, 200, askHtml.slice(0, 400));
    const posted = await browser.post(askHtml, {});
    assert.equal(posted.status, 303, (await posted.text()).slice(0, 400));
    const shown = await browser.get(posted.headers.get("location")!);
    return { askHtml, status: shown.status, html: await shown.text() };
  }

  /** The app's normal sign-in from this browser: a code when the session is found, then the token endpoint. */
  async function signIn(browser: FormBrowser, p: SeededProject, extra: Record<string, string> = {}) {
    const query = new URLSearchParams({
      client_id: p.clientId,
      redirect_uri: p.redirectUri,
      response_type: "code",
      scope: "openid offline_access",
      ...extra,
    });
    const res = await browser.get(`/auth/login?${query}`);
    await res.body?.cancel();
    if (res.status !== 303) return null;
    const back = new URL(res.headers.get("location")!, t.origin);
    const code = back.searchParams.get("code");
    if (!code) return null;
    const { res: tokenRes, body } = await postForm(t, "/api/platform/token", {
      grant_type: "authorization_code",
      code,
      redirect_uri: p.redirectUri,
      client_id: p.clientId,
      client_secret: p.secret,
      ...(extra.resource ? { resource: extra.resource } : {}),
    });
    assert.equal(tokenRes.status, 200, JSON.stringify(body));
    return body as { access_token: string; id_token: string; refresh_token: string };
  }

  /** A new user of `p`, impersonated in a new browser that opened the link and signed in to the app. */
  async function impersonatedSignIn(p: SeededProject) {
    const user = await seedUser(sql, p.id, someone(), { verified: true });
    const made = await impersonate(p, user);
    const browser = new FormBrowser(t);
    await open(browser, made.url);
    const tokens = await signIn(browser, p);
    assert.ok(tokens, "a code without any other step");
    return { user, made, browser, tokens };
  }

  function refresh(p: SeededProject, refreshToken: string) {
    return postForm(t, "/api/platform/token", {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: p.clientId,
      client_secret: p.secret,
    });
  }

  /**
   * A machine client of `p` that the project's policy lets exchange a person's token for `from` into one for `to`
   * (both registered, with the scope notes:read); `exchange` is its RFC 8693 request with a subject token.
   */
  async function exchangingServer(p: SeededProject, from: string, to: string) {
    await seedRegistry(sql, p.id, { resources: [from, to], scopes: ["notes:read"] });
    const server = await seedMachineClient(sql, p.id, { name: "Notes MCP" });
    const allowed = await t.app.request("/api/platform/token-exchange", {
      method: "PUT",
      headers: { authorization: basic(p.clientId, p.secret), "content-type": "application/json" },
      body: JSON.stringify({ actor: server.clientId, resource: to }),
    });
    assert.ok(allowed.ok, await allowed.text());
    const exchange = (subjectToken: string) =>
      postForm(t, "/api/platform/token", {
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: subjectToken,
        subject_token_type: "urn:ietf:params:oauth:token-type:access_token",
        resource: to,
      }, { authorization: basic(server.clientId, server.secret) });
    return { server, exchange };
  }

  return { someone, api, impersonate, open, signIn, impersonatedSignIn, refresh, exchangingServer };
}
