import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { CsrfField, isForm, readPageBody } from "@/lib/payments/page_forms.ts";
import { chargeCheckout, checkoutResponse } from "@/lib/payments/checkout.ts";
import { findCheckout } from "@/lib/payments/find_checkout.ts";
import { BANKS, METHODS } from "@/lib/payments/methods.ts";

const Choice = z.object({
  ...CsrfField,
  method: z.enum(METHODS),
  bank: z.enum(BANKS).optional(),
  mobile_number: z.preprocess(
    (v) => (typeof v === "string" && v.startsWith("08") ? `+62${v.slice(1)}` : v === "" ? undefined : v),
    z.string().regex(/^\+628\d{7,12}$/, "An Indonesian mobile number, e.g. 0812… or +62812…").optional(),
  ),
});

/**
 * The checkout page's method choice: creates (or finds again) the charge; forms (with the page's CSRF token)
 * are redirected back, JSON gets the checkout.
 */
export const handler: Handlers = {
  async POST(c) {
    const choice = await readPageBody(c, Choice);
    const { projectId } = await findCheckout(c.var.deps.sql, c.req.param("id")!);
    const checkout = await chargeCheckout(c.var.deps, projectId, c.req.param("id")!, {
      method: choice.method,
      bank: choice.bank,
      mobileNumber: choice.mobile_number,
    });
    if (isForm(c)) {
      return c.redirect(`/billing/checkout/${checkout.checkout_id}`, 303);
    }
    return c.json(checkoutResponse(c.var.deps.config.baseUrl, checkout), 200, {
      "cache-control": "no-store",
    });
  },
};
