/**
 * settings.bot_protection as the Platform API and the dashboard show and change it (docs/hosted-login.md#bot-
 * protection): the provider, site key and protected forms, and whether a secret key is stored — never the secret,
 * nor its sealed form. A change seals a new secret (lib/login/bot_check.ts) and leaves out the one not given,
 * so Postgres keeps the stored one (api.update_project_settings merges bot_protection key by key).
 */
import { z } from "zod";
import { BOT_CHECK_FORMS, BOT_CHECK_PROVIDERS, botProtectionOf, sealBotSecret } from "./bot_check.ts";

/** What GET answers: nulls and no forms while it is off. */
export const BotProtectionView = z.object({
  provider: z.enum(BOT_CHECK_PROVIDERS).nullable().describe(
    "turnstile or hcaptcha; null: off (the default).",
  ),
  site_key: z.string().nullable().describe("The widget's site key (public: it is in the page)."),
  secret_key_set: z.boolean().describe("A secret key is stored (write-only: it is never answered)."),
  on: z.array(z.enum(BOT_CHECK_FORMS)).describe("The forms that ask for the check."),
});
export type BotProtectionView = z.infer<typeof BotProtectionView>;

/** What PUT takes: everything but the secret, which is needed only with a new provider. */
export const BotProtectionChange = z.strictObject({
  provider: z.enum(BOT_CHECK_PROVIDERS),
  site_key: z.string().trim().min(1).max(100),
  secret_key: z.string().trim().min(1).max(500).regex(/^\S+$/, "A secret key has no spaces.").optional()
    .describe("The provider's secret key; omitted: the stored one is kept (same provider only)."),
  on: z.array(z.enum(BOT_CHECK_FORMS)).min(1).max(BOT_CHECK_FORMS.length),
});
export type BotProtectionChange = z.infer<typeof BotProtectionChange>;

export function botProtectionView(settings: Record<string, unknown>): BotProtectionView {
  const stored = botProtectionOf({ settings });
  return stored
    ? { provider: stored.provider, site_key: stored.site_key, secret_key_set: true, on: stored.on }
    : { provider: null, site_key: null, secret_key_set: false, on: [] };
}

/** The settings change for `change`, its secret sealed for the project. */
export async function botProtectionSetting(
  key: CryptoKey,
  projectId: string,
  change: BotProtectionChange,
): Promise<Record<string, unknown>> {
  const { secret_key: secret, ...rest } = change;
  return secret === undefined
    ? rest
    : { ...rest, secret_key_sealed: await sealBotSecret(key, projectId, change.provider, secret) };
}
