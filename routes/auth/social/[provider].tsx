import * as oauth from "oauth4webapi";
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import type { Handlers } from "@/lib/router/routes.ts";
import { type PageProps, renderPage } from "@/lib/router/page.tsx";
import { AppError } from "@/lib/http/errors.ts";
import { type AuthorizeRequest, requestQuery } from "@/lib/login/authorize_request.ts";
import { AuthForm, authorizeRequest, readAuthForm } from "@/lib/login/pages.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { legalConsentAsked } from "@/lib/login/sign_up_mode.ts";
import { isProvider, providerCredentials, type ProviderId } from "@/lib/login/social/providers.ts";
import SignUp from "../signup.tsx";
import { answersByPost, callbackUrl, upstream } from "@/lib/login/social/upstream.ts";
import { writeFlow } from "@/lib/login/social/flow_cookie.ts";
import { upstreamFailure } from "@/lib/login/social/errors.ts";
import { problemPage } from "@/lib/login/social/problem.ts";
import { SocialProblem, type SocialProblemData } from "@/components/login/SocialProblem.tsx";

// The sign-up form's "Continue with …" buttons post the form (routes/auth/signup.tsx): only its consent box is
// read here; whatever else it carries (the typed address or password) is left unread.
const ConsentForm = AuthForm.extend({ legal_consent: z.literal("on").optional() });

/** "Continue with Google/Apple/GitHub": checks the app's authorization request, then sends the browser upstream. */
export const handler: Handlers<SocialProblemData> = {
  async GET(c) {
    const provider = c.req.param("provider") ?? "";
    if (!isProvider(provider)) throw new AppError("not_found");
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    return await startUpstream(c, provider, request, query, false);
  },

  /**
   * The same from the sign-up form where the project asks for consent (settings.sign_up.require_legal_consent):
   * the box must be ticked, checked here, and the flow carries it to the callback, where a new account needs it.
   */
  async POST(c) {
    const provider = c.req.param("provider") ?? "";
    if (!isProvider(provider)) throw new AppError("not_found");
    const posted = await readAuthForm(c, ConsentForm, "signUpTitle");
    // A stale form (its CSRF pair gone): the sign-up page again, saying so.
    if (!("again" in posted)) return posted instanceof Response ? posted : renderPage(c, SignUp, posted);
    const consented = posted.form.legal_consent === "on";
    if (legalConsentAsked(posted.request.project) && !consented) {
      return renderPage(c, SignUp, posted.again({ error: "legalConsentMissing" }, 422));
    }
    return await startUpstream(c, provider, posted.request, posted.query, consented);
  },
};

async function startUpstream(
  c: Ctx,
  provider: ProviderId,
  request: AuthorizeRequest,
  query: URLSearchParams,
  legalConsent: boolean,
) {
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
    ...(legalConsent ? { legalConsent: true } : {}),
  }, { crossSitePost: answersByPost(provider) });
  return c.redirect(target.toString(), 303);
}

export default function SocialStart({ data }: PageProps<SocialProblemData>) {
  return <SocialProblem data={data} />;
}
