import { z } from "zod";
import { UserIdSchema } from "@/lib/http/user_id.ts";
import type { Handlers } from "@/lib/router/routes.ts";
import { readOAuthParams } from "@/lib/oauth/params.ts";
import { validate } from "@/lib/http/body.ts";
import { chargeCheckout, checkoutResponse, openCheckout } from "@/lib/payments/checkout.ts";
import { BANKS, METHODS } from "@/lib/payments/methods.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, PROVIDER_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { clientOf } from "@/lib/platform/caller.ts";
import { clients } from "@/lib/router/callers.ts";

/** Opening a checkout puts a user on a paid plan: the project's own client only. */
export const callers = clients("project");

const CheckoutParams = z.object({
  user: UserIdSchema,
  plan: z.string().regex(/^[a-z0-9_-]{1,64}$/),
  method: z.enum(METHODS).optional(),
  bank: z.enum(BANKS).optional(),
  mobile_number: z.string().regex(/^\+628\d{7,12}$/, "An Indonesian number in E.164 format (+628…).")
    .optional(),
  success_url: z.url().max(2000).optional(),
  failure_url: z.url().max(2000).optional(),
  coupon: z.string().min(1).max(64).optional().describe("A coupon code to redeem on this checkout."),
  buyer_name: z.string().trim().min(1).max(200).optional(),
  buyer_tax_id: z.string().regex(/^[0-9 .-]{15,24}$/, "An NPWP (15 or 16 digits) or a NIK (16 digits).")
    .optional(),
});

/**
 * Opens a checkout for one of the project's users (client credentials, as at the token endpoint). With a
 * method, the charge is created at once and its details (qr_string, virtual_account_number, invoice_url…)
 * come back under `payment`; without, the user picks one on checkout_url.
 */
export const handler: Handlers = {
  async POST(c) {
    const params = await readOAuthParams(c);
    const client = clientOf(c);
    const { client_id: _id, client_secret: _secret, ...rest } = params;
    const input = validate(CheckoutParams, rest);
    const deps = c.var.deps;
    let checkout = await openCheckout(deps, client.projectId, {
      sub: input.user,
      plan: input.plan,
      success_url: input.success_url,
      failure_url: input.failure_url,
      coupon: input.coupon,
      buyer: { name: input.buyer_name, tax_id: input.buyer_tax_id },
    });
    if (input.method) {
      checkout = await chargeCheckout(deps, client.projectId, checkout.checkout_id, {
        method: input.method,
        bank: input.bank,
        mobileNumber: input.mobile_number,
      });
    }
    return c.json(checkoutResponse(deps.config.baseUrl, checkout), 201, { "cache-control": "no-store" });
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Payments",
    summary: "Open a checkout for a user and plan",
    description:
      "With `method`, the charge is created at once; otherwise the user picks one at checkout_url.",
    auth: "client",
    body: { schema: CheckoutParams, media: ["json", "form"] },
    responses: {
      201: { description: "The checkout", schema: BILLING_ANSWERS.checkout },
      ...COMMON_ERRORS,
      ...PROVIDER_ERRORS,
    },
  },
};
