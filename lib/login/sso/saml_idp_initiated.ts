/**
 * A SAML Response the IdP sent unasked — the person chose the app's tile in the IdP's portal (IdP-initiated;
 * docs/enterprise-sso.md "Sign-in from the IdP's portal"). It is checked exactly as an answer to our own request
 * (saml_acs.ts: signature, audience, recipient, destination, validity, encryption, the assertion ID used once), but
 * signs nobody in: with no authorization request of the app's behind it there is no state, no PKCE and no proof
 * that the person at this browser asked for it (login CSRF). The verified identity is kept as a pending SSO sign-in
 * (ten minutes, single use, behind the pending-login cookie) and the browser goes to the app's initiate_login_uri,
 * as a mailed link's does (lib/login/pending_login.ts); the app starts its own request and the hosted login asks the
 * person to confirm the account (routes/auth/sso/portal.tsx) before signing them in.
 */
import type { Ctx } from "@/lib/app_env.ts";
import {
  recordSsoPendingSignIn,
  ssoConnectionForSignIn,
  ssoConnectionProject,
} from "@/db/sso_connections.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import type { Lang } from "../i18n.ts";
import { writePendingLogin } from "../pending_login.ts";
import { SocialSignInError } from "../social/errors.ts";
import { ssoProblemPage } from "./problem.ts";
import { samlIdentity } from "./saml_acs.ts";
import { emailDomain } from "./email_domain.ts";

/** RelayState as OIDC's target_link_uri: only an https URL on an origin of the app's registered redirect URIs. */
function targetLink(relayState: string | undefined, redirectUris: string[]): string | null {
  if (!relayState || !URL.canParse(relayState)) return null;
  const target = new URL(relayState);
  if (target.protocol !== "https:" || target.username || target.password) return null;
  const origins = redirectUris.filter((uri) => URL.canParse(uri)).map((uri) => new URL(uri).origin);
  return origins.includes(target.origin) ? target.href : null;
}

/** Verifies an unsolicited Response for the connection the ACS URL names and hands it to the app, or refuses it. */
export async function handIdpInitiatedToApp(
  c: Ctx,
  connectionId: string,
  posted: { SAMLResponse: string; RelayState?: string },
  lang: Lang,
) {
  const { sql, config } = c.var.deps;
  const refuse = (
    key: "samlUnsolicited" | "samlPortalOff" | "samlPortalNoApp",
    reason: `saml_${string}`,
    name = "",
  ) => ssoProblemPage(c, new SocialSignInError(key, 403, { reason }), { lang, organizationName: name });
  const projectId = await ssoConnectionProject(sql, connectionId, "saml");
  const connection = projectId ? await ssoConnectionForSignIn(sql, projectId, connectionId) : null;
  if (!projectId || !connection || connection.protocol !== "saml") {
    return refuse("samlUnsolicited", "saml_unsolicited");
  }
  const name = connection.organization_name;
  if (!connection.idp_initiated) return refuse("samlPortalOff", "saml_idp_initiated_off", name);
  if (!connection.initiate_login_uri) return refuse("samlPortalNoApp", "saml_no_initiate_login_uri", name);
  const shown = { lang, organizationName: name };
  const identity = await samlIdentity(c, projectId, connection, undefined, posted.SAMLResponse);
  if (identity instanceof SocialSignInError) return ssoProblemPage(c, identity, shown);
  // The address is the app's login_hint: refused now, rather than after the app's round trip, when it is none the
  // organization's IdP may speak for (the sign-in itself checks again, in SQL too).
  const email = identity.email.trim();
  if (!email) return ssoProblemPage(c, new SocialSignInError("socialNoEmail", 422), shown);
  if (!connection.domains.includes(emailDomain(email))) {
    return ssoProblemPage(c, new SocialSignInError("ssoWrongDomain", 403), shown);
  }
  const token = randomSecret();
  const next = await recordSsoPendingSignIn(sql, projectId, connectionId, await sha256(token), {
    ...identity,
    email,
  });
  await writePendingLogin(c, projectId, token);
  const target = new URL(next.initiate_login_uri);
  target.searchParams.set("iss", config.baseUrl);
  target.searchParams.set("login_hint", email);
  const link = targetLink(posted.RelayState, next.redirect_uris);
  if (link) target.searchParams.set("target_link_uri", link);
  return c.redirect(target.toString(), 303);
}
