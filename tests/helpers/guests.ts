/**
 * Guests for the sign-up tests (docs/anonymous-users.md): a project that makes them, a guest on a paid plan, the
 * app's authorization request that asks for the guest's sign-up (prompt=create, id_token_hint), hints that name
 * no guest of the client, and the code the app gets back, redeemed.
 */
import assert from "node:assert/strict";
import type { TestApp } from "./app.ts";
import { type SeededProject, seedProject } from "./identity.ts";
import { claimsOf, credentials, postForm } from "./token_client.ts";
import { pkcePair } from "./oauth.ts";
import { asApp } from "@/db/client.ts";
import { signJwt } from "@/lib/tokens/jws.ts";

/** A project that makes guests, with a "pro" plan, and `settings` (its ways to sign up). */
export async function guestsProject(t: TestApp, settings: Record<string, unknown>, redirectUri?: string) {
  const project = await seedProject(t.db.sql, {
    name: "Warung",
    ...(redirectUri ? { redirectUri } : {}),
    settings: { anonymous_users: { enabled: true }, ...settings },
  });
  await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`select api.create_plan(${project.id}, '{"key": "pro", "name": "Pro"}')`,
  );
  return project;
}

export type Guest = { sub: string; idToken: string; accessToken: string; refreshToken: string };

/** A new guest, as the app's front end makes one, then put on the "pro" plan (as a payment would). */
export async function payingGuest(t: TestApp, p: SeededProject): Promise<Guest> {
  const { res, body } = await postForm(t, "/api/platform/anonymous", { client_id: p.clientId });
  assert.equal(res.status, 200, JSON.stringify(body));
  const sub = claimsOf(body.access_token).sub as string;
  await asApp(
    t.db.sql,
    p.id,
    (tx) => tx`select api.assign_plan(${p.id}, ${sub}::bigint, 'pro', 'claims_api')`,
  );
  return { sub, idToken: body.id_token, accessToken: body.access_token, refreshToken: body.refresh_token };
}

/** The app's authorization request asking for the guest's sign-up, and the PKCE verifier for its code. */
export async function guestRequest(p: SeededProject, hint: string) {
  const pkce = await pkcePair();
  const query = new URLSearchParams({
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    response_type: "code",
    state: "guest-state",
    scope: "openid",
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    prompt: "create",
    id_token_hint: hint,
  });
  return { query, verifier: pkce.verifier };
}

/** The ID token's claims of the code the app got at `location` (redeemed with `verifier`). */
export async function redeemedIdClaims(t: TestApp, p: SeededProject, location: string, verifier: string) {
  const url = new URL(location);
  assert.equal(url.searchParams.get("state"), "guest-state", location);
  const { res, body } = await postForm(t, "/api/platform/token", {
    ...credentials(p),
    grant_type: "authorization_code",
    code: url.searchParams.get("code")!,
    redirect_uri: p.redirectUri,
    code_verifier: verifier,
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  return { id: claimsOf(body.id_token), access: claimsOf(body.access_token) };
}

/** The user row's guest-related columns and their plan. */
export async function guestRow(t: TestApp, p: SeededProject, sub: string) {
  const [row] = await t.db.sql`select u.email, u.email_verified, u.phone_number, u.is_anonymous,
      (select s.plan_key from astapa.subscriptions s
       where s.project_id = u.project_id and s.user_id = u.id and s.ended_at is null) as plan
    from astapa.users u where u.project_id = ${p.id} and u.id = ${sub}::bigint`;
  return { ...row };
}

/**
 * Hints that name no guest of `p`'s client (each must go back to the app as invalid_request): forged, expired,
 * an access token, a signed-up user's, another project's guest, not a JWT.
 */
export async function hintsNamingNoGuest(
  t: TestApp,
  p: SeededProject,
  guest: Pick<Guest, "sub" | "idToken" | "accessToken">,
  member: string,
) {
  const other = await guestsProject(t, {});
  const key = await t.deps.keys.active();
  const now = Math.floor(Date.now() / 1000);
  const idClaims = (extra: Record<string, unknown>) => ({
    iss: t.config.baseUrl,
    aud: p.clientId,
    sub: guest.sub,
    iat: now - 7200,
    exp: now + 3600,
    amr: ["anon"],
    is_anonymous: true,
    ...extra,
  });
  const [header, payload, signature] = guest.idToken.split(".");
  const tampered = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
  tampered.sub = member;
  const forged = `${header}.${btoa(JSON.stringify(tampered)).replace(/=+$/, "")}.${signature}`;
  return [
    ["forged", forged],
    ["expired", await signJwt(key, "JWT", idClaims({ exp: now - 60 }))],
    ["access token", guest.accessToken],
    ["signed-up user", await signJwt(key, "JWT", idClaims({ sub: member, is_anonymous: undefined }))],
    ["another project's guest", (await payingGuest(t, other)).idToken],
    // Support impersonating the guest: the app's own sign-up button would send this hint, and the address and
    // password typed would outlive the impersonation (an impersonation adds no way in).
    [
      "an impersonation's",
      await signJwt(key, "JWT", idClaims({ act: { sub: "dashboard:support", impersonation_id: "42" } })),
    ],
    ["not a JWT", "guest"],
  ] as const;
}

/** Asserts `res` sends the browser back to the app with error=invalid_request and the app's state. */
export function assertBackWithInvalidRequest(res: Response, p: SeededProject, name: string) {
  assert.equal(res.status, 303, name);
  const back = new URL(res.headers.get("location")!);
  assert.equal(back.origin + back.pathname, p.redirectUri, name);
  assert.equal(back.searchParams.get("error"), "invalid_request", name);
  assert.equal(back.searchParams.get("state"), "guest-state", name);
}

/** Asserts the guest is still a guest, untouched: no address nor number, on the "pro" plan. */
export async function assertStillAGuest(t: TestApp, p: SeededProject, sub: string) {
  assert.deepEqual(await guestRow(t, p, sub), {
    email: null,
    email_verified: false,
    phone_number: null,
    is_anonymous: true,
    plan: "pro",
  });
}
