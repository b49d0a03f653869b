/**
 * Checkouts: open one for a plan (the amount is the plan's price), then charge it by a method — a QRIS code,
 * a virtual account, an OVO push or a GoPay invoice — through the Xendit account the checkout was opened with.
 * Choosing the same method again returns the same charge (idempotency key per checkout, method and channel).
 */
import { asApp } from "@/db/client.ts";
import { type Checkout, checkoutToCharge, createCheckout, recordPayment } from "@/db/payments.ts";
import { getProject } from "@/db/projects.ts";
import { setCheckoutBuyer } from "@/db/receipts.ts";
import { getUser } from "@/db/users.ts";
import { AppError } from "../http/errors.ts";
import { chooseXendit, type PaymentDeps, xenditAccount } from "./accounts.ts";
import type { Bank, Method } from "./methods.ts";
import { isCredentialsRefused, logCredentialsRefused, providerError } from "./provider_errors.ts";
import { ChargeError, createCharge } from "./xendit.ts";

export type CheckoutRequest = {
  sub: string;
  plan: string;
  success_url?: string;
  failure_url?: string;
  coupon?: string;
  /** Who the receipt is made out to (name, NPWP or NIK), recorded with the checkout. */
  buyer?: { name?: string; tax_id?: string };
};
export type MethodChoice = { method: Method; bank?: Bank; mobileNumber?: string };

/** Opens a checkout with the account the project pays through now. */
export async function openCheckout(
  deps: PaymentDeps,
  projectId: string,
  request: CheckoutRequest,
): Promise<Checkout> {
  const project = await asApp(deps.sql, projectId, (tx) => getProject(tx, projectId));
  const account = await chooseXendit(deps, projectId, project.mode);
  if (!account) throw new AppError("payments_not_configured");
  const { buyer, ...opening } = request;
  return await asApp(deps.sql, projectId, async (tx) => {
    const checkout = await createCheckout(tx, projectId, { ...opening, xendit_account: account.account });
    if (buyer && (buyer.name || buyer.tax_id)) {
      await setCheckoutBuyer(tx, projectId, checkout.checkout_id, buyer);
    }
    return checkout;
  });
}

/** Creates (or finds again) the charge for `choice` and attaches it to the checkout. */
export async function chargeCheckout(
  deps: PaymentDeps,
  projectId: string,
  checkoutId: string,
  choice: MethodChoice,
): Promise<Checkout> {
  // What api.record_payment would refuse (paid or expired, its period paid, its subscription canceled) is refused
  // here, before Xendit makes a real charge that would be left to expire; record_payment has the last word.
  const { checkout, email } = await asApp(deps.sql, projectId, async (tx) => {
    const checkout = await checkoutToCharge(tx, projectId, checkoutId);
    return { checkout, email: (await getUser(tx, projectId, checkout.sub)).email };
  });
  if (choice.method === "ovo" && !choice.mobileNumber) {
    throw new AppError("validation_failed", {
      fields: { mobile_number: ["OVO needs the phone number (+628…)."] },
    });
  }
  const account = await xenditAccount(deps, projectId, checkout.environment, checkout.xendit_account);
  if (!account) throw new AppError("payments_not_configured");
  const channel = choice.bank ?? choice.mobileNumber ?? "";
  let charge;
  try {
    charge = await createCharge(account.connection, {
      method: choice.method,
      bank: choice.bank,
      mobileNumber: choice.mobileNumber,
      amount: checkout.amount,
      reference: checkout.checkout_id,
      idempotencyKey: `${checkout.checkout_id}:${choice.method}:${channel}`,
      description: `${checkout.plan_name} (${checkout.plan})`,
      // A phone-only user has no email: Xendit's payer email is optional (docs/phone.md).
      customerName: email?.split("@")[0].slice(0, 50) || "Customer",
      ...(email ? { payerEmail: email } : {}),
      expiresAt: new Date(checkout.expires_at),
      successUrl: checkout.success_url ?? `${deps.config.baseUrl}/billing/checkout/${checkout.checkout_id}`,
      failureUrl: checkout.failure_url ?? `${deps.config.baseUrl}/billing/checkout/${checkout.checkout_id}`,
      metadata: { project_id: projectId, checkout_id: checkout.checkout_id },
    });
  } catch (error) {
    // Not Xendit's failure but ours (createCharge classifies Xendit's): a 500, never "did not accept".
    if (!(error instanceof ChargeError)) throw error;
    // Our key refused, not the charge: nothing is recorded, so the checkout stays open to be charged again.
    if (isCredentialsRefused(error)) {
      logCredentialsRefused("charge", error, { project_id: projectId, checkout_id: checkout.checkout_id });
    }
    if (error.code === "limit" || error.status === 400) {
      throw new AppError("validation_failed", {
        description: error.message,
        fields: { method: [error.message] },
      });
    }
    throw providerError(error, "charge");
  }
  return await asApp(deps.sql, projectId, (tx) =>
    recordPayment(tx, projectId, checkout.checkout_id, {
      kind: charge.kind,
      provider_id: charge.providerId,
      method: choice.method,
      bank: choice.method === "bank_transfer" ? (choice.bank ?? "BCA") : undefined,
      details: charge.details,
      expires_at: charge.expiresAt,
      amount: checkout.amount,
    }));
}

/** The public shape of a checkout in API answers. */
export function checkoutResponse(baseUrl: string, checkout: Checkout) {
  return {
    checkout_id: checkout.checkout_id,
    checkout_url: `${baseUrl}/billing/checkout/${checkout.checkout_id}`,
    status: checkout.status,
    amount: checkout.amount,
    currency: checkout.currency,
    coupon_code: checkout.coupon_code,
    discount_idr: checkout.discount_idr,
    expires_at: checkout.expires_at,
    plan: checkout.plan,
    sub: checkout.sub,
    method: checkout.method,
    abandoned: checkout.abandoned,
    ...(checkout.payment
      ? {
        payment: {
          method: checkout.payment.method,
          status: checkout.payment.status,
          ...checkout.payment.details,
        },
      }
      : {}),
  };
}
