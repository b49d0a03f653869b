/**
 * Where an organization's IdP sends the browser back: the flow cookie's state and connection are checked, the
 * connection read again (it may have been disabled meanwhile), the code redeemed and the ID token validated, then
 * the person is signed in (api.sign_in_with_sso) with their organization active, as a social sign-in goes on.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { toAppError } from "@/lib/http/errors.ts";
import { authorizeRequest } from "@/lib/login/pages.ts";
import { afterFirstFactor } from "@/lib/login/factors/step.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { takeFlow } from "@/lib/login/social/flow_cookie.ts";
import { SocialSignInError } from "@/lib/login/social/errors.ts";
import { ssoFailure, ssoProblemPage } from "@/lib/login/sso/problem.ts";
import { ssoCallbackUrl, ssoCredentials, ssoProvider } from "@/lib/login/sso/sign_in.ts";
import { signInWithSso, ssoConnectionForSignIn } from "@/db/sso_connections.ts";
import { countSignIn } from "@/lib/metrics/metrics.ts";
import { SocialProblem, type SocialProblemData } from "@/components/login/SocialProblem.tsx";

// What api.sign_in_with_sso refuses, as the page's message (its checks are repeated here only to say which).
const REFUSALS = {
  conflict: new SocialSignInError("ssoNotLinked", 409),
  sso_email_taken: new SocialSignInError("ssoEmailTaken", 409),
  organization_full: new SocialSignInError("ssoFull", 409),
  not_found: new SocialSignInError("ssoUnavailable", 409),
  validation_failed: new SocialSignInError("socialNoEmail", 422),
} as const;

export const handler: Handlers<SocialProblemData> = {
  async GET(c) {
    const flow = await takeFlow(c);
    const current = new URL(c.req.url);
    const unknown = { lang: flow?.lang ?? pickLang(c), organizationName: "" };
    if (
      !flow || flow.provider !== "sso" || !flow.connection || current.searchParams.get("state") !== flow.state
    ) {
      // No cookie (another browser, expired) or a state that is not ours (forged or replayed callback).
      return ssoProblemPage(c, new SocialSignInError("socialStale", 400), unknown);
    }
    const query = new URLSearchParams(flow.request);
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    const backHref = `/auth/login?${flow.request}&lang=${flow.lang}`;
    const connection = request.project.id === flow.projectId
      ? await ssoConnectionForSignIn(c.var.deps.sql, request.project.id, flow.connection)
      : null;
    const credentials = connection && await ssoCredentials(c, request.project.id, connection);
    if (!connection || !credentials) {
      return ssoProblemPage(c, new SocialSignInError("ssoUnavailable", 409), { ...unknown, backHref });
    }
    const shown = {
      lang: flow.lang,
      organizationName: connection.organization_name,
      appName: request.project.name,
      backHref,
    };
    let claims;
    try {
      claims = await ssoProvider(c, connection).idTokenClaims(credentials, ssoCallbackUrl(c), current, flow);
    } catch (error) {
      return ssoProblemPage(c, ssoFailure(error), shown);
    }
    const email = typeof claims.email === "string" ? claims.email.trim() : "";
    const domain = email.split("@")[1]?.toLowerCase() ?? "";
    if (!email) return ssoProblemPage(c, new SocialSignInError("socialNoEmail", 422), shown);
    if (!connection.domains.includes(domain)) {
      return ssoProblemPage(c, new SocialSignInError("ssoWrongDomain", 403), shown);
    }
    if (connection.email_verified_required && claims.email_verified !== true) {
      return ssoProblemPage(c, new SocialSignInError("ssoUnverified", 403), shown);
    }
    let outcome;
    try {
      outcome = await signInWithSso(c.var.deps.sql, request.project.id, connection.id, {
        subject: claims.sub,
        email,
        emailVerified: claims.email_verified === true,
      });
    } catch (error) {
      const code = toAppError(error).code;
      const refusal = code === "forbidden"
        ? new SocialSignInError("socialAccountDisabled", 403)
        : REFUSALS[code as keyof typeof REFUSALS];
      if (!refusal) throw error;
      return ssoProblemPage(c, refusal, shown);
    }
    countSignIn("sso", "success", "none");
    // The organization that signed them in is the active one, unless the app asked for another (a self-registered
    // client gets none, as on every sign-in).
    const onward = request.thirdParty
      ? request
      : { ...request, organization: request.organization ?? outcome.organization_id };
    // "fed": signed in by another identity provider, whose own factors Astapa cannot see (docs/enterprise-sso.md).
    return await afterFirstFactor(c, onward, query, outcome.user_id, ["fed"]);
  },
};

export default function SsoCallback({ data }: PageProps<SocialProblemData>) {
  return <SocialProblem data={data} />;
}
