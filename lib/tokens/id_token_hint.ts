/**
 * Reads the id_token_hint of an RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2): an ID token this
 * deployment issued, checked against its own published keys (RS256 only, typ JWT, our issuer). Its expiry is
 * not checked — the spec lets an RP send an expired one, and the hint only names who and which app; it never
 * signs anyone out by itself (routes/auth/logout.tsx always asks).
 */
import { compactVerify, createLocalJWKSet } from "jose";
import { z } from "zod";
import type { KeyStore } from "./signing_keys.ts";

/** What a valid hint says: the person (sub), the app (the ID token's audience) and the session (sid), if any. */
export type IdTokenHint = { sub: string; clientId: string; sid: string | null };

const Claims = z.object({
  iss: z.string(),
  sub: z.string().min(1),
  aud: z.union([z.string(), z.array(z.string()).length(1)]),
  sid: z.string().optional(),
});

const decoder = new TextDecoder();

/** The hint's claims, or null when it is not an ID token Astapa signed (another key, another issuer, mangled). */
export async function readIdTokenHint(
  keys: KeyStore,
  issuer: string,
  token: string,
): Promise<IdTokenHint | null> {
  if (token.length > 8192) return null;
  try {
    const jwks = createLocalJWKSet(await keys.jwks());
    const { payload, protectedHeader } = await compactVerify(token, jwks, { algorithms: ["RS256"] });
    // Access tokens and logout tokens are signed with the same keys; only an ID token is a hint.
    if (protectedHeader.typ !== "JWT") return null;
    const claims = Claims.safeParse(JSON.parse(decoder.decode(payload)));
    if (!claims.success || claims.data.iss !== issuer) return null;
    const aud = claims.data.aud;
    return {
      sub: claims.data.sub,
      clientId: typeof aud === "string" ? aud : aud[0],
      sid: claims.data.sid ?? null,
    };
  } catch {
    return null;
  }
}
