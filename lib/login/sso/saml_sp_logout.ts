/**
 * SP-initiated single logout: a person whose session came from a SAML connection with an IdP SLO URL signs out at
 * Astapa (routes/auth/logout.tsx). Once the Astapa session has ended, the browser goes to the IdP with our signed
 * LogoutRequest (NameID, SessionIndex; HTTP-Redirect binding) so the IdP ends its session too, and comes back to our
 * SLO endpoint with the IdP's LogoutResponse. Where it goes then — the post_logout_redirect_uri the logout already
 * validated, or our signed-out page — is sealed in a short-lived cookie of this browser (ten minutes, single use,
 * SameSite=Lax: the IdP's redirect back is a top-level GET), never read from the response: RelayState is only a
 * random value tying the answer to the cookie, so it cannot redirect anywhere (no open redirect).
 */
import type { Profile } from "@node-saml/node-saml";
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import { log } from "@/lib/http/log.ts";
import { randomSecret } from "@/lib/secrets.ts";
import type { SamlLogout } from "@/db/sso_sign_ins.ts";
import { ssoConnectionForSignIn } from "@/db/sso_connections.ts";
import {
  LOGOUT_COOKIE_TTL_SECONDS,
  type LogoutCookie,
  takeLogoutCookie,
  writeLogoutCookie,
} from "./logout_cookie.ts";
import { samlService } from "./saml_service.ts";
import { openSpKeys } from "./saml_sp_key.ts";
import { logoutLibraryReason, type LogoutMessage } from "./saml_logout_message.ts";
import { messageId } from "./saml_idp_logout.ts";
import type { SsoSignInConnection } from "@/db/sso_connections.ts";

const COOKIE: LogoutCookie = {
  name: "astapa_saml_logout",
  path: "/auth/sso/saml",
  context: "astapa saml logout cookie",
};

const Pending = z.object({
  projectId: z.string(),
  connectionId: z.string(),
  requestId: z.string(),
  state: z.string(),
  /** Where the browser goes once the IdP answered: validated by the logout (an app's registered URI) or ours. */
  back: z.string(),
  expiresAt: z.number(),
});
type Pending = z.infer<typeof Pending>;

/**
 * After the Astapa session ended: the redirect to the IdP with a signed LogoutRequest, or null when the
 * connection cannot send one any more (disabled, no SLO URL or no key of ours): the logout then goes on as usual.
 */
export async function startSpLogout(c: Ctx, projectId: string, logout: SamlLogout, back: string) {
  const { sql, masterKeys, config } = c.var.deps;
  const connection = await ssoConnectionForSignIn(sql, projectId, logout.connection_id);
  if (!connection || connection.protocol !== "saml" || !connection.idp_slo_url) return null;
  const current = (await openSpKeys(masterKeys.social, projectId, connection)).find((k) =>
    k.state === "current"
  );
  if (!current) return null;
  const requestId = messageId();
  const state = randomSecret();
  const service = await samlService(config.baseUrl, connection, requestId, {
    signWith: current.privateKeyPem,
  });
  const person = {
    issuer: connection.idp_entity_id ?? "",
    nameID: logout.name_id,
    nameIDFormat: logout.name_id_format ?? "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    ...(logout.session_index ? { sessionIndex: logout.session_index } : {}),
  } as Profile;
  const url = await service.getLogoutUrlAsync(person, state, {});
  const pending: Pending = {
    projectId,
    connectionId: connection.id,
    requestId,
    state,
    back,
    expiresAt: Date.now() + LOGOUT_COOKIE_TTL_SECONDS * 1000,
  };
  await writeLogoutCookie(c, COOKIE, pending);
  return c.redirect(url, 303);
}

/**
 * The IdP's LogoutResponse to ours: where the browser goes on (`back`, from the cookie), and whether the IdP
 * confirmed its own sign-out (signed by its certificate, its Issuer, status Success, answering our request). Null
 * when this browser waits for no logout of this connection, or the RelayState is not the one sent.
 */
export async function finishSpLogout(
  c: Ctx,
  projectId: string,
  connection: SsoSignInConnection,
  message: LogoutMessage,
): Promise<{ back: string; confirmed: boolean } | null> {
  const pending = await takeLogoutCookie(c, COOKIE, Pending);
  if (
    !pending || pending.projectId !== projectId || pending.connectionId !== connection.id ||
    message.relayState !== pending.state
  ) {
    return null;
  }
  const service = await samlService(c.var.deps.config.baseUrl, connection, pending.requestId);
  // node-saml accepts an unsigned message: an answer not signed by the IdP confirms nothing.
  let reason: `saml_${string}` | null = message.signed ? null : "saml_unsigned";
  try {
    if (!reason) await service.validateRedirectAsync(message.container, message.signedQuery);
    if (!reason && message.inResponseTo !== pending.requestId) reason = "saml_in_response_to";
  } catch (error) {
    reason = logoutLibraryReason(error);
  }
  if (reason) {
    log("info", "saml_logout_unconfirmed", { requestId: c.var.requestId, connection: connection.id, reason });
  }
  return { back: pending.back, confirmed: reason === null };
}
