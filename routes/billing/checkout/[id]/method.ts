import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { CsrfField, isForm, readPageBody } from "@/lib/payments/page_forms.ts";
import { chargeCheckout, checkoutResponse } from "@/lib/payments/checkout.ts";
import { findCheckout } from "@/lib/payments/find_checkout.ts";
import { staleCheckoutPage } from "@/lib/payments/checkout_view.tsx";
import { pickLang } from "@/lib/login/i18n.ts";
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
    const id = c.req.param("id")!;
    const read = await readPageBody(c, Choice, () => staleCheckoutPage(c, id));
    if ("stale" in read) return read.stale;
    const choice = read.body;
    const { projectId } = await findCheckout(c.var.deps.sql, id);
    const checkout = await chargeCheckout(c.var.deps, projectId, id, {
      method: choice.method,
      bank: choice.bank,
      mobileNumber: choice.mobile_number,
    });
    if (isForm(c)) {
      return c.redirect(`/billing/checkout/${checkout.checkout_id}?lang=${pickLang(c)}`, 303);
    }
    return c.json(checkoutResponse(c.var.deps.config.baseUrl, checkout), 200, {
      "cache-control": "no-store",
    });
  },
};
