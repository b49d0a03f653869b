/**
 * The upstream round trip's memory: state, nonce and PKCE verifier, plus the app's original authorization
 * request, sealed (AES-GCM under the master key) into a short-lived cookie. The cookie binds the flow to this
 * browser (a callback in another browser has no cookie), the state binds the callback to this cookie, and the
 * sealed request sends the person back to the app they came from. Nothing is stored server-side.
 */
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import { openFromBrowser, seal } from "@/lib/tokens/master_key.ts";
import { base64url } from "@/lib/secrets.ts";
import { cookieName } from "../browser.ts";

const FLOW_TTL_SECONDS = 600;
const CONTEXT = "astapa social flow cookie";

const Flow = z.object({
  /** "sso": an organization's own IdP (lib/login/sso/), named by `connection`. */
  provider: z.enum(["google", "github", "apple", "microsoft", "sso"]),
  connection: z.string().optional(),
  projectId: z.string(),
  state: z.string(),
  nonce: z.string(),
  verifier: z.string(),
  /** SAML: the AuthnRequest's ID, which the Response's InResponseTo must name (no nonce or verifier then). */
  samlRequestId: z.string().optional(),
  /** The app's authorization request as a query string. */
  request: z.string(),
  lang: z.enum(["en", "id"]),
  /** Started from the sign-up form with "I agree" ticked (settings.sign_up.require_legal_consent). */
  legalConsent: z.boolean().optional(),
  expiresAt: z.number(),
});
export type SocialFlow = z.infer<typeof Flow>;

const name = (c: Ctx) => cookieName(c, "astapa_social");

/**
 * Seals the flow into this browser. `crossSitePost`: the IdP answers with a form POST from its own site
 * (SAML's HTTP-POST binding, Apple's form_post), which carries only SameSite=None cookies, and those must be Secure (browsers
 * accept Secure cookies from http://localhost, so development works; SAML elsewhere needs https).
 */
export async function writeFlow(
  c: Ctx,
  flow: Omit<SocialFlow, "expiresAt">,
  options: { crossSitePost?: boolean } = {},
): Promise<void> {
  const body = JSON.stringify({ ...flow, expiresAt: Date.now() + FLOW_TTL_SECONDS * 1000 });
  const sealed = await seal(c.var.deps.masterKeys.social, new TextEncoder().encode(body), CONTEXT);
  setCookie(c, name(c), base64url.encode(sealed), {
    path: "/",
    httpOnly: true,
    secure: options.crossSitePost || c.var.deps.config.baseUrl.startsWith("https://"),
    // Lax: the provider's redirect back is a top-level GET navigation, which carries Lax cookies. None (SAML, Apple):
    // still safe to send cross-site, as it is sealed, single use, and the answer must name what it holds.
    sameSite: options.crossSitePost ? "None" : "Lax",
    maxAge: FLOW_TTL_SECONDS,
  });
}

/** The flow this browser started, once: the cookie is cleared whatever happens next. Null when absent,
 * tampered with, or expired. */
export async function takeFlow(c: Ctx): Promise<SocialFlow | null> {
  const raw = getCookie(c, name(c));
  if (raw === undefined) return null;
  deleteCookie(c, name(c), { path: "/", secure: c.var.deps.config.baseUrl.startsWith("https://") });
  try {
    const plain = await openFromBrowser(c.var.deps.masterKeys.social, base64url.decode(raw), CONTEXT);
    const flow = Flow.parse(JSON.parse(new TextDecoder().decode(plain)));
    return flow.expiresAt > Date.now() ? flow : null;
  } catch {
    return null;
  }
}
