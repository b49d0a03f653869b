/**
 * Linking and unlinking a reusable method (e-wallet, direct debit, card) for automatic renewal from the customer
 * portal (docs/billing.md "Linked methods"). Plain forms with the portal's CSRF token, same-origin checked,
 * acting on the session's own user only. Linking sends the customer to Xendit's approval page (the e-wallet's,
 * the bank's, or the card's 3-D Secure), which returns to the portal — or, for BRI, back to the portal to enter
 * the OTP the bank sent; a refused link (a wrong number, one already linked, a channel not enabled) or code comes
 * back with a worded notice. A card is tokenised in the browser by Xendit.js (islands/CardLinkForm.tsx): this
 * route receives only the payment method's id, and refuses any card number or security code field (400).
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { CLIENT_ID, sameOrigin, signedIn, signInFirst } from "@/lib/payments/billing_session.ts";
import { CsrfField, readPageBody } from "@/lib/payments/page_forms.ts";
import { confirmMethodOtp, linkMethod, unlinkUserMethod } from "@/lib/payments/linked_methods.ts";
import { LINK_CHANNELS } from "@/db/linked_methods.ts";
import { CARD_METHOD_ID } from "@/lib/payments/card_link.ts";
import { staleAccountPage } from "../account.tsx";

/** Names a card number, expiry or security code could come under: refused outright, whatever the channel. */
const CARD_DATA_FIELDS = [
  "card_number",
  "cvv",
  "cvn",
  "card_cvn",
  "expiry_month",
  "expiry_year",
  "cardholder_name",
];
const CARD_DATA_REFUSED =
  "Astapa never takes card details: the card form sends them to Xendit from your browser.";
import type { PortalNotice } from "@/lib/payments/portal_text.ts";

/** 0812…, 62812… or +62812… (spaces and dashes allowed) as +62812…; anything else is left for SQL to refuse. */
const Mobile = z.string().max(30).transform((raw) => {
  const digits = raw.replace(/[\s-]/g, "");
  return digits.startsWith("0") ? `+62${digits.slice(1)}` : digits.startsWith("62") ? `+${digits}` : digits;
});
const Common = {
  ...CsrfField,
  client_id: z.string().regex(CLIENT_ID, "A client_id (cid_…)."),
  lang: z.enum(["en", "id"]).optional(),
};
const Digits = (min: number, max: number) =>
  z.string().transform((raw) => raw.replace(/[\s-]/g, "")).pipe(
    z.string().regex(new RegExp(`^\\d{${min},${max}}$`), `${min === max ? min : `${min}–${max}`} digits.`),
  );
const Action = z.discriminatedUnion("action", [
  z.object({
    ...Common,
    action: z.literal("link"),
    channel: z.enum(LINK_CHANNELS),
    mobile_number: z.union([z.literal("").transform(() => undefined), Mobile]).optional(),
    // Direct debit from a BRI debit card: what BRI asks to find the card (never its full number).
    card_last_four: Digits(4, 4).optional(),
    card_expiry: z.string().regex(/^(0[1-9]|1[0-2])\/\d{2}$/, "MM/YY.").optional(),
    email: z.string().email().max(255).optional(),
    // A card on file: only the id of the payment method Xendit.js made in the browser (lib/payments/card_link.ts).
    payment_method_id: z.string().regex(CARD_METHOD_ID, "A Xendit payment method id (pm-…).").optional(),
    // Card data is refused, never read further: Astapa must not receive it (PCI DSS; docs/billing.md).
    ...Object.fromEntries(
      CARD_DATA_FIELDS.map((name) => [name, z.undefined({ error: CARD_DATA_REFUSED }).optional()]),
    ),
  }),
  z.object({ ...Common, action: z.literal("unlink"), method_id: z.string().max(64) }),
  z.object({ ...Common, action: z.literal("otp"), method_id: z.string().max(64), otp: Digits(6, 6) }),
]);
type LinkForm = Extract<z.infer<typeof Action>, { action: "link" }>;

/** The card or debit card details a channel needs, from the form (undefined when not given). */
function linkDetails(form: LinkForm) {
  const cardPaymentMethodId = form.channel === "CARD" ? form.payment_method_id : undefined;
  const debitCard = form.channel === "BRI" && form.card_last_four && form.card_expiry && form.email
    ? { lastFour: form.card_last_four, expiry: form.card_expiry, email: form.email }
    : undefined;
  return { cardPaymentMethodId, debitCard };
}

export const handler: Handlers = {
  async POST(c) {
    sameOrigin(c);
    const read = await readPageBody(c, Action, (body) => staleAccountPage(c, body.client_id, body.lang));
    if ("stale" in read) return read.stale;
    const form = read.body;
    const who = await signedIn(c, form.client_id);
    if (!who.userId) return signInFirst(c, form.client_id, "account");
    const portal = (notice: PortalNotice) =>
      `${c.var.deps.config.baseUrl}/billing/account?${new URLSearchParams({
        client_id: form.client_id,
        notice,
        ...(form.lang ? { lang: form.lang } : {}),
      })}`;
    try {
      if (form.action === "unlink") {
        // The person unlinking their own method is the actor the audit names.
        await unlinkUserMethod(c.var.deps, who.projectId, who.userId, form.method_id, {
          actor: `user:${who.userId}`,
        });
        return c.redirect(portal("unlinked"), 303);
      }
      if (form.action === "otp") {
        try {
          await confirmMethodOtp(c.var.deps, who.projectId, who.userId, form.method_id, form.otp);
        } catch (error) {
          if (toAppError(error).code === "conflict") return c.redirect(portal("otp_wrong"), 303);
          throw error;
        }
        return c.redirect(portal("linked"), 303);
      }
      const { next } = await linkMethod(c.var.deps, who.projectId, who.userId, {
        channel: form.channel,
        mobileNumber: form.mobile_number,
        successUrl: portal("linked"),
        failureUrl: portal("link_failed"),
        ...linkDetails(form),
      });
      return c.redirect(next.kind === "otp" ? portal("otp_sent") : next.url, 303);
    } catch (error) {
      const code = toAppError(error).code;
      if (code === "conflict" || code === "validation_failed") return c.redirect(portal("link_refused"), 303);
      throw error;
    }
  },
};
