/**
 * What stops an enterprise SSO sign-in, as the page the person reads (en/id) with its status. Kept apart from the
 * social pages' mapping (social/errors.ts, social/problem.ts), which it builds on: an IdP the SSRF guard refuses,
 * or that cannot be reached or answers with trouble, is the organization's provider being down — a 502 (a 504
 * when it kept Astapa waiting) naming the organization's sign-in, never "who you are".
 */
import * as oauth from "oauth4webapi";
import type { Ctx } from "@/lib/app_env.ts";
import { log } from "@/lib/http/log.ts";
import { page } from "@/lib/router/page.tsx";
import { countSignIn } from "@/lib/metrics/metrics.ts";
import type { SocialProblemData } from "@/components/login/SocialProblem.tsx";
import { type Lang, MESSAGES } from "../i18n.ts";
import { SocialSignInError, upstreamFailure } from "../social/errors.ts";
import { EndpointError } from "../social/endpoint.ts";
import { IdpAddressRefused } from "./guarded_fetch.ts";

/** oauth4webapi's own refusals (a bad answer, a failed check): the IdP answered, so not an outage. */
const REFUSAL_CLASSES = [
  oauth.OperationProcessingError,
  oauth.ResponseBodyError,
  oauth.AuthorizationResponseError,
  oauth.WWWAuthenticateChallengeError,
  oauth.UnsupportedOperationError,
];

/** Maps a failure of the IdP round trip to what the person reads. */
export function ssoFailure(error: unknown): SocialSignInError {
  const cause = error instanceof EndpointError ? error.cause : error;
  const endpoint = error instanceof EndpointError ? error.endpoint : undefined;
  if (cause instanceof IdpAddressRefused) {
    return new SocialSignInError("socialOutage", 502, { cause, endpoint, reason: "socialUnreachable" });
  }
  const mapped = upstreamFailure(error);
  // A transport failure of a pinned (node:http) request has no fetch shape: still the IdP out of reach.
  const refused = REFUSAL_CLASSES.some((kind) => cause instanceof kind) ||
    (cause instanceof TypeError && "code" in cause);
  if (mapped.messageKey === "socialFailed" && !refused && !(cause instanceof SocialSignInError)) {
    return new SocialSignInError("socialOutage", 502, { cause, endpoint, reason: "socialUnreachable" });
  }
  return mapped;
}

export type SsoPageContext = { lang: Lang; organizationName: string; appName?: string; backHref?: string };

/** The page a stopped SSO sign-in renders: the organization's sign-in named, the way back to the sign-in page. */
export function ssoProblemPage(c: Ctx, failure: SocialSignInError, shown: SsoPageContext) {
  log(failure.isOutage ? "warn" : "info", "sso_sign_in_stopped", {
    requestId: c.var.requestId,
    reason: failure.reason,
    endpoint: failure.endpoint,
    upstreamStatus: failure.upstreamStatus,
    // Never an outage's message: it may name the URL called or quote the IdP's body.
    cause: failure.cause === undefined
      ? undefined
      : failure.isOutage
      ? (failure.cause as Error).constructor?.name ?? "unknown"
      : String(failure.cause),
  });
  countSignIn("sso", "failure", failure.reason);
  const t = MESSAGES[shown.lang];
  return page<SocialProblemData>({
    lang: shown.lang,
    error: failure.messageKey,
    providerName: t.ssoProviderName.replace("{organization}", shown.organizationName),
    appName: shown.appName,
    backHref: shown.backHref,
  }, { title: t.socialTitle, status: failure.status });
}
