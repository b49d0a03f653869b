/**
 * Every kind of settings.mail_texts composed as its code composes it, with sample values (a made-up code, link,
 * passkey and organization) instead of a person's: what the dashboard's preview shows and its "send me a test"
 * mails, and what the tests walk to prove each kind uses the project's own words. The project's brand is added
 * as the sender adds it (lib/branding/mail.ts).
 */
import type { Lang } from "@/lib/login/i18n.ts";
import { resetMail, verificationMail } from "@/lib/login/mail.ts";
import { emailCodeMail } from "@/lib/login/email_code_mail.ts";
import { passkeySignUpMail } from "@/lib/login/passkey_sign_up_mail.ts";
import { claimedMail, Removed } from "@/lib/login/claimed_mail.ts";
import { factorsRemovedMail, ownFactorMail, recoveryCodeUsedMail } from "@/lib/login/factors/mail.ts";
import { passkeyRemovedByAdminMail, passkeyRemovedMail } from "@/lib/login/passkeys/mail.ts";
import { invitationMail } from "@/lib/organizations/invitation_mail.ts";
import { waitlistApprovalMail } from "@/lib/waitlist/approval_mail.ts";
import {
  accountDeletedMail,
  emailChangedMail,
  emailChangeMail,
  identityUnlinkedMail,
  passwordChangedMail,
} from "@/lib/account/mail.ts";
import type { Project } from "@/db/projects.ts";
import type { Receipt } from "@/db/receipts.ts";
import { renewalMail, trialReminderMail } from "@/lib/payments/renewal_mail.ts";
import { organizationRenewalMail } from "@/lib/payments/organization_renewal_mail.ts";
import { receiptMail } from "@/lib/payments/receipt_mail.ts";
import { brandOf } from "@/lib/branding/brand.ts";
import { brandMail } from "@/lib/branding/mail.ts";
import type { MailTextKind } from "./own_texts.ts";

/** A mail as it would go: subject, text part, and HTML part where the kind has one. */
export type PreviewMail = { subject: string; text: string; html: string | null };

export const SAMPLE = {
  code: "123456",
  passkey: "Laptop",
  organization: "Tim Contoh",
  days: 7,
  remaining: 9,
  plan: "Pro",
  amount: 111_000,
  periodStart: "2027-01-01T00:00:00Z",
  seats: 5,
};

/** A paid receipt with PPN, as a PKP seller issues it (sample values). */
const sampleReceipt = (p: PreviewProject): Receipt => ({
  receipt_id: "rcp_sample",
  number: "2027/000123",
  year: 2027,
  sequence: 123,
  issued_at: SAMPLE.periodStart,
  seller: { project_name: p.name, name: p.name, npwp: null, address: null },
  sub: "1",
  buyer: { email: "person@example.com", name: null, tax_id: null },
  checkout_id: "chk_sample",
  provider_id: "sample",
  plan: "pro",
  plan_name: SAMPLE.plan,
  period_start: SAMPLE.periodStart,
  period_end: null,
  method: "QRIS",
  bank: null,
  discount_idr: null,
  coupon_code: null,
  amount: SAMPLE.amount,
  currency: "IDR",
  pkp: true,
  ppn_rate: 12,
  tax_base_numerator: 11,
  tax_base_denominator: 12,
  price_before_tax_idr: 100_000,
  tax_base_idr: 91_667,
  ppn_idr: 11_000,
  environment: "sandbox",
  organization: null,
  refunded_idr: 0,
});

/** A pay-link notice with sample values. */
const sampleNotice = (base: string) => ({
  to: "person@example.com",
  planName: SAMPLE.plan,
  amount: SAMPLE.amount,
  periodStart: SAMPLE.periodStart,
  payUrl: `${base}/billing/checkout/sample`,
});

/** What a preview needs of the project: its id, name, settings and (for the waitlist link) its client. */
export type PreviewProject = Pick<
  Project,
  "project_id" | "name" | "settings" | "client_id" | "redirect_uris"
>;

const asPreview = (
  m: { subject: string; text?: string; body?: string; html?: string | null },
): PreviewMail => ({
  subject: m.subject,
  text: m.text ?? m.body ?? "",
  html: m.html ?? null,
});

const own = (p: PreviewProject) => ({ appName: p.name, settings: p.settings });

const COMPOSE: Record<MailTextKind, (lang: Lang, p: PreviewProject, base: string) => PreviewMail> = {
  verify_email: (lang, p, base) => asPreview(verificationMail(lang, p, `${base}/auth/verify?token=sample`)),
  reset_password: (lang, p, base) => asPreview(resetMail(lang, p, `${base}/auth/reset?token=sample`)),
  email_code: (lang, p, base) =>
    asPreview(emailCodeMail(lang, p.name, SAMPLE.code, `${base}/auth/link?token=sample`, p.settings)),
  passkey_sign_up: (lang, p) => asPreview(passkeySignUpMail(lang, p.name, SAMPLE.code, p.settings)),
  account_claimed: (lang, p) =>
    asPreview(
      claimedMail(lang, p.name, Removed.parse({ password: 1, sessions: 1 }), "email_code", p.settings),
    ),
  recovery_code_used: (lang, p) =>
    asPreview(recoveryCodeUsedMail(lang, p.name, SAMPLE.remaining, p.settings)),
  mfa_removed: (lang, p) => asPreview(factorsRemovedMail(lang, p.name, p.settings)),
  recovery_codes_regenerated: (lang, p) => asPreview(ownFactorMail(lang, p.name, "regenerate", p.settings)),
  own_mfa_removed: (lang, p) => asPreview(ownFactorMail(lang, p.name, "remove", p.settings)),
  passkey_removed: (lang, p) => asPreview(passkeyRemovedMail(lang, p.name, SAMPLE.passkey, p.settings)),
  // Sent in English, then Indonesian (the dashboard does not know the person's language): both, either way.
  passkey_removed_by_admin: (_lang, p) =>
    asPreview(passkeyRemovedByAdminMail(p.name, SAMPLE.passkey, p.settings)),
  organization_invitation: (lang, p) =>
    asPreview(invitationMail(
      lang,
      "person@example.com",
      { organization: SAMPLE.organization, app: p.name, settings: p.settings },
      "https://app.example/accept?invitation=sample",
      SAMPLE.days * 86400,
    )),
  waitlist_approved: (lang, p, base) => {
    // A project without a redirect URI sends no approval mail; the preview links to an example one instead.
    const project = {
      ...p,
      redirect_uris: p.redirect_uris.length ? p.redirect_uris : ["https://app.example/cb"],
    };
    const mail = waitlistApprovalMail(base, project as Project, { email: "person@example.com", lang });
    return asPreview(mail!);
  },
  email_change: (lang, p, base) =>
    asPreview(emailChangeMail(lang, p.name, `${base}/account/email?token=sample`, p.settings)),
  email_changed: (lang, p) => asPreview(emailChangedMail(lang, p.name, p.settings)),
  password_changed: (lang, p) => asPreview(passwordChangedMail(lang, p.name, p.settings)),
  identity_unlinked: (lang, p) => asPreview(identityUnlinkedMail(lang, p.name, "google", p.settings)),
  account_deleted: (lang, p) => asPreview(accountDeletedMail(lang, p.name, p.settings)),
  // Billing mails carry both languages whichever is asked.
  renewal_due: (_lang, p, base) => asPreview(renewalMail(sampleNotice(base), own(p))),
  trial_ending: (_lang, p, base) => asPreview(trialReminderMail(sampleNotice(base), own(p))),
  organization_renewal_due: (_lang, p, base) =>
    asPreview(organizationRenewalMail(
      { ...sampleNotice(base), organizationName: SAMPLE.organization, seats: SAMPLE.seats },
      own(p),
    )),
  receipt: (_lang, p, base) => asPreview(receiptMail(sampleReceipt(p), base, own(p))!),
};

/** The mail of `kind` in `lang` as the project would send it now, sample values filled in, unbranded. */
export function composedPreview(
  kind: MailTextKind,
  lang: Lang,
  project: PreviewProject,
  base: string,
): PreviewMail {
  return COMPOSE[kind](lang, project, base);
}

/** The same with the project's brand added, as the sender delivers it (header, footer, button colour). */
export function previewMail(
  kind: MailTextKind,
  lang: Lang,
  project: PreviewProject,
  base: string,
): PreviewMail {
  const mail = composedPreview(kind, lang, project, base);
  const brand = brandOf({ id: project.project_id, name: project.name, settings: project.settings });
  const branded = brandMail({ body_text: mail.text, body_html: mail.html, locale: lang }, brand, base);
  return { subject: mail.subject, text: branded.text, html: branded.html };
}
