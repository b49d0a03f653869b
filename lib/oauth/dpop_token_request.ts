/** The token endpoint's side of DPoP (RFC 9449 §5): the request's proof, checked against the endpoint's own URL. */
import type { Ctx } from "../app_env.ts";
import { dpopHeader, type DpopProof, verifyDpopProof } from "./dpop.ts";

/**
 * The request's checked DPoP proof, or null without a DPoP header. htu is compared with the token endpoint as
 * discovery names it (the issuer's origin), not with the URL a proxy in front may have rewritten.
 */
export async function tokenRequestProof(c: Ctx): Promise<DpopProof | null> {
  const proof = dpopHeader(c.req.raw.headers);
  if (proof === null) return null;
  return await verifyDpopProof(proof, {
    method: c.req.method,
    url: `${c.var.deps.config.baseUrl}${c.req.path}`,
  });
}
