/**
 * After an emailed code or magic link signed someone in: on like any first factor (a self-registered client is
 * allowed first). A person the code just signed up is offered a passkey first where the project has them, as after
 * a password sign-up. Shared by the code's page and the consent step that finishes a held one
 * (routes/auth/email-code.tsx, routes/auth/signup/continue.tsx).
 */
import type { Ctx } from "@/lib/app_env.ts";
import type { AuthorizeRequest } from "@/lib/login/authorize_request.ts";
import { afterFirstFactor } from "@/lib/login/factors/step.ts";
import { passkeysEnabled } from "@/lib/login/passkeys/settings.ts";
import { countSignIn } from "@/lib/metrics/metrics.ts";

export function emailCodeSignedIn(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  redeemed: { user_id: string; created: boolean },
) {
  countSignIn("email_code", "success", "none");
  if (request.thirdParty) {
    return afterFirstFactor(c, request, query, redeemed.user_id, ["otp"], { consentFirst: true });
  }
  const onward = redeemed.created && passkeysEnabled(request.project) ? "passkey_offer" as const : undefined;
  return afterFirstFactor(c, request, query, redeemed.user_id, ["otp"], { onward });
}
