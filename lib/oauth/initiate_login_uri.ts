/**
 * A client's initiate_login_uri (OIDC Core §4, OIDC Dynamic Client Registration §2): the app's route that starts
 * its own authorization request when a sign-in begins elsewhere — a link Astapa mailed (docs/hosted-login.md
 * "Sign-ins the app did not start"). https only; otherwise a redirect URI's rules. Astapa never fetches it, it
 * only sends the browser there, so no address rule (SSRF) applies. The project's own client keeps it in
 * settings.initiate_login_uri (astapa.is_valid_initiate_login_uri checks the same); a self-registered client in
 * its registration.
 */
import { z } from "zod";

/** Why `uri` is no initiate_login_uri, or null: the rule astapa.is_valid_initiate_login_uri applies. */
export function initiateLoginUriProblem(uri: string): string | null {
  if (uri.length === 0 || uri.length > 2000) return "must be a URL of 1–2000 characters";
  if (/[\s#]/.test(uri)) return "must not contain a fragment or whitespace";
  if (!/^https:\/\/[^/?@\s:]+(:[0-9]{1,5})?([/?].*)?$/.test(uri)) {
    return "must be an absolute https URL without userinfo";
  }
  return URL.canParse(uri) ? null : "must be an absolute https URL";
}

export const InitiateLoginUri = z.string().max(2000).superRefine((uri, ctx) => {
  const problem = initiateLoginUriProblem(uri);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
}).describe(
  "Where a sign-in Astapa's mail starts goes (https; the app starts its own authorization request there).",
);
