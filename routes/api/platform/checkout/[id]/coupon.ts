/** The Platform API's coupon on an open checkout: a renewal pay link or an upgrade's checkout gets a discount. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { applyCheckoutCoupon } from "@/db/coupons.ts";
import { validate } from "@/lib/http/body.ts";
import { checkoutResponse } from "@/lib/payments/checkout.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { checkoutParam, NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

const CouponEntry = z.strictObject({ coupon: z.string().trim().min(1).max(64) });

/** A discount changes what a project charges: the project's own client only. */
export const callers = clients("project");

/**
 * POST redeems the coupon on the checkout (api.apply_checkout_coupon, as the hosted checkout's coupon field):
 * 200 with the discounted checkout. The project's own backend is trusted with its codes, so the hosted field's
 * limit on refused guesses does not apply here.
 */
export const handler: Handlers = {
  async POST(c) {
    const id = checkoutParam(c);
    const entry = validate(CouponEntry, await bodyWithoutCredentials(c));
    const checkout = await asClient(
      c,
      (tx, projectId) => applyCheckoutCoupon(tx, projectId, id, entry.coupon),
    );
    return c.json(checkoutResponse(c.var.deps.config.baseUrl, checkout), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Coupons",
    summary: "Apply a coupon to an open checkout (before a method is chosen)",
    description:
      "For a checkout the API did not open with `coupon`: a renewal or trial pay link, or an upgrade's " +
      "prorated checkout. 400 names the code's problem (unknown, expired, not for this plan); 409 when it is " +
      "used up, already redeemed by the user, or the checkout has a charge or is closed.",
    auth: "client",
    body: { schema: CouponEntry, media: ["json"] },
    responses: {
      200: { description: "The checkout, discounted", schema: BILLING_ANSWERS.checkout },
      ...COMMON_ERRORS,
      409: { description: "conflict", schema: ErrorResponse },
    },
  },
};
