/**
 * The page a stopped social sign-in renders: readable, in the person's language, never a crash (only a provider
 * that did not answer in time, 504, or could not be reached, 502, is a 5xx).
 */
import type { Ctx } from "@/lib/app_env.ts";
import { log } from "@/lib/http/log.ts";
import { unreachableKind } from "@/lib/http/unreachable.ts";
import { page } from "@/lib/router/page.tsx";
import type { SocialProblemData } from "@/components/login/SocialProblem.tsx";
import { MESSAGES } from "../i18n.ts";
import type { SocialSignInError } from "./errors.ts";
import { isProvider } from "./providers.ts";
import { countSignIn } from "@/lib/metrics/metrics.ts";

export function problemPage(c: Ctx, failure: SocialSignInError, data: Omit<SocialProblemData, "error">) {
  const provider = c.req.param("provider") ?? "";
  const unreachable = failure.messageKey === "socialUnreachable";
  // A provider Astapa could not reach or that kept it waiting is the operator's to notice, not the person's.
  log(failure.status >= 500 ? "warn" : "info", "social_sign_in_stopped", {
    requestId: c.var.requestId,
    provider,
    reason: failure.messageKey,
    // Unreachable: the error's class and a fixed word for why, never its message (it names the URL called).
    cause: failure.cause === undefined
      ? undefined
      : unreachable
      ? (failure.cause as Error).constructor?.name ?? "unknown"
      : String(failure.cause),
    network: unreachable ? unreachableKind(failure.cause) : undefined,
  });
  countSignIn(isProvider(provider) ? provider : "unknown", "failure", failure.messageKey);
  return page<SocialProblemData>({ ...data, error: failure.messageKey }, {
    title: MESSAGES[data.lang].socialTitle,
    status: failure.status,
  });
}
