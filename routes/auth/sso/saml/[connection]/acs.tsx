/**
 * POST /auth/sso/saml/:connection/acs — the SAML IdP's Response (HTTP-POST binding: `SAMLResponse`, `RelayState`).
 * Not a form of ours: the IdP's page posts it cross-site, so there is no CSRF token to check; what protects it is
 * the flow cookie this browser got when it was sent to the IdP (SameSite=None, sealed, single use): RelayState must
 * be its state and the Response must answer its AuthnRequest ID (lib/login/sso/saml_acs.ts). The person is then
 * signed in as after an OpenID Connect callback (lib/login/sso/finish.ts). A Response with no flow behind it
 * (IdP-initiated) signs nobody in: lib/login/sso/saml_idp_initiated.ts hands it to the app or refuses it.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { readText } from "@/lib/http/body.ts";
import { authorizeRequest } from "@/lib/login/pages.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { takeFlow } from "@/lib/login/social/flow_cookie.ts";
import { SocialSignInError } from "@/lib/login/social/errors.ts";
import { ssoProblemPage } from "@/lib/login/sso/problem.ts";
import { finishSsoSignIn } from "@/lib/login/sso/finish.ts";
import { samlIdentity } from "@/lib/login/sso/saml_acs.ts";
import { handIdpInitiatedToApp } from "@/lib/login/sso/saml_idp_initiated.ts";
import { ssoConnectionForSignIn } from "@/db/sso_connections.ts";
import { SocialProblem, type SocialProblemData } from "@/components/login/SocialProblem.tsx";

/** A Response of up to 256 KiB of XML (base64: a third more); RelayState is our 43-character state, or the IdP's. */
const AcsForm = z.object({
  SAMLResponse: z.string().min(1).max(350_000),
  RelayState: z.string().max(2000).optional(),
});

export const handler: Handlers<SocialProblemData> = {
  async POST(c) {
    const flow = await takeFlow(c);
    const unknown = { lang: flow?.lang ?? pickLang(c), organizationName: "" };
    const posted = AcsForm.safeParse(Object.fromEntries(new URLSearchParams(await readText(c))));
    if (!posted.success) {
      return ssoProblemPage(
        c,
        new SocialSignInError("socialFailed", 400, { reason: "saml_malformed" }),
        unknown,
      );
    }
    const connectionId = c.req.param("connection") ?? "";
    if (!flow || flow.provider !== "sso" || !flow.samlRequestId) {
      // IdP-initiated (or this browser's flow expired / never started here): nothing ties the answer to this person,
      // so it signs nobody in; a connection that accepts portal sign-ins hands it to the app, any other refuses it.
      return await handIdpInitiatedToApp(c, connectionId, posted.data, unknown.lang);
    }
    if (flow.connection !== connectionId || posted.data.RelayState !== flow.state) {
      return ssoProblemPage(
        c,
        new SocialSignInError("socialStale", 400, { reason: "saml_relay_state" }),
        unknown,
      );
    }
    const query = new URLSearchParams(flow.request);
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    const backHref = `/auth/login?${flow.request}&lang=${flow.lang}`;
    const connection = request.project.id === flow.projectId
      ? await ssoConnectionForSignIn(c.var.deps.sql, request.project.id, connectionId)
      : null;
    // Disabled or turned OpenID Connect since the person left.
    if (!connection || connection.protocol !== "saml") {
      return ssoProblemPage(c, new SocialSignInError("ssoUnavailable", 409), { ...unknown, backHref });
    }
    const shown = {
      lang: flow.lang,
      organizationName: connection.organization_name,
      appName: request.project.name,
      backHref,
    };
    const identity = await samlIdentity(
      c,
      request.project.id,
      connection,
      flow.samlRequestId,
      posted.data.SAMLResponse,
    );
    if (identity instanceof SocialSignInError) return ssoProblemPage(c, identity, shown);
    return await finishSsoSignIn(c, request, query, connection, identity, shown);
  },
};

export default function SamlAcs({ data }: PageProps<SocialProblemData>) {
  return <SocialProblem data={data} />;
}
