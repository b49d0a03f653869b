import type { Handlers } from "../../../lib/router/routes.ts";
import { page, type PageProps } from "../../../lib/router/page.tsx";
import { Island } from "../../../lib/islands/Island.tsx";
import type { Checkout } from "../../../db/payments.ts";
import { findCheckout } from "../../../lib/payments/find_checkout.ts";
import { BANKS, METHOD_LABELS, methodsFor } from "../../../lib/payments/methods.ts";
import { qrDataUrl } from "../../../lib/payments/qr_svg.ts";
import CheckoutLive from "../../../islands/CheckoutLive.tsx";
import CopyButton from "../../../islands/CopyButton.tsx";
import { csrfToken } from "../../../lib/login/browser.ts";

type CheckoutData = { checkout: Checkout; qr: string | null; sandbox: boolean; csrf: string };

export const handler: Handlers<CheckoutData> = {
  async GET(c) {
    const { checkout } = await findCheckout(c.var.deps.sql, c.req.param("id")!);
    const qrString = checkout.payment?.details.qr_string;
    c.header("cache-control", "no-store");
    return page({
      checkout,
      qr: qrString ? qrDataUrl(qrString) : null,
      sandbox: checkout.xendit_account === "simulator",
      csrf: csrfToken(c),
    }, { title: `Pay for ${checkout.plan_name}` });
  },
};

const rupiah = (amount: number) => `IDR ${amount.toLocaleString("id-ID")}`;

/** The hosted checkout: method choice, the charge's details (QR, VA number, OVO, GoPay link), live status. */
export default function CheckoutPage({ data }: PageProps<CheckoutData>) {
  const { checkout, qr, sandbox, csrf } = data;
  const action = `/billing/checkout/${checkout.checkout_id}`;
  const payment = checkout.payment;
  const open = checkout.status === "open" || checkout.status === "pending";
  return (
    <section class="card checkout">
      <p class="eyebrow">Checkout{sandbox ? " · offline sandbox" : ""}</p>
      <h1>{checkout.plan_name}</h1>
      <p class="amount">
        {rupiah(checkout.amount)} {checkout.interval === "one_time" ? "once" : `per ${checkout.interval}`}
      </p>
      <Island
        of={CheckoutLive}
        props={{
          checkoutId: checkout.checkout_id,
          status: checkout.status,
          continueUrl: checkout.success_url,
        }}
      />
      {open && payment?.status === "pending" && (
        <div class="payment-details">
          {payment.method === "qris" && qr && (
            <figure>
              <img class="qr" src={qr} alt="QRIS code: scan with any Indonesian banking or e-wallet app" />
              <figcaption>Scan with any QRIS app.</figcaption>
            </figure>
          )}
          {payment.method === "bank_transfer" && (
            <p>
              Transfer to <strong>{payment.details.bank}</strong> virtual account{" "}
              <code class="va-number">{payment.details.virtual_account_number}</code>{" "}
              <Island
                of={CopyButton}
                props={{ text: payment.details.virtual_account_number, label: "Copy" }}
              />
            </p>
          )}
          {payment.method === "ovo" && (
            <p>Open the OVO app on {payment.details.mobile_number} and approve the payment.</p>
          )}
          {payment.method === "gopay" && (
            <p>
              <a class="button" href={payment.details.invoice_url}>Pay with GoPay</a>
            </p>
          )}
          {sandbox && (
            <form method="post" action={`${action}/simulate`}>
              <input type="hidden" name="csrf" value={csrf} />
              <button type="submit" class="button secondary">Simulate payment</button>
            </form>
          )}
        </div>
      )}
      {open && (
        <form method="post" action={`${action}/method`} class="methods">
          <input type="hidden" name="csrf" value={csrf} />
          <fieldset>
            <legend>{payment ? "Pay another way" : "How would you like to pay?"}</legend>
            {methodsFor(checkout.amount).map((method) => (
              <label key={method}>
                <input
                  type="radio"
                  name="method"
                  value={method}
                  required
                  checked={payment?.method === method}
                />{" "}
                {METHOD_LABELS[method]}
              </label>
            ))}
            <label>
              Bank (for bank transfer){" "}
              <select name="bank">
                {BANKS.map((bank) => <option key={bank} value={bank}>{bank}</option>)}
              </select>
            </label>
            <label>
              OVO phone number{" "}
              <input type="tel" name="mobile_number" placeholder="0812…" autocomplete="tel" />
            </label>
          </fieldset>
          <button type="submit" class="button">Continue</button>
        </form>
      )}
      {checkout.status === "expired" && checkout.failure_url && (
        <a href={checkout.failure_url}>Back to the app</a>
      )}
    </section>
  );
}
