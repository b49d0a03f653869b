/**
 * What the webhook endpoint routes (singular and collection) work out before their one SQL call: a new signing
 * secret sealed for the calling project, and the SSRF guard's verdict on a URL.
 */
import type { Ctx } from "../app_env.ts";
import { savedTargetReason } from "../webhooks/address_guard.ts";
import { newWebhookSecret, sealWebhookSecret } from "../webhooks/signature.ts";
import { clientOf } from "./caller.ts";

/** A new whsec_… secret (for the answer, once) and its sealed form (for the database). */
export async function newSealedSecret(c: Ctx): Promise<{ secret: string; sealed: Uint8Array }> {
  const secret = newWebhookSecret();
  const sealed = await sealWebhookSecret(c.var.deps.masterKeys.sealing, clientOf(c).projectId, secret);
  return { secret, sealed };
}

/** Why `url` reaches an internal address (SQL refuses it for production projects), or null; no url: null. */
export function urlVerdict(c: Ctx, url: string | undefined): Promise<string | null> {
  return url === undefined
    ? Promise.resolve(null)
    : savedTargetReason(url, c.var.deps.config.webhookAllowPrivate);
}
