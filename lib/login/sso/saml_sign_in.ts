/**
 * The hand-over to a SAML connection's IdP: an AuthnRequest by the HTTP-Redirect binding, its ID and the app's
 * authorization request sealed in the flow cookie, and RelayState = the flow's random state, so the Response that
 * comes back is tied to this browser twice (InResponseTo names the request, RelayState names the flow). The cookie
 * is SameSite=None: the IdP's answer is a cross-site form POST (saml_acs.ts). With `sign_authn_requests` the query is
 * signed with the connection's current service provider key (SigAlg rsa-sha256).
 */
import * as oauth from "oauth4webapi";
import type { Ctx } from "@/lib/app_env.ts";
import type { SsoSignInConnection } from "@/db/sso_connections.ts";
import { type AuthorizeRequest, requestQuery } from "../authorize_request.ts";
import type { Lang } from "../i18n.ts";
import { writeFlow } from "../social/flow_cookie.ts";
import { SocialSignInError } from "../social/errors.ts";
import { ssoProblemPage } from "./problem.ts";
import { samlService } from "./saml_service.ts";
import { openSpKeys } from "./saml_sp_key.ts";

/** Sends the browser to the SAML IdP with an AuthnRequest. */
export async function startSamlSignIn(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  connection: SsoSignInConnection,
  lang: Lang,
) {
  // An xsd:ID must not start with a digit.
  const requestId = `_${crypto.randomUUID().replaceAll("-", "")}`;
  const state = oauth.generateRandomState();
  let target: string;
  try {
    // Signed requests use the current key only; a previous one (after a rotation) just decrypts.
    const signWith = connection.sign_authn_requests
      ? (await openSpKeys(c.var.deps.masterKeys.social, request.project.id, connection))
        .find((key) => key.state === "current")?.privateKeyPem
      : undefined;
    if (connection.sign_authn_requests && !signWith) throw new Error("no service provider key to sign with");
    const service = await samlService(c.var.deps.config.baseUrl, connection, requestId, { signWith });
    target = await service.getAuthorizeUrlAsync(
      state,
      "",
      {},
    );
  } catch {
    const shown = { lang, organizationName: connection.organization_name, appName: request.project.name };
    return ssoProblemPage(c, new SocialSignInError("ssoUnavailable", 409, { reason: "saml_request" }), shown);
  }
  await writeFlow(c, {
    provider: "sso",
    connection: connection.id,
    projectId: request.project.id,
    state,
    // SAML has no nonce or PKCE verifier: the request ID binds the answer.
    nonce: "",
    verifier: "",
    samlRequestId: requestId,
    request: requestQuery(query),
    lang,
  }, { crossSitePost: true });
  return c.redirect(target, 303);
}
