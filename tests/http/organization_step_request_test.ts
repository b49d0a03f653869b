/**
 * The organization steps keep the whole authorization request (lib/login/authorize_request.ts authorizeQuery):
 * a sign-in that goes through the invitation step and the org picker reaches them, and ends with a code, carrying
 * every parameter the request accepts — prompt=login and max_age still force the fresh sign-in, login_hint still
 * pre-fills, ui_locales still picks the language, resource, nonce and PKCE still bind the code. The sample table
 * is keyed by AUTHORIZE_PARAMS, so a parameter added later fails `deno check` here until this test carries it.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { AUTHORIZE_PARAMS, type AuthorizeParam } from "@/lib/login/authorize_request.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { claimsOf, credentials, postForm } from "../helpers/token_client.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { proof, proofKey } from "../helpers/dpop.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;

const project = await seedProject(sql, { redirectUri: "https://toko.example/callback" });
const RESOURCE = "https://api.toko.example/mcp";
await seedRegistry(sql, project.id, { resources: [RESOURCE] });

const EMAIL = "ayu@toko.example";
const VERIFIER = "request-kept-through-the-organization-steps-0123456789";
const challenge = async (verifier: string) =>
  btoa(String.fromCharCode(...new Uint8Array(await sha256(verifier))))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

async function organizationOf(slug: string, owner: string | null): Promise<string> {
  return await asApp(sql, project.id, async (tx) => {
    const [row] = await tx`select api.create_organization(${slug}, ${slug}, ${owner}) ->> 'id' as id`;
    return row.id as string;
  });
}

Deno.test("organization steps — the invitation step, the picker and the code keep every parameter of the authorization request", async () => {
  // Ayu signed in an hour ago, is a member of kopi and invited to warung (which the app asks for by slug).
  const browser = new FormBrowser(t);
  const base = { client_id: project.clientId, redirect_uri: project.redirectUri, scope: "openid" };
  const signedUp = await browser.submit(`/auth/signup?${new URLSearchParams(base)}`, {
    email: EMAIL,
    password: "correct horse",
  });
  assert.equal(signedUp.status, 303);
  // As the owner: the app role may not rewrite a session's start.
  const [row] = await sql`update astapa.users set email_verified = true
                          where project_id = ${project.id} and email = ${EMAIL} returning id::text`;
  const ayu = row.id as string;
  const [old] = await sql`update astapa.login_sessions set created_at = now() - interval '1 hour'
                          where project_id = ${project.id} and user_id = ${ayu}
                          returning extract(epoch from created_at)::bigint as at`;
  const aged = Number(old.at);
  const kopi = await organizationOf("kopi", ayu);
  const token = "request-kept-invitation-0123456789";
  await asApp(sql, project.id, async (tx) => {
    const [boss] = await tx`select api.create_user(${project.id}, 'boss@warung.example') ->> 'id' as id`;
    const [org] = await tx`select api.create_organization('warung', 'warung', ${boss.id}) ->> 'id' as id`;
    await tx`select api.invite_to_organization(${org.id}, ${EMAIL}, 'member', ${await sha256(token)}, 3600,
                                               ${boss.id})`;
  });

  const dpopKey = await proofKey();
  const sent: Record<AuthorizeParam, string> = {
    ...base,
    response_type: "code",
    state: "s-42",
    code_challenge: await challenge(VERIFIER),
    code_challenge_method: "S256",
    nonce: "n-42",
    resource: RESOURCE,
    prompt: "login",
    login_hint: EMAIL,
    ui_locales: "id-ID en",
    acr_values: "urn:toko:silver",
    max_age: "300",
    organization: "warung",
    invitation: token,
    dpop_jkt: dpopKey.jkt,
    // Carried as it is; only the sign-up page reads it (a guest's sign-up, docs/anonymous-users.md).
    id_token_hint: "not-read-by-sign-in",
  };
  /** Every parameter sent is in `location`'s query, as sent (but those `without`). */
  const carries = (location: string, without: AuthorizeParam[] = []) => {
    const kept = new URL(location, "http://x").searchParams;
    for (const name of AUTHORIZE_PARAMS) {
      assert.equal(kept.get(name), without.includes(name) ? null : sent[name], `${name} in ${location}`);
    }
  };

  // prompt=login (and max_age, the session being older): the sign-in form, pre-filled, in Indonesian.
  const form = await browser.get(`/auth/login?${new URLSearchParams(sent)}`);
  assert.equal(form.status, 200);
  const html = await form.text();
  assert.match(html, /<html lang="id"/);
  assert.match(html, new RegExp(`name="email"[^>]*value="${EMAIL}"`));
  carries(`/?${/name="request" value="([^"]+)"/.exec(html)![1].replaceAll("&amp;", "&")}`);
  const signedIn = await browser.post(html, { email: EMAIL, password: "correct horse" });
  assert.equal(signedIn.status, 303);
  const step = signedIn.headers.get("location")!;
  assert.match(step, /^\/auth\/invitation\?/);
  carries(step);

  // Not now, the app having asked for warung: the picker says why, with the request but its invitation.
  const question = await browser.get(step);
  assert.equal(question.status, 200);
  const later = await browser.post(await question.text(), { answer: "later" });
  const picker = later.headers.get("location")!;
  assert.match(picker, /^\/auth\/organization\?.*error=not_member/);
  carries(picker, ["invitation"]);
  const pickerPage = await browser.get(picker);
  assert.equal(pickerPage.status, 200);
  const chosen = await browser.post(await pickerPage.text(), { organization: kopi });
  assert.equal(chosen.status, 303);

  // The code: state back, bound to the PKCE challenge and the resource, its tokens saying nonce, org and the
  // fresh sign-in's time.
  const back = new URL(chosen.headers.get("location")!);
  assert.equal(`${back.origin}${back.pathname}`, project.redirectUri);
  assert.equal(back.searchParams.get("state"), sent.state);
  const redemption = {
    grant_type: "authorization_code",
    code: back.searchParams.get("code")!,
    redirect_uri: project.redirectUri,
    code_verifier: VERIFIER,
    ...credentials(project),
  };
  // dpop_jkt (RFC 9449 §10) bound the code: without a proof of that key it is refused, and stays redeemable.
  const unproven = await postForm(t, "/api/platform/token", redemption);
  assert.equal(unproven.res.status, 400);
  assert.equal(unproven.body.error, "invalid_grant");
  const { res, body } = await postForm(t, "/api/platform/token", redemption, {
    dpop: await proof(dpopKey, { htu: `${t.origin}/api/platform/token` }),
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  const tokens = body as { access_token: string; id_token: string };
  const access = claimsOf(tokens.access_token);
  const id = claimsOf(tokens.id_token);
  assert.equal(access.aud, RESOURCE);
  assert.equal(access.org_id, kopi);
  assert.deepEqual(access.cnf, { jkt: dpopKey.jkt });
  assert.equal(id.nonce, sent.nonce);
  const [session] = await sql`select floor(max(extract(epoch from created_at)))::bigint as newest
                               from astapa.login_sessions where project_id = ${project.id} and user_id = ${ayu}`;
  assert.equal(id.auth_time, Number(session.newest), "the ID token says when the fresh sign-in was");
  assert.ok(Number(id.auth_time) > aged, "not the hour-old session's");
});
