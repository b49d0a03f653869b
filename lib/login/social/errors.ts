/** What can go wrong in a social sign-in, as the message the hosted page shows and its status. */
import * as oauth from "oauth4webapi";
import { isDeadlineError } from "@/lib/http/deadline.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { isUnreachableError } from "@/lib/http/unreachable.ts";
import type { MessageKey } from "../i18n.ts";
import { type Endpoint, EndpointError, isTroubleStatus, ProviderTrouble } from "./endpoint.ts";

/** Why a provider could not do its part, for the log and the sign-in counter (the page says the same for all). */
export type OutageReason = "socialTimeout" | "socialUnreachable" | "socialProviderError";

type Detail = {
  cause?: unknown;
  /** The log's and the counter's reason when it is finer than the message key (SAML: a fixed check's name). */
  reason?: OutageReason | "socialMisconfigured" | `saml_${string}` | `sso_${string}`;
  /** The provider's endpoint the failure came from, when known. */
  endpoint?: Endpoint;
  /** The provider's HTTP status, when it answered. */
  upstreamStatus?: number;
};

export class SocialSignInError extends Error {
  readonly reason: string;
  readonly endpoint?: Endpoint;
  readonly upstreamStatus?: number;
  constructor(readonly messageKey: MessageKey, readonly status: number, detail: Detail = {}) {
    super(messageKey, { cause: detail.cause });
    this.reason = detail.reason ?? messageKey;
    this.endpoint = detail.endpoint;
    this.upstreamStatus = detail.upstreamStatus;
  }

  /** Whether the provider, not the person, stopped the sign-in (the page names the provider; 5xx). */
  get isOutage(): boolean {
    return this.messageKey === "socialOutage";
  }

  /** Whether the app's own credentials are broken (a bad Apple key, a client the provider refuses): the operator's. */
  get isMisconfigured(): boolean {
    return this.messageKey === "socialMisconfigured";
  }
}

/** Maps a failure of the upstream exchange (oauth4webapi or our own checks) to what the person reads. */
export function upstreamFailure(error: unknown): SocialSignInError {
  const endpoint = error instanceof EndpointError ? error.endpoint : undefined;
  const cause = error instanceof EndpointError ? error.cause : error;
  if (cause instanceof SocialSignInError) return cause;
  const outage = (status: number, reason: OutageReason, upstreamStatus?: number) =>
    new SocialSignInError("socialOutage", status, { cause, reason, endpoint, upstreamStatus });
  if (cause instanceof oauth.AuthorizationResponseError) {
    // Apple says user_cancelled_authorize when the person presses Cancel.
    if (cause.error === "access_denied" || cause.error === "user_cancelled_authorize") {
      return new SocialSignInError("socialDenied", 403, { cause, endpoint });
    }
    // RFC 6749 §4.1.2.1: the provider's authorization server failed or is overloaded, not a refusal.
    if (cause.error === "server_error" || cause.error === "temporarily_unavailable") {
      return outage(502, "socialProviderError");
    }
    return new SocialSignInError("socialFailed", 400, { cause, endpoint });
  }
  // The provider does not accept the app's own credentials (RFC 6749 §5.2): a wrong secret, or for Apple a
  // client secret signed with a key of another team, a revoked key or a wrong Key ID. Not the person's doing.
  if (cause instanceof oauth.ResponseBodyError && cause.error === "invalid_client") {
    return new SocialSignInError("socialMisconfigured", 500, {
      cause,
      reason: "socialMisconfigured",
      endpoint,
    });
  }
  // Google or GitHub gave no answer before SOCIAL_LOGIN_TIMEOUT_MS: a 504 — Astapa waited on an upstream in
  // vain (RFC 9110 §15.6.5), and the person did nothing wrong (the same click may work later).
  if (isDeadlineError(cause)) return outage(504, "socialTimeout");
  // No connection at all (refused, DNS, TLS, network): a 502, for the same reason — and not "who you are".
  if (isUnreachableError(cause)) return outage(502, "socialUnreachable");
  // An answer that is the provider's trouble (a 5xx or 429, a body that is not JSON): a 502 Bad Gateway.
  const troubled = troubleStatus(cause);
  if (troubled !== undefined) return outage(502, "socialProviderError", troubled);
  // The provider's own error answer, an expired or reused code, a token or ID token that fails validation.
  return new SocialSignInError("socialFailed", 400, { cause, endpoint });
}

/**
 * The provider's status when `error` says it answered with trouble: our own check (endpoint.ts), or
 * oauth4webapi's on the requests it makes itself (the JWKS): a 5xx or 429, or a 2xx whose body is not JSON.
 */
function troubleStatus(error: unknown): number | undefined {
  if (error instanceof ProviderTrouble) return error.status;
  if (!(error instanceof oauth.OperationProcessingError) || !(error.cause instanceof Response)) {
    return undefined;
  }
  const { status, ok } = error.cause;
  if (isTroubleStatus(status)) return status;
  return error.code === oauth.RESPONSE_IS_NOT_JSON && ok ? status : undefined;
}

// What the account rules in api.sign_in_with_identity refuse, as the page's message.
const REFUSALS = {
  conflict: () => new SocialSignInError("socialNotLinked", 409),
  forbidden: () => new SocialSignInError("socialAccountDisabled", 403),
  validation_failed: () => new SocialSignInError("socialNoEmail", 422),
} as const;

/**
 * The page's message for an account rule that refused a social sign-in (the callback's, and the consent step's
 * that finishes a held one), or null for any other error (the caller rethrows). `noEmail`: the provider shared
 * no address — Apple, for a person it has seen before, must be made to share it again.
 */
export function accountRefusal(error: unknown, noEmail = false): SocialSignInError | null {
  const code = toAppError(error).code;
  if (code === "validation_failed" && noEmail) return new SocialSignInError("socialAppleNoEmail", 422);
  return code in REFUSALS ? REFUSALS[code as keyof typeof REFUSALS]() : null;
}
