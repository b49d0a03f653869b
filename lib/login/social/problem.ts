/**
 * The page a stopped social sign-in renders: readable, in the person's language, never a crash (only a provider
 * that did not do its part — no answer in time, 504; unreachable, a 5xx or an unreadable answer, 502 — is a 5xx).
 */
import type { Ctx } from "@/lib/app_env.ts";
import { log } from "@/lib/http/log.ts";
import { unreachableKind } from "@/lib/http/unreachable.ts";
import { page } from "@/lib/router/page.tsx";
import type { SocialProblemData } from "@/components/login/SocialProblem.tsx";
import { MESSAGES } from "../i18n.ts";
import type { SocialSignInError } from "./errors.ts";
import { isProvider, PROVIDER_NAMES } from "./providers.ts";
import { countSignIn } from "@/lib/metrics/metrics.ts";

export function problemPage(
  c: Ctx,
  failure: SocialSignInError,
  data: Omit<SocialProblemData, "error" | "providerName">,
) {
  const provider = c.req.param("provider") ?? "";
  const known = isProvider(provider) ? provider : undefined;
  // A provider that is down or kept Astapa waiting is the operator's to notice, not the person's; broken
  // credentials (a bad Apple key) are the operator's to fix.
  log(failure.isMisconfigured ? "error" : failure.isOutage ? "warn" : "info", "social_sign_in_stopped", {
    requestId: c.var.requestId,
    provider,
    reason: failure.reason,
    endpoint: failure.endpoint,
    upstreamStatus: failure.upstreamStatus,
    // An outage: the error's class and a fixed word for why, never its message (it may name the URL called or
    // quote the provider's body). Otherwise oauth4webapi's or our own fixed text.
    cause: failure.cause === undefined
      ? undefined
      : failure.isOutage
      ? (failure.cause as Error).constructor?.name ?? "unknown"
      : String(failure.cause),
    network: failure.reason === "socialUnreachable" ? unreachableKind(failure.cause) : undefined,
  });
  countSignIn(known ?? "unknown", "failure", failure.reason);
  return page<SocialProblemData>({
    ...data,
    error: failure.messageKey,
    providerName: known ? PROVIDER_NAMES[known] : provider,
  }, {
    title: MESSAGES[data.lang].socialTitle,
    status: failure.status,
  });
}
