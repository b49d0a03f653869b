/**
 * A guest's sign-in (docs/anonymous-users.md): the app's front end, with its project's client id alone, gets tokens
 * for a new user with no email — the token endpoint's answer, is_anonymous: true in the tokens. Off unless the
 * project turns settings.anonymous_users on; 30 guests an hour from one address and the project's hourly cap (in
 * SQL, shared by every instance); the project's bot check when it lists "anonymous". A browser's request from
 * another site is served only from the project's allowed origins: any page could otherwise make its visitors'
 * browsers spend the project's hourly cap, from as many addresses as it has visitors.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { readOAuthParams } from "@/lib/oauth/params.ts";
import { OAuthErrorResponse, parseParams, TokenResponse } from "@/lib/oauth/schemas.ts";
import { authorizationRequestClient } from "@/db/login.ts";
import { signInAnonymously } from "@/db/anonymous_users.ts";
import { AppError } from "@/lib/http/errors.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { allowedOrigins, foreignOrigin } from "@/lib/http/origins.ts";
import { anonymousBotVerdict, PROVIDER_PAGE } from "@/lib/login/bot_check.ts";
import { newRefreshSecret } from "@/lib/tokens/refresh_tokens.ts";
import { sha256 } from "@/lib/secrets.ts";
import { userTokens } from "@/lib/oauth/grants.ts";
import { countTokenIssued } from "@/lib/metrics/metrics.ts";
import { publicRoute } from "@/lib/router/callers.ts";
import type { RouteDoc } from "@/lib/openapi.ts";

const GuestRequest = z.object({
  client_id: z.string().regex(/^cid_[a-z2-7]{24}$/, "The project's own client id (cid_…)."),
  scope: z.string().max(1000).default("openid").describe(
    "Scopes the project declares (default openid: an ID token comes too, for the later sign-up's id_token_hint).",
  ),
  "cf-turnstile-response": z.string().max(4096).optional().describe(
    "Turnstile's token, when the project asks.",
  ),
  "h-captcha-response": z.string().max(4096).optional().describe("hCaptcha's token, when the project asks."),
});

export const callers = publicRoute(
  "a front end makes guests with its project's public client id; off unless the project turns it on, 30 an hour " +
    "from one address, the project's hourly cap, and its bot check when it has one",
);

const REFUSED = {
  missing: () => new AppError("invalid_request", { description: "Send the bot check's token." }),
  failed: () => new AppError("bot_check_failed"),
  unavailable: () =>
    new AppError("service_unavailable", {
      description: "The bot check could not be made: try again in a minute.",
      headers: { "Retry-After": "60" },
    }),
};

export const handler: Handlers = {
  async POST(c) {
    const request = parseParams(GuestRequest, await readOAuthParams(c));
    const { sql } = c.var.deps;
    const client = await authorizationRequestClient(sql, request.client_id, {
      scope: request.scope,
      resource: null,
    });
    if (!client) throw new AppError("invalid_client", { description: "Unknown client_id." });
    const origin = foreignOrigin(c);
    if (origin !== null && !allowedOrigins(client.settings).includes(origin)) {
      throw new AppError("forbidden", {
        description: `${origin} is not among this project's allowed origins, so it may not make guests.`,
      });
    }
    const verdict = await anonymousBotVerdict(
      c,
      { id: client.project_id, settings: client.settings },
      request,
    );
    if (verdict) throw REFUSED[verdict]();
    const refreshSecret = newRefreshSecret();
    const grant = await signInAnonymously(sql, client.project_id, {
      clientId: request.client_id,
      address: clientAddress(c),
      refreshHash: await sha256(refreshSecret),
      scope: request.scope,
    });
    const tokens = await userTokens(c, { clientId: request.client_id }, grant, refreshSecret, null);
    countTokenIssued("anonymous", grant.environment ?? "live");
    return c.json(tokens, 200, { "cache-control": "no-store", pragma: "no-cache" });
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Tokens",
    summary: "Sign a guest in: a new user with no email (anonymous sign-in)",
    description:
      "For the project's front end, with its client id alone. Answers as the token endpoint does (access, " +
      'refresh and, with openid, ID token; is_anonymous: true, amr ["anon"]). 403 anonymous_sign_ins_disabled ' +
      "unless settings.anonymous_users is on; 403 forbidden from a browser on an origin not in the project's " +
      "allowed_origins; 429 with Retry-After past 30 guests an hour from one address or the " +
      `project's hourly_limit; with bot protection on "anonymous", the token as ${PROVIDER_PAGE.turnstile.field} ` +
      `or ${PROVIDER_PAGE.hcaptcha.field}. The guest's refresh token is refreshed by the app's backend with the ` +
      "client secret, as every refresh token of the project's client.",
    body: { schema: GuestRequest, media: ["form", "json"] },
    responses: {
      200: { description: "Tokens", schema: TokenResponse },
      400: { description: "invalid_request, invalid_scope", schema: OAuthErrorResponse },
      401: { description: "invalid_client: an unknown client_id", schema: OAuthErrorResponse },
      403: {
        description: "anonymous_sign_ins_disabled, bot_check_failed, forbidden (an origin not allowed)",
        schema: OAuthErrorResponse,
      },
      429: { description: "rate_limited, with Retry-After", schema: OAuthErrorResponse },
    },
  },
};
