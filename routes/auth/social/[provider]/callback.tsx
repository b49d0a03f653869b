/**
 * Where a provider sends the browser back. Google and GitHub redirect (GET, the answer in the query); Apple
 * answers by form_post: a cross-site POST from appleid.apple.com. That POST is no form of ours, so it carries
 * no CSRF token and its Origin is Apple's: what protects it is the flow cookie this browser got when it was sent
 * to Apple (SameSite=None so the cross-site POST carries it, sealed, single use), whose state the posted state
 * must be — as for the SAML ACS. A GET for Apple, or a POST for the others, is refused.
 */
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { AppError, toAppError } from "@/lib/http/errors.ts";
import { readText } from "@/lib/http/body.ts";
import { authorizeRequest } from "@/lib/login/pages.ts";
import { afterFirstFactor } from "@/lib/login/factors/step.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { isProvider, providerCredentials, type ProviderId } from "@/lib/login/social/providers.ts";
import { answersByPost, callbackUrl, upstream } from "@/lib/login/social/upstream.ts";
import { takeFlow } from "@/lib/login/social/flow_cookie.ts";
import { accountRefusal, SocialSignInError, upstreamFailure } from "@/lib/login/social/errors.ts";
import { problemPage } from "@/lib/login/social/problem.ts";
import { keptAppleToken } from "@/lib/login/social/apple_revocation.ts";
import { discardAppleToken, signInWithIdentity } from "@/db/social.ts";
import { appleProfile, type ProviderProfile } from "@/lib/login/social/profile_claims.ts";
import { refusedSignUp } from "@/lib/login/sign_up_refusal.tsx";
import { askForConsent } from "@/lib/login/held_sign_up.ts";
import { requestQuery } from "@/lib/login/authorize_request.ts";
import { countSignIn } from "@/lib/metrics/metrics.ts";
import { withGuest } from "@/lib/login/guest_hint.ts";
import { SocialProblem, type SocialProblemData } from "@/components/login/SocialProblem.tsx";

/**
 * Apple's form_post fields, bounded. `user` (the name, JSON, first authorization only) fills an empty profile
 * once the ID token proved the sign-in (lib/login/social/profile_claims.ts). Only code, state and error go on to
 * oauth4webapi.
 */
const ApplePost = z.object({
  code: z.string().max(2000).optional(),
  state: z.string().max(200).optional(),
  error: z.string().max(200).optional(),
  id_token: z.string().max(20_000).optional(),
  user: z.string().max(5000).optional(),
});

/** The provider named in the path, when it answers by `method`; otherwise the route is not found / refused. */
function providerFor(c: Ctx, method: "GET" | "POST"): ProviderId {
  const provider = c.req.param("provider") ?? "";
  if (!isProvider(provider)) throw new AppError("not_found");
  if (answersByPost(provider) !== (method === "POST")) throw new AppError("method_not_allowed");
  return provider;
}

export const handler: Handlers<SocialProblemData> = {
  GET(c) {
    const provider = providerFor(c, "GET");
    return finish(c, provider, new URL(c.req.url).searchParams);
  },

  async POST(c) {
    const provider = providerFor(c, "POST");
    const posted = ApplePost.safeParse(Object.fromEntries(new URLSearchParams(await readText(c))));
    const { code, state, error, user } = posted.success ? posted.data : {};
    const answer = new URLSearchParams();
    for (const [key, value] of Object.entries({ code, state, error })) {
      if (value !== undefined) answer.set(key, value);
    }
    return await finish(c, provider, answer, appleProfile(user));
  },
};

/**
 * Checks the flow, redeems upstream, signs in, and goes back to the app (or a readable page). `posted`: a profile
 * that came beside the answer rather than in the ID token (Apple's name).
 */
async function finish(c: Ctx, provider: ProviderId, answer: URLSearchParams, posted: ProviderProfile = {}) {
  const flow = await takeFlow(c);
  if (!flow || flow.provider !== provider || answer.get("state") !== flow.state) {
    // No cookie (another browser, expired) or a state that is not ours (forged or replayed callback).
    return problemPage(c, new SocialSignInError("socialStale", 400), { lang: flow?.lang ?? pickLang(c) });
  }
  const query = new URLSearchParams(flow.request);
  const asked = await authorizeRequest(c, query);
  if (asked instanceof Response) return asked;
  // A guest's sign-up (docs/anonymous-users.md): a new identity and address go onto the guest's row.
  const request = await withGuest(c, asked);
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
      .identity(credentials, callbackUrl(c.var.deps.config, provider), answer, flow);
    identity = { ...identity, profile: { ...posted, ...identity.profile } };
  } catch (error) {
    return problemPage(c, upstreamFailure(error), shown);
  }
  // Apple's refresh token is kept, sealed, to be revoked when the account or the link goes (apple_revocation.ts).
  const kept = await keptAppleToken(c.var.deps, request.project.id, credentials, identity);
  let userId: string;
  try {
    userId = (await signInWithIdentity(
      c.var.deps.sql,
      request.project.id,
      identity,
      request.invitation,
      kept,
      request.guestSub,
      flow.legalConsent === true,
    )).user_id;
  } catch (error) {
    // A new person from the sign-in page, asked for consent they could not give there: the identity is held
    // server-side, Apple's token with it for the account the step makes, and they are asked to agree on the
    // next page, which finishes the sign-in (Clerk's "missing requirements" step).
    if (!flow.legalConsent && toAppError(error).code === "legal_consent_required") {
      return await askForConsent(
        c,
        request.project.id,
        identity,
        {
          query: requestQuery(query),
          guestSub: request.guestSub,
          invitation: request.invitation,
        },
        flow.lang,
        kept,
      );
    }
    // Apple lists the app for the person until its token is revoked, and shares their email and name only with
    // the first sign-in after that: a sign-in that made no account gives it back.
    if (kept) await discardAppleToken(c.var.deps.sql, request.project.id, identity.subject, kept);
    const refused = refusedSignUp(c, request, query, error, flow.lang);
    if (refused) return refused;
    // Apple, for a person it has seen before, may leave the email out; without a linked identity to find
    // them by, there is no account to sign in to, and the person must make Apple share the address again.
    const refusal = accountRefusal(error, identity.email === null);
    if (!refusal) throw error;
    return problemPage(c, refusal, shown);
  }
  countSignIn(provider, "success", "none");
  // "fed": signed in by another identity provider, whose own factors Astapa cannot see.
  return await afterFirstFactor(c, request, query, userId, ["fed"]);
}

export default function SocialCallback({ data }: PageProps<SocialProblemData>) {
  return <SocialProblem data={data} />;
}
