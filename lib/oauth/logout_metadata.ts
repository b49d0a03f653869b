/**
 * The logout metadata a client registers (OpenID Connect RP-Initiated Logout 1.0 §3.1, Back-Channel Logout 1.0
 * §2.2): where the browser may return after signing out, where logout tokens go, and whether they must carry
 * sid. The same fields for a self-registered client (RFC 7591 registration, kept in its metadata) and for a
 * project's own client (settings.logout, through the Platform API's /api/platform/logout-settings).
 */
import { z } from "zod";

/** https anywhere, http on a loopback host; absolute, no fragment (both specs), no userinfo or whitespace. */
const LogoutUri = z.string().max(2000).refine((uri) => {
  if (/[\s#]/.test(uri)) return false;
  try {
    const url = new URL(uri);
    if (url.username || url.password) return false;
    return url.protocol === "https:" ||
      (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname));
  } catch {
    return false;
  }
}, "must be an absolute https URL (http only on 127.0.0.1, localhost or [::1]), without a fragment");

export const LogoutMetadata = z.object({
  post_logout_redirect_uris: z.array(LogoutUri).max(20).optional()
    .describe("Where the browser may return after signing out (exact match); at most 20."),
  backchannel_logout_uri: LogoutUri.optional()
    .describe("Where logout tokens are POSTed when a session the client received tokens from ends."),
  backchannel_logout_session_required: z.boolean().optional()
    .describe("The client needs sid in logout tokens (Astapa always sends it)."),
});
export type LogoutMetadata = z.infer<typeof LogoutMetadata>;

/** The request's logout fields, checked; the first problem named as `field: problem` when one is wrong. */
export function readLogoutMetadata(raw: Record<string, unknown>): LogoutMetadata | { problem: string } {
  const parsed = LogoutMetadata.safeParse(raw);
  if (parsed.success) return JSON.parse(JSON.stringify(parsed.data));
  const issue = parsed.error.issues[0];
  return { problem: `${issue.path.join(".")}: ${issue.message}` };
}
