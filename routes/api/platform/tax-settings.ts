import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { setTaxSettings, taxSettings } from "@/db/receipts.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** Types only: the database checks the values (rate, fraction, NPWP) and names the field. */
const TaxChanges = z.strictObject({
  pkp: z.boolean().nullable().optional(),
  ppn_rate: z.number().nullable().optional(),
  tax_base_numerator: z.number().int().nullable().optional(),
  tax_base_denominator: z.number().int().nullable().optional(),
  seller_name: z.string().nullable().optional(),
  seller_npwp: z.string().nullable().optional(),
  seller_address: z.string().nullable().optional(),
});

export const callers = clients("project");

/** GET the project's PPN settings (defaults filled in); PATCH some of them (null restores a default). */
export const handler: Handlers = {
  async GET(c) {
    return c.json(await asClient(c, (tx, projectId) => taxSettings(tx, projectId)), 200, NO_STORE);
  },
  async PATCH(c) {
    const changes = validate(TaxChanges, await bodyWithoutCredentials(c));
    return c.json(
      await asClient(c, (tx, projectId) => setTaxSettings(tx, projectId, changes)),
      200,
      NO_STORE,
    );
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Payments",
    summary: "The project's PPN settings for receipts",
    auth: "client",
    responses: {
      200: { description: "Tax settings", schema: BILLING_ANSWERS.taxSettings },
      ...COMMON_ERRORS,
    },
  },
  patch: {
    tag: "Payments",
    summary: "Change PPN settings (PKP, rate, tax base fraction, seller details)",
    auth: "client",
    body: { schema: TaxChanges, media: ["json"] },
    responses: {
      200: { description: "Tax settings", schema: BILLING_ANSWERS.taxSettings },
      ...COMMON_ERRORS,
    },
  },
};
