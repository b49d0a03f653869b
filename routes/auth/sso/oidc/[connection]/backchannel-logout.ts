/**
 * POST /auth/sso/oidc/:connection/backchannel-logout — an OpenID Connect connection's Back-Channel Logout URI
 * (OpenID Connect Back-Channel Logout 1.0): the organization's IdP posts a logout token here, server to server, when
 * the person's IdP session ends, and the Astapa sessions its sign-ins started end (lib/login/sso/oidc_idp_logout.ts).
 * Public: the IdP's signature on the token is what protects it. Answers 200 (also when nothing was left to end) or
 * 400 with an OAuth error body (§2.8), never a page, never cached.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { publicRoute } from "@/lib/router/callers.ts";
import { AppError } from "@/lib/http/errors.ts";
import { log } from "@/lib/http/log.ts";
import { bodyKind, formToObject, readText } from "@/lib/http/body.ts";
import { LogoutTokenRefused, MAX_TOKEN_CHARS } from "@/lib/login/sso/oidc_backchannel_logout.ts";
import { takeLogoutToken } from "@/lib/login/sso/oidc_idp_logout.ts";

/** A form of one logout token; the body is capped well below the app's 1 MiB (a logout token is a few hundred bytes). */
const MAX_BODY_CHARS = 16 * 1024;
const LogoutForm = z.object({ logout_token: z.string().min(1).max(MAX_TOKEN_CHARS) });

export const callers = publicRoute(
  "OpenID Connect back-channel logout: a logout token ends sessions only when signed by the connection's IdP key",
);

export const handler: Handlers = {
  async POST(c) {
    c.header("cache-control", "no-store");
    try {
      const text = await readText(c);
      const form = bodyKind(c.req.header("content-type")) === "form" && text.length <= MAX_BODY_CHARS
        ? LogoutForm.safeParse(formToObject(text))
        : null;
      if (!form?.success) {
        throw new LogoutTokenRefused(
          "bcl_malformed",
          "Send one logout_token, form-encoded, of at most 8 KiB.",
        );
      }
      await takeLogoutToken(c, c.req.param("connection") ?? "", form.data.logout_token);
      return c.body(null, 200);
    } catch (error) {
      if (!(error instanceof LogoutTokenRefused)) throw error;
      log("info", "oidc_backchannel_logout_refused", { requestId: c.var.requestId, reason: error.reason });
      const body = new AppError("invalid_request", { description: error.description }).toBody();
      return c.json(body, 400);
    }
  },
};
