/** What can go wrong in a social sign-in, as the message the hosted page shows and its status. */
import * as oauth from "oauth4webapi";
import { isDeadlineError } from "@/lib/http/deadline.ts";
import { isUnreachableError } from "@/lib/http/unreachable.ts";
import type { MessageKey } from "../i18n.ts";

export class SocialSignInError extends Error {
  constructor(readonly messageKey: MessageKey, readonly status: number, cause?: unknown) {
    super(messageKey, { cause });
  }
}

/** Maps a failure of the upstream exchange (oauth4webapi or our own checks) to what the person reads. */
export function upstreamFailure(error: unknown): SocialSignInError {
  if (error instanceof SocialSignInError) return error;
  if (error instanceof oauth.AuthorizationResponseError) {
    return error.error === "access_denied"
      ? new SocialSignInError("socialDenied", 403, error)
      : new SocialSignInError("socialFailed", 400, error);
  }
  // Google or GitHub gave no answer before SOCIAL_LOGIN_TIMEOUT_MS: a page like any other stop, but a 504 —
  // Astapa waited on an upstream in vain, and the person did nothing wrong (the same click may work later).
  if (isDeadlineError(error)) return new SocialSignInError("socialTimeout", 504, error);
  // No connection at all (refused, DNS, TLS, network): a 502, for the same reason — and not "who you are".
  if (isUnreachableError(error)) return new SocialSignInError("socialUnreachable", 502, error);
  // The provider's own error answer, an expired or reused code, a token or ID token that fails validation.
  return new SocialSignInError("socialFailed", 400, error);
}
