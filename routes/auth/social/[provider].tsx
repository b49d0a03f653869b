import * as oauth from "oauth4webapi";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { AppError } from "@/lib/http/errors.ts";
import { requestQuery } from "@/lib/login/authorize_request.ts";
import { authorizeRequest } from "@/lib/login/pages.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { isProvider, providerCredentials } from "@/lib/login/social/providers.ts";
import { answersByPost, callbackUrl, upstream } from "@/lib/login/social/upstream.ts";
import { writeFlow } from "@/lib/login/social/flow_cookie.ts";
import { upstreamFailure } from "@/lib/login/social/errors.ts";
import { problemPage } from "@/lib/login/social/problem.ts";
import { SocialProblem, type SocialProblemData } from "@/components/login/SocialProblem.tsx";

/** "Continue with Google/Apple/GitHub": checks the app's authorization request, then sends the browser upstream. */
export const handler: Handlers<SocialProblemData> = {
  async GET(c) {
    const provider = c.req.param("provider") ?? "";
    if (!isProvider(provider)) throw new AppError("not_found");
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    const credentials = await providerCredentials(c.var.deps, request.project, provider);
    if (!credentials) {
      throw new AppError("not_found", { description: "This sign-in option is not offered here." });
    }
    const lang = pickLang(c);
    const flow = {
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      verifier: oauth.generateRandomCodeVerifier(),
    };
    let target: URL;
    try {
      target = await upstream(c.var.deps.config, provider)
        .authorizationUrl(credentials, callbackUrl(c.var.deps.config, provider), flow);
    } catch (error) {
      // Google's or Apple's discovery document could not be fetched or read.
      const back = `/auth/login?${requestQuery(query)}&lang=${lang}`;
      return problemPage(c, upstreamFailure(error), { lang, appName: request.project.name, backHref: back });
    }
    await writeFlow(c, {
      provider,
      projectId: request.project.id,
      ...flow,
      request: requestQuery(query),
      lang,
    }, { crossSitePost: answersByPost(provider) });
    return c.redirect(target.toString(), 303);
  },
};

export default function SocialStart({ data }: PageProps<SocialProblemData>) {
  return <SocialProblem data={data} />;
}
