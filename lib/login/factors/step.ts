/**
 * The step between a first factor and a code. After a password, Google/GitHub, a reset or a sign-up — or for a
 * signed-in person an app steps up — Postgres decides in the same transaction whether a second factor is owed
 * (the user has one, or the project or the request requires one). If so, no session and no code exist yet: the
 * browser gets a short-lived challenge cookie (its SHA-256 in Postgres) and goes to /auth/mfa.
 */
import { getCookie, setCookie } from "hono/cookie";
import type { Ctx } from "@/lib/app_env.ts";
import { signInOrChallenge } from "@/db/factors.ts";
import { completeSignIn, type OidcSsoSignIn, type SamlSignIn } from "@/db/login.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { type AuthorizeRequest, redirectTo, requestQuery } from "../authorize_request.ts";
import { cookieName, writeSession } from "../browser.ts";
import { codeRequest, newBrowserSession } from "../flow.ts";
import { decideOrganization } from "../organization_step.ts";
import { authPage, type AuthPageData, authPageData } from "../pages.ts";
import type { PageResult } from "@/lib/router/page.tsx";
import { mfaOwed, mfaPolicy, wantsMfa } from "./policy.ts";
import { type Lang, pickLang } from "../i18n.ts";
import { toAppError } from "@/lib/http/errors.ts";

const CHALLENGE_SECONDS = 600;

const challengeCookie = (c: Ctx, projectId: string) => cookieName(c, `astapa_mfa_${projectId}`);
const onwardCookie = (c: Ctx, projectId: string) => cookieName(c, `astapa_mfa_onward_${projectId}`);
const rememberCookie = (c: Ctx, projectId: string) => cookieName(c, `astapa_mfa_remember_${projectId}`);

/** The "remember this browser" token, if this browser holds one for the project. */
function readRemembered(c: Ctx, projectId: string): string | undefined {
  const token = getCookie(c, rememberCookie(c, projectId));
  return token && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : undefined;
}

/** Keeps the "remember this browser" token for `days`. */
export function writeRemembered(c: Ctx, projectId: string, token: string, days: number): void {
  setCookie(c, rememberCookie(c, projectId), token, {
    path: "/",
    httpOnly: true,
    secure: (c.var.deps?.config.baseUrl ?? "").startsWith("https://"),
    sameSite: "Lax",
    maxAge: days * 86400,
  });
}

/** The challenge token this browser holds for the project, if any. */
export function readChallenge(c: Ctx, projectId: string): string | undefined {
  const token = getCookie(c, challengeCookie(c, projectId));
  return token && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : undefined;
}

/**
 * A page of ours the person reads once signed in, before the app: what a phone code's claim removed
 * (routes/auth/phone/claimed.tsx), a first passkey offered to someone who just signed up (/auth/passkeys), or
 * the short stop after a password where the password manager may make a passkey (/auth/passkeys/upgrade).
 */
export const ONWARD = ["phone_claimed", "passkey_offer", "passkey_upgrade"] as const;
export type Onward = typeof ONWARD[number];

/** The onward page's address, for the same authorization request in the person's language. */
export function onwardHref(onward: Onward, query: URLSearchParams, lang: Lang): string {
  const q = requestQuery(query);
  const and = q ? "&" : "";
  if (onward === "phone_claimed") return `/auth/phone/claimed?${q}${and}lang=${lang}`;
  if (onward === "passkey_upgrade") return `/auth/passkeys/upgrade?${q}${and}lang=${lang}`;
  return `/auth/passkeys?${q}${and}welcome=1&lang=${lang}`;
}

/**
 * Sets (or, with null, clears) the challenge cookie, and with it the onward page the sign-in goes to once the
 * challenge is met (a name from ONWARD, never an address, so a planted cookie can point nowhere else).
 */
export function writeChallenge(c: Ctx, projectId: string, token: string | null, onward?: Onward): void {
  const options = {
    path: "/",
    httpOnly: true,
    secure: (c.var.deps?.config.baseUrl ?? "").startsWith("https://"),
    sameSite: "Lax" as const,
  };
  setCookie(c, challengeCookie(c, projectId), token ?? "", {
    ...options,
    maxAge: token ? CHALLENGE_SECONDS : 0,
  });
  // Every new challenge replaces what an abandoned one would have gone on to.
  if (onward && token) {
    setCookie(c, onwardCookie(c, projectId), onward, { ...options, maxAge: CHALLENGE_SECONDS });
  } else if (getCookie(c, onwardCookie(c, projectId)) !== undefined) {
    setCookie(c, onwardCookie(c, projectId), "", { ...options, maxAge: 0 });
  }
}

/** The onward page this browser's challenge goes on to once met, if its sign-in had one. */
export function readChallengeOnward(c: Ctx, projectId: string): Onward | undefined {
  const value = getCookie(c, onwardCookie(c, projectId));
  return ONWARD.find((onward) => onward === value);
}

/**
 * A first factor passed (`amr`, e.g. ["pwd"]): either the sign-in completes (session and code, or the consent
 * page first when `consentFirst`), or a challenge starts and the browser goes to the second-factor page.
 * `stepUp`: a signed-in person must present a factor whatever they have (acr_values on a live session); `session`
 * is that browser's session token, found live in an earlier transaction: the challenge starts only while it is
 * still live (else the sign-in page again: a sign-out everywhere, reset, claim or disable ended it meanwhile).
 * A user who may no longer sign in gets no challenge and no code (AS4G0 from Postgres: the sign-in page again).
 * `onward`: a page of ours the sign-in goes to instead of the app (no code is issued): right away, or once the
 * second factor is met (the challenge cookie carries it to /auth/mfa).
 * `firstFactor` "phone": the first factor was a code to the person's phone, which cannot then be the second.
 * `passwordHash`: the first factor was a password, verified against this stored hash; nothing starts unless it
 * is still the enabled user's (Postgres raises AS4C0, credentials_changed: a reset, claim or disable won).
 */
export function afterFirstFactor(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  userId: string,
  amr: string[],
  options?: {
    stepUp?: { session: string };
    onward?: Onward;
    firstFactor?: "phone";
    passwordHash?: string;
    saml?: SamlSignIn;
    oidc?: OidcSsoSignIn;
  },
): Promise<Response>;
export function afterFirstFactor(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  userId: string,
  amr: string[],
  options: { consentFirst: boolean; stepUp?: { session: string } },
): Promise<Response | PageResult<AuthPageData>>;
export async function afterFirstFactor(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  userId: string,
  amr: string[],
  { consentFirst = false, stepUp, onward, firstFactor, passwordHash, saml, oidc }: {
    consentFirst?: boolean;
    stepUp?: { session: string };
    onward?: Onward;
    firstFactor?: "phone";
    passwordHash?: string;
    saml?: SamlSignIn;
    oidc?: OidcSsoSignIn;
  } = {},
): Promise<Response | PageResult<AuthPageData>> {
  const code = randomSecret();
  const token = randomSecret();
  const session = await newBrowserSession(c, request);
  const { sql } = c.var.deps;
  // `onward`: a page of ours comes first (a new person is offered a passkey); the code comes later, fresh,
  // through the sign-in page again, where the organization step (lib/login/organization_step.ts) runs.
  const decision = consentFirst || onward ? {} : await decideOrganization(c, request, userId);
  const codeRecord = consentFirst || onward || "redirect" in decision
    ? null
    : await codeRequest({ ...request, organization: decision.organization }, code);
  const required = !!stepUp || mfaOwed(request.project, request.acrValues, amr);
  if (mfaPolicy(request.project) === "off" || amr.includes("mfa")) {
    // Nobody is asked for a second factor in this project, or the first one was two already (a passkey that
    // verified the person): sign in as before factors existed.
    try {
      await completeSignIn(sql, request.project.id, userId, codeRecord, session.record, {
        amr,
        passwordHash,
        saml,
        oidc,
      });
    } catch (error) {
      // AS4G0: the user may no longer sign in (a disable or an erasure since the first factor): no code, and the
      // transaction's session with it.
      if (toAppError(error).code !== "invalid_grant") throw error;
      return c.redirect(`/auth/login?${requestQuery(query)}`, 303);
    }
  } else {
    const tokenHash = await sha256(token);
    // A remembered browser skips the factor the project or the user's own set-up would ask for, never one the
    // request itself asks for (acr_values, a step-up).
    const remembered = readRemembered(c, request.project.id);
    const asked = !!stepUp || wantsMfa(request.acrValues);
    const challenge = {
      tokenHash,
      required,
      remembered: remembered && !asked ? await sha256(remembered) : null,
      firstFactor: firstFactor ?? null,
      stepUpSession: stepUp ? await sha256(stepUp.session) : undefined,
    };
    let started: boolean;
    try {
      started = await signInOrChallenge(
        sql,
        request.project.id,
        userId,
        challenge,
        codeRecord,
        session.record,
        {
          amr,
          passwordHash,
          saml,
          oidc,
        },
      );
    } catch (error) {
      // AS4G0: the stepped-up session ended since it was found live, or the user may no longer sign in (a disable
      // or an erasure since the first factor); nothing started, sign in again.
      if (toAppError(error).code !== "invalid_grant") throw error;
      return c.redirect(`/auth/login?${requestQuery(query)}`, 303);
    }
    if (started) {
      writeChallenge(c, request.project.id, token, onward);
      // The person's language goes along (requestQuery keeps only the authorization request).
      const lang = pickLang(c);
      return c.redirect(`/auth/mfa?${requestQuery(query)}${requestQuery(query) ? "&" : ""}lang=${lang}`, 303);
    }
  }
  writeSession(c, request.project.id, session.token, session.record.ttlSeconds);
  if (consentFirst) return authPage(authPageData(c, request, query, { consent: true }), "consentTitle");
  if (onward) return c.redirect(onwardHref(onward, query, pickLang(c)), 303);
  if ("redirect" in decision) return c.redirect(decision.redirect, 303);
  return c.redirect(redirectTo(request, c.var.deps.config.baseUrl, { code }), 303);
}
