/**
 * Where an organization's IdP sends the browser back: the flow cookie's state and connection are checked, the
 * connection read again (it may have been disabled meanwhile), the code redeemed and the ID token validated, then
 * the person is signed in (api.sign_in_with_sso) with their organization active, as a social sign-in goes on.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { authorizeRequest } from "@/lib/login/pages.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { takeFlow } from "@/lib/login/social/flow_cookie.ts";
import { SocialSignInError } from "@/lib/login/social/errors.ts";
import { ssoFailure, ssoProblemPage } from "@/lib/login/sso/problem.ts";
import { isOidc, ssoCallbackUrl, ssoCredentials, ssoProvider } from "@/lib/login/sso/sign_in.ts";
import { ssoConnectionForSignIn } from "@/db/sso_connections.ts";
import { finishSsoSignIn } from "@/lib/login/sso/finish.ts";
import { oidcIdentity } from "@/lib/login/sso/idp_claims.ts";
import { keptIdToken } from "@/lib/login/sso/oidc_id_token.ts";
import { SocialProblem, type SocialProblemData } from "@/components/login/SocialProblem.tsx";

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
    // A connection turned SAML since the person left is unavailable for this flow.
    const credentials = connection && isOidc(connection) &&
      await ssoCredentials(c, request.project.id, connection);
    if (!connection || !isOidc(connection) || !credentials) {
      return ssoProblemPage(c, new SocialSignInError("ssoUnavailable", 409), { ...unknown, backHref });
    }
    const shown = {
      lang: flow.lang,
      organizationName: connection.organization_name,
      appName: request.project.name,
      backHref,
    };
    let exchanged;
    try {
      exchanged = await ssoProvider(c, connection).exchange(credentials, ssoCallbackUrl(c), current, flow);
    } catch (error) {
      return ssoProblemPage(c, ssoFailure(error), shown);
    }
    // The address, names and groups under the connection's mapped claim names (or the well-known ones).
    const identity = oidcIdentity(exchanged.claims, connection);
    if (identity instanceof SocialSignInError) return ssoProblemPage(c, identity, shown);
    // The ID token goes with the session, sealed: a sign-out sends it back to the IdP as id_token_hint.
    const idTokenSealed = await keptIdToken(c, request.project.id, connection.id, exchanged.idToken);
    const oidc = { sid: identity.oidc?.sid ?? null, idTokenSealed };
    return await finishSsoSignIn(c, request, query, connection, { ...identity, oidc }, shown);
  },
};

export default function SsoCallback({ data }: PageProps<SocialProblemData>) {
  return <SocialProblem data={data} />;
}
