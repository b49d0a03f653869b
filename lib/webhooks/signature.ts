/**
 * Webhook secrets and signatures, following the Standard Webhooks scheme (standardwebhooks.com) so apps can
 * verify with an existing library or a few lines of code:
 *
 *   secret     whsec_<base64 of 32 random bytes>; the HMAC key is the base64-decoded part after "whsec_"
 *   headers    webhook-id (the event id, evt_…, the same on every retry), webhook-timestamp (Unix seconds of
 *              this attempt), webhook-signature ("v1," + base64 HMAC-SHA256 over "<id>.<timestamp>.<body>")
 *
 * The secret is stored sealed under the master key, bound to its project, and opened only to sign.
 */
import { open, seal } from "../tokens/master_key.ts";

const PREFIX = "whsec_";

/** What a project's webhook secret is sealed for. */
export const webhookSecretContext = (projectId: string) => `webhook secret ${projectId}`;

/** A new signing secret: whsec_ + base64 of 32 random bytes (256 bits). */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return PREFIX + btoa(String.fromCharCode(...bytes));
}

/** Seals a secret for storage; only this project's endpoint can open it again. */
export function sealWebhookSecret(
  sealing: CryptoKey,
  projectId: string,
  secret: string,
): Promise<Uint8Array> {
  return seal(sealing, new TextEncoder().encode(secret), webhookSecretContext(projectId));
}

export async function openWebhookSecret(
  sealing: CryptoKey,
  projectId: string,
  sealed: Uint8Array,
): Promise<string> {
  return new TextDecoder().decode(await open(sealing, sealed, webhookSecretContext(projectId)));
}

/** The three Standard Webhooks headers for one attempt to send `body`. */
export async function signatureHeaders(
  secret: string,
  id: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Promise<Record<string, string>> {
  const keyBytes = Uint8Array.from(atob(secret.slice(PREFIX.length)), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, signed));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${btoa(String.fromCharCode(...mac))}`,
  };
}
