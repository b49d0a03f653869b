/**
 * Typed wrappers around the settings and deletion functions (db/api/projects.sql).
 */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { result } from "./result.ts";
import { type Project, ProjectSchema } from "./projects.ts";

const Limit = z.object({ default: z.number().int(), min: z.number().int(), max: z.number().int() });

export const TokenLifetimeLimitsSchema = z.object({
  access_token_ttl: Limit,
  refresh_token_ttl: Limit,
  refresh_grace_seconds: Limit,
  refresh_token_max_age: Limit,
  login_session_ttl: Limit,
});
export type TokenLifetimeLimits = z.infer<typeof TokenLifetimeLimitsSchema>;
export type TokenLifetimeKey = keyof TokenLifetimeLimits;

/** Defaults and bounds of the token lifetime settings, from the SQL that enforces them. */
export function tokenLifetimeLimits(tx: Tx): Promise<TokenLifetimeLimits> {
  return result(tx`select api.token_lifetime_limits() as result`, TokenLifetimeLimitsSchema);
}

/**
 * Sets the given settings (allowed_origins, token lifetimes, require_verified_email, social_login); null
 * removes one. Other settings are kept; social_login merges per provider.
 */
export function updateProjectSettings(
  tx: Tx,
  projectId: string,
  changes: Record<string, unknown>,
): Promise<Project> {
  return result(
    tx`select api.update_project_settings(${projectId}, ${JSON.stringify(changes)}::text::jsonb) as result`,
    ProjectSchema,
  );
}

/** Soft-deletes the project once its name is typed; see docs/project-settings.md for what that switches off. */
export function deleteProject(tx: Tx, projectId: string, confirmName: string): Promise<{ name: string }> {
  return result(
    tx`select api.delete_project(${projectId}, ${confirmName}) as result`,
    z.object({ project_id: z.string(), name: z.string(), deleted: z.literal(true) }),
  );
}

export const BillingSettingsSchema = z.object({
  linked_methods: z.object({
    enabled: z.boolean(),
    shopeepay: z.boolean(),
    gopay_recurring: z.boolean(),
    direct_debit: z.boolean(),
    cards: z.boolean(),
  }),
  billing_grace_days: z.number().int(),
  billing_renewal_notice_days: z.number().int(),
  billing_trial_reminder_days: z.number().int(),
  billing_refund_duplicates: z.boolean().describe(
    "A payment recorded as paid_again (a second payment of what was bought already) is refunded in full " +
      "without an operator (reason DUPLICATE, no plan effect).",
  ),
  xendit_public_keys: z.object({ sandbox: z.string().nullable(), production: z.string().nullable() })
    .describe(
      "The publishable keys of the project's own Xendit account (null: unset); the secret key is never answered.",
    ),
});
export type BillingSettings = z.infer<typeof BillingSettingsSchema>;

/** The project's billing settings, defaults filled in (api.billing_settings). */
export function billingSettings(tx: Tx, projectId: string): Promise<BillingSettings> {
  return result(tx`select api.billing_settings(${projectId}) as result`, BillingSettingsSchema);
}

/**
 * Changes billing settings only, through api.update_project_settings (null restores a default), and the
 * publishable keys through api.set_xendit_public_key.
 */
export function updateBillingSettings(
  tx: Tx,
  projectId: string,
  changes: Record<string, unknown>,
): Promise<BillingSettings> {
  return result(
    tx`select api.update_billing_settings(${projectId}, ${JSON.stringify(changes)}::text::jsonb) as result`,
    BillingSettingsSchema,
  );
}
