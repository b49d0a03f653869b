/** The Platform API's read of one checkout: its status, amount, coupon and charge, e.g. to poll a payment. */
import type { Handlers } from "@/lib/router/routes.ts";
import { getCheckout } from "@/db/payments.ts";
import { AppError } from "@/lib/http/errors.ts";
import { checkoutResponse } from "@/lib/payments/checkout.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { checkoutParam, NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** A checkout names a user and what they pay: the project's own client only. */
export const callers = clients("project");

/** GET answers the checkout as POST /api/platform/checkout does; another project's or an unknown one is 404. */
export const handler: Handlers = {
  async GET(c) {
    const id = checkoutParam(c);
    const checkout = await asClient(c, (tx, projectId) => getCheckout(tx, projectId, id));
    if (!checkout) throw new AppError("not_found", { description: "This checkout was not found." });
    return c.json(checkoutResponse(c.var.deps.config.baseUrl, checkout), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Payments",
    summary: "One checkout: status (open, pending, paid, expired), amount, coupon, charge details",
    auth: "client",
    responses: { 200: { description: "The checkout", schema: BILLING_ANSWERS.checkout }, ...COMMON_ERRORS },
  },
};
