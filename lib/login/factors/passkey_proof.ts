/**
 * A passkey as the second factor on /auth/mfa (docs/mfa.md): offered when the project has passkeys on and the
 * challenged person has one. The assertion is checked here (user verification required); Postgres then binds
 * it to the challenged person and records its counter (api.meet_mfa_challenge_by_passkey). Refusals are
 * audited like a passkey sign-in's, with `step: "mfa"`.
 */
import type { Ctx } from "@/lib/app_env.ts";
import type { Challenge, PasskeyProof } from "@/db/factors.ts";
import { passkeyRefused } from "@/db/passkeys.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { passkeysEnabled } from "../passkeys/settings.ts";
import { verifySecondFactor } from "../passkeys/ceremony.ts";
import type { AuthorizeRequest } from "../authorize_request.ts";

/** Whether this challenge may be met with a passkey. */
export function passkeyFactor(request: AuthorizeRequest, challenge: Challenge): boolean {
  return passkeysEnabled(request.project) && challenge.passkeys.length > 0;
}

/** Audits why a passkey did not meet the challenge. */
export async function passkeyFactorRefused(c: Ctx, projectId: string, reason: string): Promise<void> {
  await passkeyRefused(c.var.deps.sql, projectId, reason, { address: clientAddress(c), step: "mfa" });
}

/** The verified assertion the island posted, or null (refused and audited). */
export async function passkeyProof(
  c: Ctx,
  request: AuthorizeRequest,
  challenge: Challenge,
  posted: string | undefined,
): Promise<PasskeyProof | null> {
  const checked = !passkeyFactor(request, challenge)
    ? { refused: "not_offered" }
    : !posted
    ? { refused: "malformed" }
    : await verifySecondFactor(c, request.project.id, posted);
  if ("refused" in checked) {
    await passkeyFactorRefused(c, request.project.id, checked.refused);
    return null;
  }
  return checked;
}
