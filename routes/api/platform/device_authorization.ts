import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { startDeviceAuthorization } from "@/db/device_authorizations.ts";
import { AppError } from "@/lib/http/errors.ts";
import { authenticateClient } from "@/lib/oauth/authenticate_client.ts";
import {
  DEVICE_CODE_SECONDS,
  DEVICE_REQUESTS_PER_MINUTE,
  displayUserCode,
  newUserCode,
} from "@/lib/oauth/device_codes.ts";
import { readOAuthParams } from "@/lib/oauth/params.ts";
import { OAuthErrorResponse, parseParams } from "@/lib/oauth/schemas.ts";
import { parseResource, parseScope } from "@/lib/oauth/scope.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import type { RouteDoc } from "@/lib/openapi.ts";
import { clientsInHandler } from "@/lib/router/callers.ts";

/** The project's own client, or a self-registered one that registered the device grant (and names a resource). */
export const callers = clientsInHandler("project", "dynamic");

const DeviceAuthorizationRequest = z.object({
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  scope: z.string().optional().describe("Space-separated, as in the authorization code flow."),
  resource: z.string().optional().describe("RFC 8707; required for self-registered clients."),
});

const DeviceAuthorizationResponse = z.object({
  device_code: z.string(),
  user_code: z.string().describe("8 letters, shown as BCDF-GHJK."),
  verification_uri: z.string(),
  verification_uri_complete: z.string(),
  expires_in: z.number().int(),
  interval: z.number().int(),
});

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

/** RFC 8628 §3.1-3.2: a device code for the client to poll with, and a user code for the person to type. */
export const handler: Handlers = {
  async POST(c) {
    const params = await readOAuthParams(c);
    const client = await authenticateClient(c, params);
    const request = parseParams(DeviceAuthorizationRequest, params);
    const scope = parseScope(request.scope);
    const resource = parseResource(request.resource);
    const deviceCode = randomSecret();
    const deviceCodeHash = await sha256(deviceCode);
    // A taken user code (20^8 of them, few alive at once) is drawn again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const userCode = newUserCode();
      const started = await startDeviceAuthorization(c.var.deps.sql, client.projectId, {
        deviceCodeHash,
        userCode,
        clientId: client.clientId,
        scope,
        resource,
        expiresIn: DEVICE_CODE_SECONDS,
        perMinute: DEVICE_REQUESTS_PER_MINUTE,
      });
      if ("wait" in started) {
        throw new AppError("rate_limited", {
          description: "Too many device authorization requests from this client. Try again later.",
          headers: { "Retry-After": String(started.wait) },
        });
      }
      if ("conflict" in started) continue;
      const verification = `${c.var.deps.config.baseUrl}/device`;
      const shown = displayUserCode(userCode);
      return c.json(
        {
          device_code: deviceCode,
          user_code: shown,
          verification_uri: verification,
          verification_uri_complete: `${verification}?user_code=${shown}`,
          expires_in: started.expires_in,
          interval: started.interval,
        },
        200,
        NO_STORE,
      );
    }
    throw new AppError("service_unavailable", { description: "No free user code was found. Try again." });
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Tokens",
    summary: "Start a device authorization (RFC 8628)",
    description:
      "For clients without a browser: show user_code and verification_uri to the person, then poll " +
      "the token endpoint with grant_type urn:ietf:params:oauth:grant-type:device_code at the interval.",
    auth: "client",
    body: { schema: DeviceAuthorizationRequest, media: ["form", "json"] },
    responses: {
      200: { description: "The codes", schema: DeviceAuthorizationResponse },
      400: {
        description: "invalid_request, invalid_scope, invalid_target, unauthorized_client",
        schema: OAuthErrorResponse,
      },
      401: { description: "invalid_client", schema: OAuthErrorResponse },
      429: { description: "Too many requests from this client (slow_down)", schema: OAuthErrorResponse },
    },
  },
};
