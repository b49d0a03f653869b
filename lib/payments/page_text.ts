/**
 * The hosted plan picker and checkout pages in English and Bahasa Indonesia (the language is chosen like the
 * sign-in pages': ?lang=, then Accept-Language; lib/login/i18n.ts).
 */
import type { Lang } from "../login/i18n.ts";
import { type Method, METHOD_LABELS } from "./methods.ts";

const en = {
  plansTitle: "Plans",
  choosePlan: "Choose a plan",
  noPlans: "This app has no paid plans yet.",
  once: "once",
  perMonth: "per month",
  perYear: "per year",
  currentPlan: "Your current plan",
  choose: "Choose",
  startTrial: (days: number) => `Start a ${days}-day free trial`,
  trialUntil: (date: string) => `Free trial until ${date}`,
  changeScheduled: (plan: string) => `Your plan changes to ${plan} when the current period ends.`,
  payFor: "Pay for",
  checkout: "Checkout",
  offlineSandbox: "offline sandbox",
  qrAlt: "QRIS code: scan with any Indonesian banking or e-wallet app",
  scanQr: "Scan with any QRIS app.",
  transferTo: "Transfer to",
  virtualAccount: "virtual account",
  copy: "Copy",
  ovoApprove: "Open the OVO app on {phone} and approve the payment.",
  linkedCharging: "Your linked {method} is being charged automatically; this page updates when it is paid.",
  payWithGopay: "Pay with GoPay",
  simulate: "Simulate payment",
  payAnotherWay: "Pay another way",
  howToPay: "How would you like to pay?",
  bankTransfer: "Bank transfer",
  directDebit: "Direct debit",
  card: "Card",
  bankFor: "Bank (for bank transfer)",
  ovoPhone: "OVO phone number",
  continue: "Continue",
  backToApp: "Back to the app",
  statusOpen: "Choose how to pay.",
  statusPending: "Waiting for your payment…",
  statusChargeEnded:
    "Your last payment did not go through (it expired or was declined). Choose how to pay again.",
  statusPaid: "Payment received. Your plan is active.",
  statusExpired: "This checkout has expired.",
  couponCode: "Coupon code",
  applyCoupon: "Apply",
  couponApplied: (code: string) => `Coupon ${code}`,
  teamSeats: (org: string, seats: number) => `For ${org} · ${seats} ${seats === 1 ? "seat" : "seats"}`,
  addedSeats: (org: string, from: number, to: number) =>
    `For ${org} · from ${from} to ${to} seats, for the rest of the paid period`,
  listPrice: "List price",
  couponInvalid: "This coupon cannot be used for this checkout.",
  couponUnavailable: "This coupon has been used up, or this account has used it already.",
  couponTooMany: "Too many codes were refused here. Try again in a few minutes.",
  staleForm: "This form expired. Please try again.",
  receiptFor: "Receipt made out to (optional)",
  buyerName: "Name or company",
  buyerTaxId: "NPWP or NIK",
  saveBuyer: "Save",
  buyerSaved: "Saved: the receipt will be made out to these details.",
  buyerInvalid: "An NPWP has 15 or 16 digits, a NIK 16; a name at most 200 characters.",
  buyerFixed: "The receipt has already been issued; its details cannot change.",
};
export type BillingText = typeof en;

const id: BillingText = {
  plansTitle: "Paket",
  choosePlan: "Pilih paket",
  noPlans: "Aplikasi ini belum punya paket berbayar.",
  once: "sekali bayar",
  perMonth: "per bulan",
  perYear: "per tahun",
  currentPlan: "Paket Anda saat ini",
  choose: "Pilih",
  startTrial: (days: number) => `Coba gratis ${days} hari`,
  trialUntil: (date: string) => `Uji coba gratis sampai ${date}`,
  changeScheduled: (plan: string) => `Paket Anda berganti ke ${plan} saat periode ini berakhir.`,
  payFor: "Bayar",
  checkout: "Pembayaran",
  offlineSandbox: "sandbox luring",
  qrAlt: "Kode QRIS: pindai dengan aplikasi bank atau dompet digital Indonesia mana pun",
  scanQr: "Pindai dengan aplikasi QRIS apa pun.",
  transferTo: "Transfer ke",
  virtualAccount: "virtual account",
  copy: "Salin",
  ovoApprove: "Buka aplikasi OVO di {phone} dan setujui pembayarannya.",
  linkedCharging:
    "{method} Anda yang tertaut sedang ditagih otomatis; halaman ini diperbarui setelah dibayar.",
  payWithGopay: "Bayar dengan GoPay",
  simulate: "Simulasikan pembayaran",
  payAnotherWay: "Bayar dengan cara lain",
  howToPay: "Bagaimana Anda ingin membayar?",
  bankTransfer: "Transfer bank",
  directDebit: "Debit langsung",
  card: "Kartu",
  bankFor: "Bank (untuk transfer bank)",
  ovoPhone: "Nomor telepon OVO",
  continue: "Lanjutkan",
  backToApp: "Kembali ke aplikasi",
  statusOpen: "Pilih cara membayar.",
  statusPending: "Menunggu pembayaran Anda…",
  statusChargeEnded:
    "Pembayaran terakhir Anda tidak berhasil (kedaluwarsa atau ditolak). Pilih lagi cara membayar.",
  statusPaid: "Pembayaran diterima. Paket Anda sudah aktif.",
  statusExpired: "Pembayaran ini sudah kedaluwarsa.",
  couponCode: "Kode kupon",
  applyCoupon: "Pakai",
  couponApplied: (code: string) => `Kupon ${code}`,
  teamSeats: (org: string, seats: number) => `Untuk ${org} · ${seats} kursi`,
  addedSeats: (org: string, from: number, to: number) =>
    `Untuk ${org} · dari ${from} menjadi ${to} kursi, untuk sisa periode yang sudah dibayar`,
  listPrice: "Harga normal",
  couponInvalid: "Kupon ini tidak bisa dipakai untuk pembayaran ini.",
  couponUnavailable: "Kupon ini sudah habis, atau akun ini sudah pernah memakainya.",
  couponTooMany: "Terlalu banyak kode yang ditolak di sini. Coba lagi beberapa menit lagi.",
  staleForm: "Formulir ini kedaluwarsa. Silakan coba lagi.",
  receiptFor: "Kuitansi atas nama (opsional)",
  buyerName: "Nama atau perusahaan",
  buyerTaxId: "NPWP atau NIK",
  saveBuyer: "Simpan",
  buyerSaved: "Tersimpan: kuitansi akan dibuat atas data ini.",
  buyerInvalid: "NPWP terdiri dari 15 atau 16 angka, NIK 16 angka; nama paling banyak 200 karakter.",
  buyerFixed: "Kuitansi sudah diterbitkan; datanya tidak bisa diubah.",
};

export const BILLING_TEXT: Record<Lang, BillingText> = { en, id };

/** "per month", "once", … in the page's language. */
export function intervalText(text: BillingText, interval: "month" | "year" | "one_time"): string {
  return interval === "one_time" ? text.once : interval === "month" ? text.perMonth : text.perYear;
}

/** Linked e-wallets charged at renewal that the checkout page does not offer (docs/billing.md). */
const LINKED_ONLY_LABELS: Record<string, string> = { dana: "DANA", shopeepay: "ShopeePay" };

/** A method's name on the page (brand names stay as they are), also a linked method's (DANA, direct debit, card). */
export function methodLabel(
  text: BillingText,
  method: Method | "dana" | "shopeepay" | "direct_debit" | "card",
): string {
  if (method === "bank_transfer") return text.bankTransfer;
  if (method === "direct_debit") return text.directDebit;
  if (method === "card") return text.card;
  return METHOD_LABELS[method as Method] ?? LINKED_ONLY_LABELS[method] ?? method;
}

/** What the live status island shows for each status it shows (lib/payments/checkout_status.ts). */
export function statusLabels(text: BillingText): Record<string, string> {
  return {
    open: text.statusOpen,
    pending: text.statusPending,
    charge_ended: text.statusChargeEnded,
    paid: text.statusPaid,
    expired: text.statusExpired,
  };
}
