/**
 * The hosted checkout's "receipt made out to" fields: the buyer's name and NPWP (or NIK) for the receipt, until
 * it is issued (api.set_checkout_buyer). Form or JSON, like the coupon field; forms come back to the page with
 * ?buyer=saved, or ?buyer_error=invalid|fixed worded in the person's language.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { asApp } from "@/db/client.ts";
import { setCheckoutBuyer } from "@/db/receipts.ts";
import { AppError, toAppError } from "@/lib/http/errors.ts";
import { CsrfField, isForm, readPageBody } from "@/lib/payments/page_forms.ts";
import { findCheckout } from "@/lib/payments/find_checkout.ts";
import { staleCheckoutPage } from "@/lib/payments/checkout_view.tsx";
import { pickLang } from "@/lib/login/i18n.ts";

const BuyerEntry = z.object({
  ...CsrfField,
  buyer_name: z.string().trim().max(200).optional(),
  buyer_tax_id: z.string().trim().max(40).optional(),
});

export const handler: Handlers = {
  async POST(c) {
    const form = isForm(c);
    const id = c.req.param("id")!;
    const back = (query: string) => c.redirect(`/billing/checkout/${id}?${query}&lang=${pickLang(c)}`, 303);
    let entry;
    try {
      const read = await readPageBody(c, BuyerEntry, () => staleCheckoutPage(c, id));
      if ("stale" in read) return read.stale;
      entry = read.body;
    } catch (error) {
      if (form && error instanceof AppError && error.code === "validation_failed") {
        return back("buyer_error=invalid");
      }
      throw error;
    }
    const { projectId } = await findCheckout(c.var.deps.sql, id);
    try {
      const buyer = await asApp(c.var.deps.sql, projectId, (tx) =>
        setCheckoutBuyer(tx, projectId, id, {
          name: entry.buyer_name || undefined,
          tax_id: entry.buyer_tax_id || undefined,
        }));
      return form ? back("buyer=saved") : c.json(buyer, 200, { "cache-control": "no-store" });
    } catch (error) {
      if (!form) throw error;
      const mapped = toAppError(error);
      if (mapped.code === "validation_failed") return back("buyer_error=invalid");
      if (mapped.code === "conflict") return back("buyer_error=fixed");
      throw mapped;
    }
  },
};
