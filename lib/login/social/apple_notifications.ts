/**
 * Sign in with Apple server-to-server notifications: Apple POSTs `{"payload": "<JWT>"}` to the URL registered
 * for the App ID. The JWT is Apple's (RS256, a key from the JWKS at the jwks_uri of APPLE_ISSUER's discovery —
 * the ID tokens' keys), `iss` Apple's issuer, `aud` the Services ID, `iat` within the last hour, and its `events`
 * claim (a JSON string) says what happened: email-disabled, email-enabled, consent-revoked, account-delete.
 * The audience is checked in SQL (api.receive_apple_notification: a Services ID of the deployment or a project).
 */
import { createRemoteJWKSet, errors, jwtVerify } from "jose";
import { z } from "zod";
import type { Config } from "@/config.ts";
import { AppError } from "@/lib/http/errors.ts";
import { discover } from "./oidc.ts";
import { requestOptions } from "./request_options.ts";

/** The event types Astapa acts on; any other is answered 200 and ignored (Apple may add more). */
export const APPLE_EVENT_TYPES = [
  "email-disabled",
  "email-enabled",
  "consent-revoked",
  "account-delete",
] as const;

const AppleEvent = z.object({
  type: z.string().max(100),
  sub: z.string().min(1).max(255),
  event_time: z.number().nonnegative().optional(),
  email: z.string().max(320).optional(),
  is_private_email: z.union([z.boolean(), z.string().max(10)]).optional(),
});
export type AppleEvent = z.infer<typeof AppleEvent>;

export type VerifiedNotification = { audience: string; eventId: string; event: AppleEvent };

// Apple's keys per jwks_uri (jose keeps them and refetches on an unknown kid).
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

async function appleKeys(config: Config) {
  const { issuer } = config.apple;
  let as;
  try {
    as = await discover(issuer, requestOptions(issuer, config.socialTimeoutMs));
  } catch (cause) {
    throw new AppError("service_unavailable", { description: "Apple's keys could not be fetched.", cause });
  }
  const uri = as.jwks_uri!;
  let keys = keySets.get(uri);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(uri), { timeoutDuration: config.socialTimeoutMs });
    keySets.set(uri, keys);
  }
  return keys;
}

/** The notification's audience, event id (jti, or a digest of its events) and event; 400 when it is not Apple's. */
export async function verifyAppleNotification(config: Config, jwt: string): Promise<VerifiedNotification> {
  const keys = await appleKeys(config);
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(jwt, keys, {
      algorithms: ["RS256"],
      issuer: config.apple.issuer,
      maxTokenAge: "1h",
      clockTolerance: 60,
      requiredClaims: ["iat", "aud"],
    }));
  } catch (cause) {
    // Apple's JWKS out of reach is Apple's trouble (it retries on a 5xx), not a bad notification.
    if (cause instanceof errors.JWKSTimeout || cause instanceof TypeError) {
      throw new AppError("service_unavailable", { description: "Apple's keys could not be fetched.", cause });
    }
    throw new AppError("invalid_request", {
      description: "The payload is not a notification signed by Apple.",
      cause,
    });
  }
  const events = typeof claims.events === "string" ? safeJson(claims.events) : claims.events;
  const event = AppleEvent.safeParse(events);
  if (typeof claims.aud !== "string" || !event.success) {
    throw new AppError("invalid_request", { description: "The notification names no audience or event." });
  }
  const eventId = typeof claims.jti === "string" && claims.jti.length > 0 && claims.jti.length <= 200
    ? `jti:${claims.jti}`
    : `sha256:${await digest(JSON.stringify(events))}`;
  return { audience: claims.aud, eventId, event: event.data };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function digest(text: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}
