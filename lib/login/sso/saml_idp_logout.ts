/**
 * IdP-initiated single logout: the person signed out at their organization's IdP (or its admin ended their IdP
 * session), and the IdP sends the browser to our SLO endpoint with a LogoutRequest (HTTP-Redirect or HTTP-POST
 * binding). It ends something only when it is the IdP's own and meant for now and here: signed by one of the
 * connection's IdP certificates (an unsigned one is refused), its Issuer the connection's IdP, its Destination this
 * endpoint, inside NotBefore/NotOnOrAfter and at most ten minutes after its IssueInstant, and its ID not seen
 * before (recorded as assertion IDs are). Then the sessions a SAML sign-in through this connection started for its NameID (and
 * SessionIndex, when it names any) end as a sign-out ends them, and the browser goes back to the IdP's SLO URL with
 * our signed LogoutResponse, RelayState echoed. A NameID with no session left answers Success too: the outcome the
 * IdP asks for (no session here) holds. A refused request ends nothing and gets a page, not a LogoutResponse: its
 * sender is not proven to be the IdP, or it is not for now.
 */
import type { Ctx } from "@/lib/app_env.ts";
import { log } from "@/lib/http/log.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { ssoConnectionForSignIn, ssoConnectionProject } from "@/db/sso_connections.ts";
import { endSamlSessions } from "@/db/saml_single_logout.ts";
import { randomSecret } from "@/lib/secrets.ts";
import { CLOCK_SKEW_MS, MAX_ASSERTION_AGE_MS, samlService } from "./saml_service.ts";
import { samlServiceProvider } from "./saml_urls.ts";
import { openSpKeys } from "./saml_sp_key.ts";
import { logoutLibraryReason, type LogoutMessage } from "./saml_logout_message.ts";
import type { SsoSignInConnection } from "@/db/sso_connections.ts";

/** Why a logout message is refused, for the page (a fixed reason; logged, never the XML). */
export class LogoutRefused extends Error {
  constructor(readonly reason: `saml_${string}`, readonly status = 400) {
    super(reason);
  }
}

/** A fresh message ID for what we send (an NCName: it starts with a letter or underscore). */
export const messageId = () => `_${randomSecret().replaceAll("-", "_")}`;

/** The connection the SLO URL names, with what single logout needs (its SLO URL, our current key), or refused. */
export async function logoutConnection(c: Ctx, connectionId: string) {
  const { sql, masterKeys } = c.var.deps;
  const projectId = await ssoConnectionProject(sql, connectionId, "saml");
  const connection = projectId ? await ssoConnectionForSignIn(sql, projectId, connectionId) : null;
  if (!projectId || !connection || connection.protocol !== "saml") {
    throw new LogoutRefused("saml_unknown", 404);
  }
  const current = (await openSpKeys(masterKeys.social, projectId, connection)).find((k) =>
    k.state === "current"
  );
  if (!connection.idp_slo_url || !current) throw new LogoutRefused("saml_slo_off", 409);
  return { projectId, connection, signWith: current.privateKeyPem };
}

/** Verifies a LogoutRequest, ends the sessions it names and answers the redirect to the IdP with our response. */
export async function answerIdpLogout(
  c: Ctx,
  projectId: string,
  connection: SsoSignInConnection,
  signWith: string,
  message: LogoutMessage,
): Promise<Response> {
  const { sql, config } = c.var.deps;
  const service = await samlService(config.baseUrl, connection, messageId(), { signWith });
  let nameId: string;
  let profile;
  try {
    const validated = message.binding === "post"
      ? await service.validatePostRequestAsync(message.container)
      : await service.validateRedirectAsync(message.container, message.signedQuery);
    profile = validated.profile!;
    nameId = profile.nameID;
  } catch (error) {
    throw new LogoutRefused(logoutLibraryReason(error));
  }
  const now = Date.now();
  if (
    !message.id || Number.isNaN(message.issueInstant) || message.issueInstant > now + CLOCK_SKEW_MS ||
    now - CLOCK_SKEW_MS > message.issueInstant + MAX_ASSERTION_AGE_MS
  ) {
    throw new LogoutRefused("saml_expired");
  }
  const until = new Date(message.issueInstant + MAX_ASSERTION_AGE_MS + CLOCK_SKEW_MS);
  let ended;
  try {
    const once = { id: message.id, until };
    ended = await endSamlSessions(sql, projectId, connection.id, once, nameId, message.sessionIndexes);
  } catch (error) {
    const code = toAppError(error).code;
    if (code === "conflict") throw new LogoutRefused("saml_replay");
    if (code === "validation_failed") throw new LogoutRefused("saml_invalid");
    throw error;
  }
  log("info", "saml_logout", { requestId: c.var.requestId, connection: connection.id, ended });
  const answer = await service.getLogoutResponseUrlAsync(profile, message.relayState ?? "", {}, true);
  c.header("cache-control", "no-store");
  return c.redirect(answer, 302);
}

/** The SLO endpoint's own URL for a connection (what a message's Destination must say). */
export const sloUrlOf = (c: Ctx, connectionId: string) =>
  samlServiceProvider(c.var.deps.config.baseUrl, connectionId).slo_url;
