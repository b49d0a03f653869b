/**
 * What the person lock order's race tests (tests/sql/*lock_order_race_test.ts, charged_meanwhile_race_test.ts)
 * set up the same way: a checkout of the shop's user, charged; a callback's success stored, not yet applied; a
 * first payment refunded to its period end with the next period's renewal ahead; a live refresh token.
 */
import { asApp, type Sql } from "@/db/client.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { currentSubscription } from "@/db/plans.ts";
import { requestRefund } from "@/db/refunds.ts";
import { sha256 } from "@/lib/secrets.ts";
import type { Shop } from "./payments.ts";
import { pendingCharge } from "./pending_charge.ts";

/** A promise's outcome, never a rejection: a race test looks at both sides after both ended. */
export const settle = <T>(work: Promise<T>) => Promise.allSettled([work]).then(([done]) => done);

/** An open checkout of pro for the shop's user (a renewal's when periodStart). */
export const openCheckout = (sql: Sql, shop: Shop, periodStart?: string) =>
  asApp(sql, shop.project.id, (tx) =>
    createCheckout(tx, shop.project.id, {
      sub: shop.userId,
      plan: "pro",
      xendit_account: "simulator",
      ...(periodStart ? { period_start: periodStart } : {}),
    }));

/** A QRIS charge recorded on the checkout (open → pending). */
export const charge = (sql: Sql, shop: Shop, checkoutId: string, providerId: string) =>
  asApp(sql, shop.project.id, (tx) =>
    recordPayment(tx, shop.project.id, checkoutId, {
      kind: "payment_request",
      provider_id: providerId,
      method: "qris",
      details: {},
      expires_at: null,
    }));

/** The charge's success callback stored in the ledger, for applyPaymentEvent to apply. */
export const storeSuccess = (sql: Sql, shop: Shop, providerId: string, checkoutId: string) =>
  asApp(sql, shop.project.id, (tx) =>
    recordPaymentEvent(tx, shop.project.id, {
      providerId,
      status: "SUCCEEDED",
      checkoutId,
      body: { event: "payment.succeeded", data: { amount: 99_000, currency: "IDR", status: "SUCCEEDED" } },
    }));

/**
 * A first payment of pro, paid and receipted, its refund requested (kept to the period end, unless `planEffect`
 * says end_now); answers the refunded checkout and the period's end (a renewal's start). Its success callback is
 * storeRefundSuccess's, with `refundProviderId`.
 */
export async function refundToPeriodEnd(
  sql: Sql,
  shop: Shop,
  firstProviderId: string,
  refundProviderId: string,
  planEffect: "keep_to_period_end" | "end_now" = "keep_to_period_end",
) {
  const p = shop.project.id;
  const first = await pendingCharge(sql, p, shop.userId, firstProviderId);
  await storeSuccess(sql, shop, firstProviderId, first.checkout_id);
  const paid = await asApp(sql, p, (tx) => applyPaymentEvent(tx, p));
  if (paid?.outcome !== "paid") throw new Error(`the first payment was not paid: ${JSON.stringify(paid)}`);
  const [receipt] = await sql`select r.public_id from astapa.receipts r join astapa.payments y
                              on y.project_id = r.project_id and y.id = r.payment_id
                              where y.provider_id = ${firstProviderId}`;
  const refund = await asApp(
    sql,
    p,
    (tx) => requestRefund(tx, p, { receipt: receipt.public_id, plan_effect: planEffect }),
  );
  const paidThrough = (await asApp(sql, p, (tx) => currentSubscription(tx, p, shop.userId))).subscription!
    .paid_through!;
  return { refunded: first.checkout_id, refund, paidThrough, refundProviderId };
}

/** The refund's success callback stored (after whatever the test stores first), not applied. */
export const storeRefundSuccess = (
  sql: Sql,
  shop: Shop,
  { refunded, refund, refundProviderId }: Awaited<ReturnType<typeof refundToPeriodEnd>>,
) =>
  asApp(sql, shop.project.id, (tx) =>
    recordPaymentEvent(tx, shop.project.id, {
      providerId: refundProviderId,
      status: "SUCCEEDED",
      checkoutId: refunded,
      body: {
        event: "refund.succeeded",
        data: { id: refundProviderId, reference_id: refund.refund_id, amount: 99_000, currency: "IDR" },
      },
    }));

/**
 * A live refresh token of the shop's user, its hash: api.delete_project locks the rows of the users with one, an
 * erasure revokes it (a row a test can hold to pause either there).
 */
export async function liveRefreshToken(sql: Sql, shop: Shop, label: string): Promise<Uint8Array> {
  const tokenHash = await sha256(label);
  await sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope,
      expires_at, auth_time)
    values (${shop.project.id}, ${tokenHash}, gen_random_uuid(), ${shop.userId},
      ${shop.project.clientId}, 'openid', now() + interval '1 day', now())`;
  return tokenHash;
}
