import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { AppError, toAppError } from "@/lib/http/errors.ts";
import { authorizeRequest } from "@/lib/login/pages.ts";
import { afterFirstFactor } from "@/lib/login/factors/step.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { isProvider, providerCredentials } from "@/lib/login/social/providers.ts";
import { callbackUrl, upstream } from "@/lib/login/social/upstream.ts";
import { takeFlow } from "@/lib/login/social/flow_cookie.ts";
import { SocialSignInError, upstreamFailure } from "@/lib/login/social/errors.ts";
import { problemPage } from "@/lib/login/social/problem.ts";
import { signInWithIdentity } from "@/db/social.ts";
import { refusedSignUp } from "@/lib/login/sign_up_refusal.tsx";
import { countSignIn } from "@/lib/metrics/metrics.ts";
import { SocialProblem, type SocialProblemData } from "@/components/login/SocialProblem.tsx";

// What the account rules in api.sign_in_with_identity refuse, as the page's message.
const REFUSALS = {
  conflict: new SocialSignInError("socialNotLinked", 409),
  forbidden: new SocialSignInError("socialAccountDisabled", 403),
  validation_failed: new SocialSignInError("socialNoEmail", 422),
} as const;

/** Where Google/GitHub send the browser back: check the flow, redeem upstream, sign in, back to the app. */
export const handler: Handlers<SocialProblemData> = {
  async GET(c) {
    const provider = c.req.param("provider") ?? "";
    if (!isProvider(provider)) throw new AppError("not_found");
    const flow = await takeFlow(c);
    const current = new URL(c.req.url);
    if (!flow || flow.provider !== provider || current.searchParams.get("state") !== flow.state) {
      // No cookie (another browser, expired) or a state that is not ours (forged or replayed callback).
      return problemPage(c, new SocialSignInError("socialStale", 400), { lang: flow?.lang ?? pickLang(c) });
    }
    const query = new URLSearchParams(flow.request);
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    const shown = {
      lang: flow.lang,
      appName: request.project.name,
      backHref: `/auth/login?${flow.request}&lang=${flow.lang}`,
    };
    const credentials = await providerCredentials(c.var.deps, request.project, provider);
    if (!credentials || request.project.id !== flow.projectId) throw new AppError("not_found");
    let identity;
    try {
      identity = await upstream(c.var.deps.config, provider)
        .identity(credentials, callbackUrl(c.var.deps.config, provider), current, flow);
    } catch (error) {
      return problemPage(c, upstreamFailure(error), shown);
    }
    let userId: string;
    try {
      userId =
        (await signInWithIdentity(c.var.deps.sql, request.project.id, identity, request.invitation)).user_id;
    } catch (error) {
      const refused = refusedSignUp(c, request, query, error, flow.lang);
      if (refused) return refused;
      const refusal = REFUSALS[toAppError(error).code as keyof typeof REFUSALS];
      if (!refusal) throw error;
      return problemPage(c, refusal, shown);
    }
    countSignIn(provider, "success", "none");
    // "fed": signed in by another identity provider, whose own factors Astapa cannot see.
    return await afterFirstFactor(c, request, query, userId, ["fed"]);
  },
};

export default function SocialCallback({ data }: PageProps<SocialProblemData>) {
  return <SocialProblem data={data} />;
}
