import type { Handlers } from "@/lib/router/routes.ts";
import { AppError } from "@/lib/http/errors.ts";
import { findCheckout } from "@/lib/payments/find_checkout.ts";
import { staleCheckoutPage } from "@/lib/payments/checkout_view.tsx";
import { pickLang } from "@/lib/login/i18n.ts";
import { CsrfField, isForm, readPageBody } from "@/lib/payments/page_forms.ts";
import { z } from "zod";

const Simulate = z.object(CsrfField);

/**
 * Offline sandbox only: "simulate payment" on the checkout page. The built-in simulator pays the charge and
 * sends its callback, which then takes the same path as Xendit's (webhook → event → worker).
 */
export const handler: Handlers = {
  async POST(c) {
    const id = c.req.param("id")!;
    const read = await readPageBody(c, Simulate, () => staleCheckoutPage(c, id));
    if ("stale" in read) return read.stale;
    const { checkout } = await findCheckout(c.var.deps.sql, id);
    if (checkout.xendit_account !== "simulator" || checkout.environment !== "sandbox") {
      throw new AppError("forbidden", {
        description: "Only offline-sandbox checkouts can be paid by simulation.",
      });
    }
    if (!checkout.payment || checkout.payment.status !== "pending") {
      throw new AppError("conflict", { description: "Choose a payment method first." });
    }
    try {
      await c.var.deps.xenditSandbox.settle(checkout.payment.provider_id, "pay");
    } catch (cause) {
      throw new AppError("conflict", { description: "This charge can no longer be paid.", cause });
    }
    if (!isForm(c)) return c.json({ simulated: true });
    return c.redirect(`/billing/checkout/${checkout.checkout_id}?lang=${pickLang(c)}`, 303);
  },
};
