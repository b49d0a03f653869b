/**
 * The end of a signed-in browser's way back to the app (a returning person, the consent or the organization step):
 * a single-use authorization code for the session it holds, and the redirect back to the app with code, state and
 * iss. Other sign-ins start their session and code together (lib/login/factors/step.ts).
 */
import type { Ctx } from "../app_env.ts";
import { asApp } from "@/db/client.ts";
import {
  type CodeRequest,
  completeSignIn,
  liveSession,
  type NewSession,
  type SignInMethod,
} from "@/db/login.ts";
import { randomSecret, sha256 } from "../secrets.ts";
import { clientAddress } from "../http/client_address.ts";
import { toAppError } from "../http/errors.ts";
import { lockoutBuckets } from "../http/lockout_buckets.ts";
import type { FailureBucket } from "@/db/client_authentication.ts";
import { type AuthorizeRequest, redirectTo, requestQuery } from "./authorize_request.ts";
import { loginSessionSeconds, readSession } from "./browser.ts";
import { countLockout } from "../metrics/metrics.ts";
import { decideOrganization } from "./organization_step.ts";

/**
 * `session`: the browser's session token, found live for `userId` in an earlier transaction. The code is issued
 * only while it is still live (api.issue_authorization_code checks it under the user's row lock): one ended since
 * — a sign-out everywhere, a reset, a claim, a disable — gets the sign-in page again (`query`: the request).
 */
export async function finishSignIn(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  userId: string,
  session: string,
  method: SignInMethod,
) {
  const decision = await decideOrganization(c, request, userId);
  if ("redirect" in decision) return c.redirect(decision.redirect, 303);
  const code = randomSecret();
  const codeRecord = await codeRequest({ ...request, organization: decision.organization }, code);
  try {
    await completeSignIn(c.var.deps.sql, request.project.id, userId, codeRecord, {
      live: await sha256(session),
    }, method);
  } catch (error) {
    // AS4G0 from the session check: nothing was issued; the session's person signs in again.
    if (toAppError(error).code !== "invalid_grant") throw error;
    return c.redirect(`/auth/login?${requestQuery(query)}`, 303);
  }
  return c.redirect(redirectTo(request, c.var.deps.config.baseUrl, { code }), 303);
}

/** This browser's session token for the project and what Postgres knows of it, while it is live; else null. */
export async function liveBrowserSession(c: Ctx, projectId: string) {
  const session = readSession(c, projectId);
  const live = session ? await liveSession(c.var.deps.sql, projectId, session) : null;
  return session && live ? { session, live } : null;
}

/** The authorization code's record: its hash and what it is bound to. */
export async function codeRequest(request: AuthorizeRequest, code: string): Promise<CodeRequest> {
  return {
    codeHash: await sha256(code),
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    scope: request.scope,
    resource: request.resource,
    codeChallenge: request.codeChallenge,
    nonce: request.nonce,
    organization: request.organization || undefined,
    dpopJkt: request.dpopJkt,
  };
}

/** A fresh session token, replacing the one this browser held for the project (prompt=login, a reset). */
export async function newBrowserSession(c: Ctx, request: AuthorizeRequest) {
  const token = randomSecret();
  const previous = readSession(c, request.project.id);
  const record: NewSession = {
    tokenHash: await sha256(token),
    ttlSeconds: loginSessionSeconds(request.project.settings),
    ...(previous ? { replaces: await sha256(previous) } : {}),
    userAgent: c.req.header("user-agent")?.slice(0, 512),
  };
  return { token, record };
}

/**
 * Password attempts per 15 minutes, counted in Postgres for every instance: production 10 per email and 50 per
 * address; sandbox projects get a relaxed profile (30 and 150) for testing. The email's count is public-keyed
 * (anyone can type a victim's email), so for passwords it only slows addresses that failed for that email:
 * the (email, address) pair locks itself, and a correct password from a clean address still signs in (issue
 * 17 item 11). Mail-sending attempts (reset, resend) keep the strict per-email limit: it caps mail to a victim.
 */
export const ATTEMPTS = {
  production: { perEmail: 10, perAddress: 50 },
  sandbox: { perEmail: 30, perAddress: 150 },
  windowSeconds: 900,
};

type Project = AuthorizeRequest["project"];
/** password: a sign-in attempt (clean addresses spared); mail: an attempt that sends mail (strict). */
export type AttemptKind = "password" | "mail";

function buckets(c: Ctx, project: Project, email: string, kind: AttemptKind): FailureBucket[] {
  const { perEmail, perAddress } = project.mode === "production" ? ATTEMPTS.production : ATTEMPTS.sandbox;
  const who = `${project.id}:${email.trim().toLowerCase().slice(0, 254)}`;
  const key = { scope: "sign_in", ceiling: "email", key: who, address: clientAddress(c) };
  const limits = { perPair: perEmail, perAddress, perKey: perEmail, windowSeconds: ATTEMPTS.windowSeconds };
  return lockoutBuckets(key, limits, kind === "password");
}

/** Seconds to wait before another attempt for this email from this address; 0 when allowed. */
export async function signInWait(
  c: Ctx,
  project: Project,
  email: string,
  kind: AttemptKind = "mail",
): Promise<number> {
  const limits = buckets(c, project, email, kind);
  return await asApp(c.var.deps.sql, null, async (tx) => {
    const [row] = await tx`select astapa.client_lockout_wait(${tx.json(limits)}) as wait`;
    return row.wait as number;
  });
}

/** "Send the link again" mails one link a minute per email at most. */
export const RESEND_GAP_SECONDS = 60;

/**
 * Counts a resend in the email's one-a-minute bucket: 0 when this one may go, else the seconds until the
 * next may (this one is not sent).
 */
export async function resendGap(c: Ctx, project: Project, email: string): Promise<number> {
  const bucket = `resend:email:${project.id}:${email.trim().toLowerCase().slice(0, 254)}`;
  return await asApp(c.var.deps.sql, null, async (tx) => {
    const [row] = await tx`select api.rate_limit_hit(${bucket}, 1, ${RESEND_GAP_SECONDS}) as wait`;
    return row.wait as number;
  });
}

/**
 * Counts an attempt against the email's, the address's and the pair's limits and writes it to the project's
 * audit log (`action`: a failed sign-in, a breached password's reset link, a reset request, a resent link),
 * noting when it locks the email out.
 */
export async function countAttempt(
  c: Ctx,
  project: Project,
  email: string,
  action:
    | "sign_in.failed"
    | "sign_in.password_breached"
    | "password_reset.requested"
    | "verification.resent"
    | "email_code.requested",
): Promise<void> {
  const limits = buckets(c, project, email, "mail");
  const locked = await asApp(c.var.deps.sql, project.id, async (tx) => {
    await tx`select astapa.count_client_failure(${tx.json(limits)})`;
    // This attempt used up an allowance: the next one will have to wait (or, for passwords, a clean address).
    const [row] = await tx`select astapa.client_lockout_wait(${tx.json(limits)}) as wait`;
    const target = `email:${email.trim().toLowerCase().slice(0, 254)}`;
    const details = { address: clientAddress(c) };
    await tx`select astapa.audit(${project.id}, ${action}, ${target}, ${tx.json(details)})`;
    if (row.wait > 0) {
      await tx`select astapa.audit(${project.id}, 'sign_in.locked_out', ${target}, ${tx.json(details)})`;
    }
    return row.wait > 0;
  }, { actor: "hosted_login" });
  // Counted once the transaction committed (asApp may run it again across a failover).
  if (locked) {
    countLockout(
      action === "sign_in.failed"
        ? "sign_in"
        : action === "password_reset.requested" || action === "sign_in.password_breached"
        ? "password_reset"
        : "verification",
    );
  }
}
