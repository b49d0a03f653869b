/** The project's billing settings over the Platform API: linked-method switches and the billing pass's days. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { billingSettings, BillingSettingsSchema, updateBillingSettings } from "@/db/project_settings.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Days = z.number().int().min(0).max(365).nullable().optional();

/** Types and bounds here; api.update_project_settings checks them again (the dashboard's setter). */
const BillingChanges = z.strictObject({
  linked_methods: z.strictObject({
    enabled: z.boolean().optional(),
    shopeepay: z.boolean().optional().describe(
      "Only once Xendit has approved your account for ShopeePay linking.",
    ),
    gopay_recurring: z.boolean().optional().describe("Only once Xendit has approved GoPay recurring."),
  }).nullable().optional().describe("Switches merge one by one; null turns every one off."),
  billing_grace_days: Days.describe("Days a renewal may stay unpaid before the default plan (default 3)."),
  billing_renewal_notice_days: Days.describe("Days before the period end the renewal pay link goes out (7)."),
  billing_trial_reminder_days: Days.describe("Days before a trial ends its reminder goes out (3)."),
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
    description: "Linked-method switches and the renewal pass's days (docs/project-settings.md); PPN is at " +
      "/api/platform/tax-settings.",
    auth: "client",
    responses: {
      200: { description: "Billing settings", schema: BillingSettingsSchema },
      ...COMMON_ERRORS,
    },
  },
  patch: {
    tag: "Payments",
    summary: "Change billing settings (linked methods, grace, renewal notice and trial reminder days)",
    description: "The same setter as the dashboard's Settings page (audited as project.settings).",
    auth: "client",
    body: { schema: BillingChanges, media: ["json"] },
    responses: {
      200: { description: "Billing settings", schema: BillingSettingsSchema },
      ...COMMON_ERRORS,
    },
  },
};
