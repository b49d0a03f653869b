/**
 * Limits on guessing coupon codes at the hosted checkout's coupon field. Only refused codes count, in two
 * buckets shared by every instance (astapa.rate_limits): the checkout's (its id is a capability: the customer
 * and whoever they shared it with) and the pair of that checkout's project and the caller's address (many
 * checkouts opened to guess from one place). A correct code from a clean checkout and address is never refused.
 */
import { asApp } from "@/db/client.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { limitAddress } from "@/lib/http/client_address.ts";

/** Refused codes allowed per checkout, and per project and address, in one window. */
export const COUPON_LIMITS = { perCheckout: 10, perAddress: 30, windowSeconds: 600 };

function buckets(c: Ctx, projectId: string, checkoutId: string) {
  return [
    { bucket: `coupon:checkout:${checkoutId}`, max: COUPON_LIMITS.perCheckout },
    { bucket: `coupon:address:${projectId}:${limitAddress(c)}`, max: COUPON_LIMITS.perAddress },
  ];
}

/** Seconds until another code may be tried on this checkout from this address (0: now). */
export async function couponWait(c: Ctx, projectId: string, checkoutId: string): Promise<number> {
  return await asApp(c.var.deps.sql, null, async (tx) => {
    let wait = 0;
    for (const { bucket, max } of buckets(c, projectId, checkoutId)) {
      const [row] = await tx`select api.rate_limit_wait(${bucket}, ${max}) as wait`;
      wait = Math.max(wait, row.wait as number);
    }
    return wait;
  });
}

/** Counts one refused code in both buckets. */
export async function countRefusedCoupon(c: Ctx, projectId: string, checkoutId: string): Promise<void> {
  await asApp(c.var.deps.sql, null, async (tx) => {
    for (const { bucket, max } of buckets(c, projectId, checkoutId)) {
      await tx`select api.rate_limit_hit(${bucket}, ${max}, ${COUPON_LIMITS.windowSeconds})`;
    }
  });
}
