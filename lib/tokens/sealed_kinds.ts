/**
 * Every kind of value Astapa keeps sealed under the master key, for `astapa master-key reseal` (reseal.ts): which
 * purpose's key seals it, how it is stored, and what it is bound to — rebuilt from its row by the very function
 * the code that seals it uses, so a value re-sealed here opens there. db/api/sealed_values.sql finds the values
 * of each kind; SEAL_CALLS names every `seal(` call site in lib/, which tests/tokens/master_key_reseal_test.ts
 * holds this list to: a new sealed value cannot land without the reseal knowing it.
 */
import type { SealingPurpose } from "./master_key.ts";
import { signingKeyContext } from "./signing_keys.ts";
import { webhookSecretContext } from "@/lib/webhooks/signature.ts";
import { xenditKeyContext } from "@/lib/payments/accounts.ts";
import { sandboxKeyContext } from "@/lib/payments/sandbox_accounts.ts";
import { type ProviderId, providerSecretContext } from "@/lib/login/social/providers.ts";
import { type BotCheckProvider, botSecretContext } from "@/lib/login/bot_check.ts";
import { appleTokenContext } from "@/lib/login/social/apple_revocation.ts";
import { ssoSecretContext } from "@/lib/login/sso/secret.ts";
import { spKeyContext } from "@/lib/login/sso/saml_sp_key.ts";
import { idTokenContext } from "@/lib/login/sso/oidc_id_token.ts";
import { storedContext, totpContext } from "@/lib/login/factors/totp.ts";
import { phoneProviderContext } from "@/lib/phone/providers/project_credentials.ts";
import type { PhoneProviderId } from "@/db/phone_providers.ts";

/** A sealed value's row as api.sealed_values lists it: its id and what else the seal is bound to. */
export type SealedRow = { id: string; detail: string | null };

export type SealedKind = {
  /** The kind as api.sealed_values and api.replace_sealed_values name it. */
  name: string;
  /** Which of the master keys seals it. */
  purpose: SealingPurpose;
  /** How the column keeps the sealed bytes: bytea (hex on the wire) or base64url text. */
  encoding: "hex" | "base64url";
  /** The deployment's own (the signing keys), not a project's. */
  deployment?: true;
  /** The additional data it is sealed with, from its project and row. */
  context(projectId: string, row: SealedRow): string;
};

export const SEALED_KINDS: readonly SealedKind[] = [
  {
    name: "signing_key",
    purpose: "sealing",
    encoding: "hex",
    deployment: true,
    context: (_, r) => signingKeyContext(r.id),
  },
  { name: "webhook_secret", purpose: "sealing", encoding: "hex", context: (p) => webhookSecretContext(p) },
  {
    name: "xendit_secret_key",
    purpose: "payments",
    encoding: "hex",
    context: (p, r) => xenditKeyContext(p, r.id, "secret_key"),
  },
  {
    name: "xendit_callback_token",
    purpose: "payments",
    encoding: "hex",
    context: (p, r) => xenditKeyContext(p, r.id, "callback_token"),
  },
  {
    name: "sandbox_secret_key",
    purpose: "payments",
    encoding: "hex",
    context: (p) => sandboxKeyContext(p, "secret_key"),
  },
  {
    name: "sandbox_callback_token",
    purpose: "payments",
    encoding: "hex",
    context: (p) => sandboxKeyContext(p, "callback_token"),
  },
  {
    name: "social_provider_secret",
    purpose: "social",
    encoding: "base64url",
    context: (p, r) => providerSecretContext(p, r.id as ProviderId),
  },
  {
    name: "bot_protection_secret",
    purpose: "social",
    encoding: "base64url",
    context: (p, r) => botSecretContext(p, r.id as BotCheckProvider),
  },
  {
    name: "apple_identity_token",
    purpose: "social",
    encoding: "base64url",
    context: (p, r) => appleTokenContext(p, r.detail ?? ""),
  },
  {
    name: "apple_revocation_token",
    purpose: "social",
    encoding: "base64url",
    context: (p, r) => appleTokenContext(p, r.detail ?? ""),
  },
  {
    // A first Apple sign-in held for consent (db/api/held_social_sign_ups.sql): 10 minutes, or a day until swept.
    name: "apple_held_token",
    purpose: "social",
    encoding: "base64url",
    context: (p, r) => appleTokenContext(p, r.detail ?? ""),
  },
  {
    name: "sso_client_secret",
    purpose: "social",
    encoding: "base64url",
    context: (p, r) => ssoSecretContext(p, r.detail ?? ""),
  },
  { name: "saml_sp_key", purpose: "social", encoding: "base64url", context: (p, r) => spKeyContext(p, r.id) },
  {
    name: "sso_oidc_id_token",
    purpose: "social",
    encoding: "base64url",
    context: (p, r) => idTokenContext(p, r.detail ?? ""),
  },
  {
    name: "totp_secret",
    purpose: "factors",
    encoding: "hex",
    context: (p, r) => totpContext(storedContext(p, r.id)),
  },
  {
    name: "phone_provider_credentials",
    purpose: "phone",
    encoding: "hex",
    context: (p, r) => phoneProviderContext(p, r.id as PhoneProviderId),
  },
];

/**
 * Every file in lib/ that calls `seal(`, with how many calls, and the kinds its values are kept as — or why none
 * needs re-sealing: a cookie or a form field lives minutes, and one sealed under the old key simply fails to open
 * (the person starts that sign-in again), as after any restart that changes the key.
 */
export const SEAL_CALLS: Record<string, { calls: number; kinds: string[]; shortLived?: string }> = {
  "lib/tokens/signing_keys.ts": { calls: 1, kinds: ["signing_key"] },
  "lib/webhooks/signature.ts": { calls: 1, kinds: ["webhook_secret"] },
  "lib/payments/accounts.ts": { calls: 2, kinds: ["xendit_secret_key", "xendit_callback_token"] },
  "lib/payments/sandbox_accounts.ts": { calls: 2, kinds: ["sandbox_secret_key", "sandbox_callback_token"] },
  "lib/login/social/providers.ts": { calls: 1, kinds: ["social_provider_secret"] },
  "lib/login/bot_check.ts": { calls: 1, kinds: ["bot_protection_secret"] },
  "lib/login/social/apple_revocation.ts": {
    calls: 1,
    kinds: ["apple_identity_token", "apple_revocation_token", "apple_held_token"],
  },
  "lib/login/sso/secret.ts": { calls: 1, kinds: ["sso_client_secret"] },
  "lib/login/sso/saml_sp_key.ts": { calls: 1, kinds: ["saml_sp_key"] },
  "lib/login/sso/oidc_id_token.ts": { calls: 1, kinds: ["sso_oidc_id_token"] },
  "lib/login/factors/totp.ts": {
    calls: 1,
    kinds: ["totp_secret"],
    shortLived: "also seals the secret into the enrolment form (enrolmentContext), which lives one challenge",
  },
  "lib/phone/providers/project_credentials.ts": { calls: 1, kinds: ["phone_provider_credentials"] },
  "lib/login/social/flow_cookie.ts": {
    calls: 1,
    kinds: [],
    shortLived: "the social sign-in cookie (minutes)",
  },
  "lib/login/pending_login.ts": { calls: 1, kinds: [], shortLived: "the pending sign-in cookie (minutes)" },
  "lib/login/sso/logout_cookie.ts": {
    calls: 1,
    kinds: [],
    shortLived: "the SAML and OpenID Connect logout cookies (minutes)",
  },
};
