import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { registerDynamicClient } from "@/db/dynamic_clients.ts";
import { readBody } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { fetchJwksUri } from "@/lib/oauth/registered_client_jwks.ts";
import {
  parseRegistration,
  RegistrationRequest,
  RegistrationResponse,
  REGISTRATIONS_PER_HOUR,
} from "@/lib/oauth/registration.ts";
import { OAuthErrorResponse } from "@/lib/oauth/schemas.ts";
import { newClientSecret, sha256 } from "@/lib/secrets.ts";
import type { RouteDoc } from "@/lib/openapi.ts";
import { publicRoute } from "@/lib/router/callers.ts";

export const callers = publicRoute(
  "RFC 7591: anyone may register (rate-limited per address); the client may do nothing until a project's " +
    "resource and a person's consent let it",
);

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

/** Dynamic Client Registration (RFC 7591): anyone may register; what the client may do is decided later. */
export const handler: Handlers = {
  async POST(c) {
    const input = await parseRegistration(
      await readBody(c, z.unknown(), ["json"]),
      (uri) => fetchJwksUri(c.var.deps, uri, clientAddress(c)),
    );
    const method = input.token_endpoint_auth_method;
    const secret = method === "none" || method === "private_key_jwt" ? null : newClientSecret();
    const registered = await registerDynamicClient(
      c.var.deps.sql,
      input,
      secret ? await sha256(secret) : null,
      {
        address: clientAddress(c),
        perHour: REGISTRATIONS_PER_HOUR,
      },
    );
    if ("wait" in registered) {
      throw new AppError("rate_limited", {
        description: "Too many client registrations from this address. Try again later.",
        headers: { "Retry-After": String(registered.wait) },
      });
    }
    // Keys fetched from a jwks_uri are the server's copy, not registered metadata: the answer echoes the URI.
    const { jwks_fetched_at: _fetchedAt, ...echoed } = registered;
    const shown = echoed.jwks_uri === undefined ? echoed : { ...echoed, jwks: undefined };
    // A secret is shown here once; it never expires (0), as RFC 7591 §3.2.1 spells it.
    const body = secret ? { ...shown, client_secret: secret, client_secret_expires_at: 0 } : shown;
    return c.json(body, 201, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Tokens",
    summary: "Register a client (RFC 7591 Dynamic Client Registration)",
    description:
      "For MCP clients and other agents that sign people in. Public clients (token_endpoint_auth_method " +
      "none) must use PKCE. Each sign-in names a protected resource; its project must allow dynamic clients " +
      `(settings.dynamic_clients). At most ${REGISTRATIONS_PER_HOUR} registrations per address per hour.`,
    body: { schema: RegistrationRequest, media: ["json"] },
    responses: {
      201: { description: "The registered client", schema: RegistrationResponse },
      400: { description: "invalid_redirect_uri or invalid_client_metadata", schema: OAuthErrorResponse },
      429: { description: "Too many registrations from this address", schema: OAuthErrorResponse },
    },
  },
};
