/**
 * Everything after "who is this person", for both protocols: the address must be at a verified domain of the
 * connection's organization and (unless the connection says its IdP is authoritative) verified, then
 * api.sign_in_with_sso finds or creates the account and its membership, and the sign-in goes on as a social one
 * does (MFA rules, the organization step with the SSO organization active, the code to the app).
 */
import type { Ctx } from "@/lib/app_env.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { afterFirstFactor } from "@/lib/login/factors/step.ts";
import type { AuthorizeRequest } from "@/lib/login/authorize_request.ts";
import { signInWithSso, type SsoIdentity, type SsoSignInConnection } from "@/db/sso_connections.ts";
import { countSignIn } from "@/lib/metrics/metrics.ts";
import { SocialSignInError } from "../social/errors.ts";
import { withGuest } from "../guest_hint.ts";
import { type SsoPageContext, ssoProblemPage } from "./problem.ts";
import { emailDomain } from "./email_domain.ts";

// What api.sign_in_with_sso refuses, as the page's message (its checks are repeated here only to say which).
const REFUSALS = {
  conflict: new SocialSignInError("ssoNotLinked", 409),
  sso_email_taken: new SocialSignInError("ssoEmailTaken", 409),
  organization_full: new SocialSignInError("ssoFull", 409),
  not_found: new SocialSignInError("ssoUnavailable", 409),
  validation_failed: new SocialSignInError("socialNoEmail", 422),
} as const;

/** Signs in the person the connection's IdP vouched for, or renders why not. */
export async function finishSsoSignIn(
  c: Ctx,
  asked: AuthorizeRequest,
  query: URLSearchParams,
  connection: SsoSignInConnection,
  identity: SsoIdentity,
  shown: SsoPageContext,
) {
  // A guest's sign-up handed over to the organization's IdP (docs/anonymous-users.md): a new account is the guest's.
  const request = await withGuest(c, asked);
  if (request instanceof Response) return request;
  const email = identity.email.trim();
  if (!email) return ssoProblemPage(c, new SocialSignInError("socialNoEmail", 422), shown);
  if (!connection.domains.includes(emailDomain(email))) {
    return ssoProblemPage(c, new SocialSignInError("ssoWrongDomain", 403), shown);
  }
  if (connection.email_verified_required && !identity.emailVerified) {
    return ssoProblemPage(c, new SocialSignInError("ssoUnverified", 403), shown);
  }
  let outcome;
  try {
    outcome = await signInWithSso(
      c.var.deps.sql,
      request.project.id,
      connection.id,
      { ...identity, email },
      request.guestSub,
    );
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
  // A SAML sign-in's NameID and SessionIndex go with the session it starts, for single logout; an OpenID Connect
  // sign-in's sub and sid, for the IdP's back-channel logout, and its sealed ID token, for the sign-out at the IdP.
  const saml = identity.saml && { connectionId: connection.id, nameId: identity.subject, ...identity.saml };
  const oidc = identity.oidc && { connectionId: connection.id, subject: identity.subject, ...identity.oidc };
  return await afterFirstFactor(c, onward, query, outcome.user_id, ["fed"], {
    ...(saml ? { saml } : {}),
    ...(oidc ? { oidc } : {}),
  });
}
