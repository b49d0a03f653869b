/** The hosted checkout's coupon field: applies a coupon to the open checkout (form or JSON). */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { asApp } from "@/db/client.ts";
import { applyCheckoutCoupon } from "@/db/coupons.ts";
import { AppError, toAppError } from "@/lib/http/errors.ts";
import { CsrfField, isForm, readPageBody } from "@/lib/payments/page_forms.ts";
import { checkoutResponse } from "@/lib/payments/checkout.ts";
import { findCheckout } from "@/lib/payments/find_checkout.ts";
import { staleCheckoutPage } from "@/lib/payments/checkout_view.tsx";
import { pickLang } from "@/lib/login/i18n.ts";
import { countRefusedCoupon, couponWait } from "@/lib/payments/coupon_attempts.ts";

const CouponEntry = z.object({ ...CsrfField, coupon: z.string().trim().min(1).max(64) });

/**
 * Forms are redirected back to the page (a refused coupon as ?coupon_error=invalid|unavailable, too many refused
 * ones as too_many, which the page words in the person's language); JSON gets the discounted checkout, or the
 * error as JSON (429 with Retry-After when too many codes were refused: lib/payments/coupon_attempts.ts).
 */
export const handler: Handlers = {
  async POST(c) {
    const form = isForm(c);
    const id = c.req.param("id")!;
    const back = (query = "") =>
      c.redirect(`/billing/checkout/${id}${query || "?"}${query ? "&" : ""}lang=${pickLang(c)}`, 303);
    let entry;
    try {
      const read = await readPageBody(c, CouponEntry, () => staleCheckoutPage(c, id));
      if ("stale" in read) return read.stale;
      entry = read.body;
    } catch (error) {
      if (form && error instanceof AppError && error.code === "validation_failed") {
        return back("?coupon_error=invalid");
      }
      throw error;
    }
    const { projectId } = await findCheckout(c.var.deps.sql, id);
    const wait = await couponWait(c, projectId, id);
    if (wait > 0) {
      if (form) return back("?coupon_error=too_many");
      throw new AppError("rate_limited", {
        description: "Too many coupon codes were refused here. Try again later.",
        headers: { "retry-after": String(wait) },
      });
    }
    try {
      const checkout = await asApp(
        c.var.deps.sql,
        projectId,
        (tx) => applyCheckoutCoupon(tx, projectId, id, entry.coupon),
      );
      if (form) return back();
      return c.json(checkoutResponse(c.var.deps.config.baseUrl, checkout), 200, {
        "cache-control": "no-store",
      });
    } catch (error) {
      const mapped = toAppError(error);
      if (mapped.code === "validation_failed" || mapped.code === "conflict") {
        await countRefusedCoupon(c, projectId, id);
      }
      if (!form) throw error;
      if (mapped.code === "validation_failed") return back("?coupon_error=invalid");
      if (mapped.code === "conflict") return back("?coupon_error=unavailable");
      throw mapped;
    }
  },
};
