/**
 * The end of every successful sign-in or sign-up: a session for this browser (unless it came with one), a
 * single-use authorization code, and the redirect back to the app with code, state and iss.
 */
import type { Ctx } from "../app_env.ts";
import { asApp } from "../../db/client.ts";
import { completeSignIn } from "../../db/login.ts";
import { randomSecret, sha256 } from "../secrets.ts";
import { clientAddress } from "../oauth/authenticate_client.ts";
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

/** Password attempts: 10 per email and 50 per address in 15 minutes, shared by every instance. */
const ATTEMPTS = { perEmail: 10, perAddress: 50, windowSeconds: 900 };

function buckets(c: Ctx, projectId: string, email: string) {
  return [
    {
      name: `sign_in:email:${projectId}:${email.trim().toLowerCase().slice(0, 254)}`,
      max: ATTEMPTS.perEmail,
    },
    { name: `sign_in:address:${clientAddress(c)}`, max: ATTEMPTS.perAddress },
  ];
}

/** Seconds to wait before another password attempt for this email or address; 0 when allowed. */
export async function signInWait(c: Ctx, projectId: string, email: string): Promise<number> {
  return await asApp(c.var.deps.sql, null, async (tx) => {
    let wait = 0;
    for (const bucket of buckets(c, projectId, email)) {
      const [row] = await tx`select api.rate_limit_wait(${bucket.name}, ${bucket.max}) as wait`;
      wait = Math.max(wait, row.wait);
    }
    return wait;
  });
}

export async function countFailedSignIn(c: Ctx, projectId: string, email: string): Promise<void> {
  await asApp(c.var.deps.sql, null, async (tx) => {
    for (const bucket of buckets(c, projectId, email)) {
      await tx`select api.rate_limit_hit(${bucket.name}, ${bucket.max}, ${ATTEMPTS.windowSeconds})`;
    }
  });
}
