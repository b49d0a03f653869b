/**
 * The hosted checkout page: its data (checkoutView) and its component (CheckoutPage), shared by GET
 * /billing/checkout/:id and its forms' endpoints, which show the page again, 403, when a form comes back stale
 * (its CSRF cookie expired while the page stood open; docs/hosted-login.md, "Protection").
 */
import type { Ctx } from "@/lib/app_env.ts";
import { page, type PageProps, type PageResult, renderPage } from "@/lib/router/page.tsx";
import { Island } from "@/lib/islands/Island.tsx";
import type { Checkout } from "@/db/payments.ts";
import { findCheckout } from "@/lib/payments/find_checkout.ts";
import { BANKS, methodsFor } from "@/lib/payments/methods.ts";
import { qrDataUrl } from "@/lib/payments/qr_svg.ts";
import CheckoutLive from "@/islands/CheckoutLive.tsx";
import CopyButton from "@/islands/CopyButton.tsx";
import { useProjectBrand } from "@/lib/branding/use_brand.ts";
import { csrfToken } from "@/lib/login/browser.ts";
import { type Lang, pickLang } from "@/lib/login/i18n.ts";
import { BILLING_TEXT, intervalText, methodLabel, statusLabels } from "@/lib/payments/page_text.ts";

export type CheckoutData = {
  lang: Lang;
  checkout: Checkout;
  qr: string | null;
  sandbox: boolean;
  csrf: string;
  /** Why the last coupon was refused (the coupon form redirects back here with it). */
  couponError: "invalid" | "unavailable" | "too_many" | null;
  /** The receipt-details form's last answer (it redirects back here with it). */
  buyer: "saved" | "invalid" | "fixed" | null;
  /** A form came back stale: the page again, saying so. */
  stale: boolean;
};

/** The checkout page's data for checkout `id`; `stale`: a form came back stale (403). */
export async function checkoutView(c: Ctx, id: string, stale = false): Promise<PageResult<CheckoutData>> {
  const { projectId, checkout } = await findCheckout(c.var.deps.sql, id);
  await useProjectBrand(c, projectId);
  const qrString = checkout.payment?.details.qr_string;
  c.header("cache-control", "no-store");
  const lang = pickLang(c);
  return page({
    lang,
    checkout,
    qr: qrString ? qrDataUrl(qrString) : null,
    sandbox: checkout.xendit_account === "simulator",
    csrf: csrfToken(c),
    couponError: ((error) =>
      error === "invalid" || error === "unavailable" || error === "too_many" ? error : null)(
        c.req.query("coupon_error"),
      ),
    buyer: c.req.query("buyer") === "saved"
      ? "saved"
      : ((error) => error === "invalid" || error === "fixed" ? error : null)(c.req.query("buyer_error")),
    stale,
  }, {
    title: `${BILLING_TEXT[lang].payFor} ${checkout.plan_name}`,
    lang,
    ...(stale ? { status: 403 } : {}),
  });
}

/** The checkout page again for a stale form (403), from one of its forms' endpoints. */
export async function staleCheckoutPage(c: Ctx, id: string): Promise<Response> {
  return renderPage(c, CheckoutPage, await checkoutView(c, id, true));
}

const rupiah = (amount: number) => `IDR ${amount.toLocaleString("id-ID")}`;

/**
 * The hosted checkout: method choice, the charge's details (QR, VA number, OVO, GoPay link), live status.
 * The parts marked data-while-open are for paying; the live island hides them once the checkout is paid or
 * expired, and the server leaves them out from then on.
 */
export function CheckoutPage({ data }: PageProps<CheckoutData>) {
  const { checkout, qr, sandbox, csrf } = data;
  const text = BILLING_TEXT[data.lang];
  // The language rides along, so a form's answer (and a stale form's page) is in the page's language.
  const to = (step: string) => `/billing/checkout/${checkout.checkout_id}/${step}?lang=${data.lang}`;
  const payment = checkout.payment;
  const open = checkout.status === "open" || checkout.status === "pending";
  return (
    <section class="card checkout">
      <p class="eyebrow">{text.checkout}{sandbox ? ` · ${text.offlineSandbox}` : ""}</p>
      <h1>{checkout.plan_name}</h1>
      {data.stale && <p class="error" role="alert">{text.staleForm}</p>}
      {checkout.organization && (
        <p class="team">
          {checkout.organization.seats_from === null
            ? text.teamSeats(checkout.organization.name, checkout.organization.seats)
            : text.addedSeats(
              checkout.organization.name,
              checkout.organization.seats_from,
              checkout.organization.seats,
            )}
        </p>
      )}
      <p class="amount">
        {rupiah(checkout.amount)}{" "}
        {checkout.organization?.seats_from == null ? intervalText(text, checkout.interval) : ""}
      </p>
      {checkout.coupon_code && (
        <p class="discount">
          {text.listPrice} <s>{rupiah(checkout.amount + checkout.discount_idr)}</s> ·{" "}
          {text.couponApplied(checkout.coupon_code)}: −{rupiah(checkout.discount_idr)}
        </p>
      )}
      <Island
        of={CheckoutLive}
        props={{
          checkoutId: checkout.checkout_id,
          status: checkout.status,
          paymentStatus: payment?.status ?? null,
          continueUrl: checkout.success_url,
          labels: statusLabels(text),
          continueLabel: text.backToApp,
        }}
      />
      {open && payment?.status === "pending" && (
        <div class="payment-details" data-while-open>
          {payment.method === "qris" && qr && (
            <figure>
              <img class="qr" src={qr} alt={text.qrAlt} />
              <figcaption>{text.scanQr}</figcaption>
            </figure>
          )}
          {payment.method === "bank_transfer" && (
            <p>
              {text.transferTo} <strong>{payment.details.bank}</strong> {text.virtualAccount}{" "}
              <code class="va-number">{payment.details.virtual_account_number}</code>{" "}
              <Island
                of={CopyButton}
                props={{ text: payment.details.virtual_account_number, label: text.copy }}
              />
            </p>
          )}
          {payment.details.linked_method && (
            <p data-linked-charge>{text.linkedCharging.replace("{method}", payment.details.linked_method)}</p>
          )}
          {payment.method === "ovo" && !payment.details.linked_method && (
            <p>{text.ovoApprove.replace("{phone}", payment.details.mobile_number)}</p>
          )}
          {payment.method === "gopay" && (
            <p>
              <a class="button" href={payment.details.invoice_url}>{text.payWithGopay}</a>
            </p>
          )}
          {sandbox && (
            <form method="post" action={to("simulate")}>
              <input type="hidden" name="csrf" value={csrf} />
              <button type="submit" class="button secondary">{text.simulate}</button>
            </form>
          )}
        </div>
      )}
      {checkout.status === "open" && (
        <form method="post" action={to("coupon")} class="coupon" data-while-open>
          <input type="hidden" name="csrf" value={csrf} />
          <label>
            {text.couponCode} <input type="text" name="coupon" maxLength={64} autocomplete="off" />
          </label>{" "}
          <button type="submit" class="button secondary">{text.applyCoupon}</button>
          {data.couponError && (
            <p class="error" role="alert">
              {data.couponError === "invalid"
                ? text.couponInvalid
                : data.couponError === "too_many"
                ? text.couponTooMany
                : text.couponUnavailable}
            </p>
          )}
        </form>
      )}
      {open && (
        <form method="post" action={to("buyer")} class="buyer" data-while-open>
          <input type="hidden" name="csrf" value={csrf} />
          <fieldset>
            <legend>{text.receiptFor}</legend>
            <label>
              {text.buyerName}{" "}
              <input type="text" name="buyer_name" maxLength={200} value={checkout.buyer_name ?? ""} />
            </label>{" "}
            <label>
              {text.buyerTaxId}{" "}
              <input
                type="text"
                name="buyer_tax_id"
                maxLength={40}
                inputMode="numeric"
                value={checkout.buyer_tax_id ?? ""}
              />
            </label>{" "}
            <button type="submit" class="button secondary">{text.saveBuyer}</button>
          </fieldset>
          {data.buyer === "saved" && <p class="notice" role="status">{text.buyerSaved}</p>}
          {data.buyer === "invalid" && <p class="error" role="alert">{text.buyerInvalid}</p>}
          {data.buyer === "fixed" && <p class="error" role="alert">{text.buyerFixed}</p>}
        </form>
      )}
      {open && (
        <form method="post" action={to("method")} class="methods" data-while-open>
          <input type="hidden" name="csrf" value={csrf} />
          <fieldset>
            <legend>{payment ? text.payAnotherWay : text.howToPay}</legend>
            {methodsFor(checkout.amount).map((method) => (
              <label key={method}>
                <input
                  type="radio"
                  name="method"
                  value={method}
                  required
                  checked={payment?.method === method}
                />{" "}
                {methodLabel(text, method)}
              </label>
            ))}
            <label>
              {text.bankFor}{" "}
              <select name="bank">
                {BANKS.map((bank) => <option key={bank} value={bank}>{bank}</option>)}
              </select>
            </label>
            <label>
              {text.ovoPhone} <input type="tel" name="mobile_number" placeholder="0812…" autocomplete="tel" />
            </label>
          </fieldset>
          <button type="submit" class="button">{text.continue}</button>
        </form>
      )}
      {checkout.status === "expired" && checkout.failure_url && (
        <a href={checkout.failure_url}>{text.backToApp}</a>
      )}
    </section>
  );
}
