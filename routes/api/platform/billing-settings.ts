/**
 * The project's billing settings over the Platform API: linked-method switches, the billing pass's days, the
 * automatic refund of double payments and the publishable keys the portal's card form gives Xendit.js (never the
 * secret key, which stays dashboard-only).
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { billingSettings, BillingSettingsSchema, updateBillingSettings } from "@/db/project_settings.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

const Days = z.number().int().min(0).max(365).nullable().optional();
const PublicKey = z.string().max(300).nullable().optional();

/** Types and bounds here; api.update_project_settings checks them again (the dashboard's setter). */
const BillingChanges = z.strictObject({
  linked_methods: z.strictObject({
    enabled: z.boolean().optional(),
    shopeepay: z.boolean().optional().describe(
      "Only once Xendit has approved your account for ShopeePay linking.",
    ),
    gopay_recurring: z.boolean().optional().describe("Only once Xendit has approved GoPay recurring."),
    direct_debit: z.boolean().optional().describe(
      "BRI and Mandiri direct debit, once Xendit has activated them.",
    ),
    cards: z.boolean().optional().describe(
      "Cards on file, once Xendit has activated them; needs a public key.",
    ),
  }).nullable().optional().describe("Switches merge one by one; null turns every one off."),
  billing_grace_days: Days.describe("Days a renewal may stay unpaid before the default plan (default 3)."),
  billing_renewal_notice_days: Days.describe("Days before the period end the renewal pay link goes out (7)."),
  billing_trial_reminder_days: Days.describe("Days before a trial ends its reminder goes out (3)."),
  billing_refund_duplicates: z.boolean().nullable().optional().describe(
    "Refund a paid_again payment (a second payment of what was bought already) in full without an operator: " +
      "reason DUPLICATE, no plan effect (default false).",
  ),
  // Strings only: the prefix and the environment are checked by the SQL setter, which names the field.
  xendit_public_keys: z.strictObject({
    sandbox: PublicKey.describe("xnd_public_development_…"),
    production: PublicKey.describe("xnd_public_production_…"),
  }).optional().describe(
    "The publishable keys of the project's own Xendit account, per environment (null removes one); its " +
      "secret key must be stored first (dashboard).",
  ),
});

/** Settings change how the project bills: the project's own client only. */
export const callers = clients("project");

/** GET the billing settings (defaults filled in); PATCH some of them (null restores a default). */
export const handler: Handlers = {
  async GET(c) {
    return c.json(await asClient(c, (tx, projectId) => billingSettings(tx, projectId)), 200, NO_STORE);
  },
  async PATCH(c) {
    const changes = validate(BillingChanges, await bodyWithoutCredentials(c));
    return c.json(
      await asClient(c, (tx, projectId) => updateBillingSettings(tx, projectId, changes)),
      200,
      NO_STORE,
    );
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Payments",
    summary: "The project's billing settings",
    description: "Linked-method switches, the renewal pass's days, the automatic refund of double payments " +
      "(billing_refund_duplicates) and the publishable Xendit keys of the " +
      "project's own account (docs/project-settings.md); PPN is at /api/platform/tax-settings.",
    auth: "client",
    responses: {
      200: { description: "Billing settings", schema: BillingSettingsSchema },
      ...COMMON_ERRORS,
    },
  },
  patch: {
    tag: "Payments",
    summary: "Change billing settings (linked methods, days, double-payment refunds, Xendit public keys)",
    description: "The same setters as the dashboard's Settings page: project.settings for the switches and " +
      "days, xendit_keys.set for a changed public key (400 naming xendit_public_keys.<environment> for a " +
      "key that is not a public key or is the other environment's; 409 before the environment's secret key " +
      "is set on the dashboard).",
    auth: "client",
    body: { schema: BillingChanges, media: ["json"] },
    responses: {
      200: { description: "Billing settings", schema: BillingSettingsSchema },
      ...COMMON_ERRORS,
      409: {
        description: "conflict: a public key for an environment without its secret key",
        schema: ErrorResponse,
      },
    },
  },
};
