/**
 * The end of every successful sign-in or sign-up: a session for this browser (unless it came with one), a
 * single-use authorization code, and the redirect back to the app with code, state and iss.
 */
import type { Ctx } from "../app_env.ts";
import { asApp } from "../../db/client.ts";
import { completeSignIn } from "../../db/login.ts";
import { randomSecret, sha256 } from "../secrets.ts";
import { clientAddress } from "../http/client_address.ts";
import { type AuthorizeRequest, redirectTo } from "./authorize_request.ts";
import { SESSION_TTL_SECONDS, writeSession } from "./browser.ts";

export async function finishSignIn(c: Ctx, request: AuthorizeRequest, userId: string, newSession: boolean) {
  const code = randomSecret();
  const sessionToken = newSession ? randomSecret() : null;
  await completeSignIn(c.var.deps.sql, request.project.id, userId, {
    codeHash: await sha256(code),
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    scope: request.scope,
    resource: request.resource,
    codeChallenge: request.codeChallenge,
    nonce: request.nonce,
  }, sessionToken ? { tokenHash: await sha256(sessionToken), ttlSeconds: SESSION_TTL_SECONDS } : null);
  if (sessionToken) writeSession(c, request.project.id, sessionToken);
  return c.redirect(redirectTo(request, c.var.deps.config.baseUrl, { code }), 303);
}

/**
 * Password attempts per 15 minutes, counted in Postgres for every instance: production 10 per email and 50 per
 * address; sandbox projects get a relaxed profile (30 and 150) for testing.
 */
export const ATTEMPTS = {
  production: { perEmail: 10, perAddress: 50 },
  sandbox: { perEmail: 30, perAddress: 150 },
  windowSeconds: 900,
};

type Project = AuthorizeRequest["project"];

function buckets(c: Ctx, project: Project, email: string) {
  const limits = project.mode === "production" ? ATTEMPTS.production : ATTEMPTS.sandbox;
  return [
    { name: `sign_in:email:${project.id}:${email.trim().toLowerCase().slice(0, 254)}`, max: limits.perEmail },
    { name: `sign_in:address:${clientAddress(c)}`, max: limits.perAddress },
  ];
}

/** Seconds to wait before another password attempt for this email or address; 0 when allowed. */
export async function signInWait(c: Ctx, project: Project, email: string): Promise<number> {
  return await asApp(c.var.deps.sql, null, async (tx) => {
    let wait = 0;
    for (const bucket of buckets(c, project, email)) {
      const [row] = await tx`select api.rate_limit_wait(${bucket.name}, ${bucket.max}) as wait`;
      wait = Math.max(wait, row.wait);
    }
    return wait;
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
 * Counts an attempt against the email's and the address's limits and writes it to the project's audit log
 * (`action`: a failed sign-in, a reset request, a resent link), noting when it locks the email out.
 */
export async function countAttempt(
  c: Ctx,
  project: Project,
  email: string,
  action: "sign_in.failed" | "password_reset.requested" | "verification.resent",
): Promise<void> {
  await asApp(c.var.deps.sql, project.id, async (tx) => {
    let locked = false;
    for (const bucket of buckets(c, project, email)) {
      await tx`select api.rate_limit_hit(${bucket.name}, ${bucket.max}, ${ATTEMPTS.windowSeconds})`;
      // This attempt used up the allowance: the next one will have to wait.
      const [row] = await tx`select api.rate_limit_wait(${bucket.name}, ${bucket.max}) as wait`;
      locked ||= row.wait > 0;
    }
    const target = `email:${email.trim().toLowerCase().slice(0, 254)}`;
    const details = { address: clientAddress(c) };
    await tx`select astapa.audit(${project.id}, ${action}, ${target}, ${tx.json(details)})`;
    if (locked) {
      await tx`select astapa.audit(${project.id}, 'sign_in.locked_out', ${target}, ${tx.json(details)})`;
    }
  }, { actor: "hosted_login" });
}
