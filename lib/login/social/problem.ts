/**
 * The page a stopped social sign-in renders: readable, in the person's language, never a crash (only a provider
 * that did not answer in time is a 5xx: 504).
 */
import type { Ctx } from "@/lib/app_env.ts";
import { log } from "@/lib/http/log.ts";
import { page } from "@/lib/router/page.tsx";
import type { SocialProblemData } from "@/components/login/SocialProblem.tsx";
import { MESSAGES } from "../i18n.ts";
import type { SocialSignInError } from "./errors.ts";
import { isProvider } from "./providers.ts";
import { countSignIn } from "@/lib/metrics/metrics.ts";

export function problemPage(c: Ctx, failure: SocialSignInError, data: Omit<SocialProblemData, "error">) {
  log("info", "social_sign_in_stopped", {
    requestId: c.var.requestId,
    provider: c.req.param("provider"),
    reason: failure.messageKey,
    cause: failure.cause === undefined ? undefined : String(failure.cause),
  });
  const provider = c.req.param("provider") ?? "";
  countSignIn(isProvider(provider) ? provider : "unknown", "failure", failure.messageKey);
  return page<SocialProblemData>({ ...data, error: failure.messageKey }, {
    title: MESSAGES[data.lang].socialTitle,
    status: failure.status,
  });
}
