/** The portal's "Automatic renewal" section (linked methods) in English and Bahasa Indonesia. */
import type { Lang } from "../login/i18n.ts";

const en = {
  title: "Automatic renewal",
  intro:
    "Link an e-wallet, a bank account for direct debit or a card, and each renewal is charged to it. If a charge fails, you get the pay link by email.",
  none: "Nothing is linked: renewals come as pay links by email.",
  waiting: "waiting for your approval",
  active: "linked",
  unlinking: (since: string) =>
    `being unlinked since ${since}: not charged meanwhile. If it stays like this, unlink it again.`,
  unlink: "Unlink",
  link: (channel: string) => `Link ${channel}`,
  mobile: "Mobile number (OVO)",
  mobileHint: "The number of your OVO account, e.g. 0812 3456 7890.",
  bankMobile: "Mobile number registered with the bank",
  debitLastFour: "Last 4 digits of your BRI debit card",
  debitExpiry: "Debit card expiry (MM/YY)",
  email: "Email",
  otp: "Code from your bank (6 digits)",
  confirm: "Confirm",
  cardNumber: "Card number",
  cardExpiryMonth: "Expiry month (MM)",
  cardExpiryYear: "Expiry year (YYYY)",
  cvv: "Security code (CVV)",
  cardHolder: "Name on the card",
  cardHint: "Your browser sends the card straight to Xendit; Astapa only learns its last four digits.",
  cardNeedsJs:
    "Linking a card needs JavaScript: your browser sends the card to Xendit directly. Turn JavaScript on, or link another method.",
  cardRefused: "Xendit refused the card:",
  cardSending: "Sending the card to Xendit…",
};
export type LinkedMethodText = typeof en;

const id: LinkedMethodText = {
  title: "Perpanjangan otomatis",
  intro:
    "Tautkan e-wallet, rekening bank untuk debit langsung, atau kartu, dan setiap perpanjangan ditagihkan ke sana. Jika penagihan gagal, tautan bayar dikirim lewat email.",
  none: "Belum ada yang tertaut: perpanjangan dikirim sebagai tautan bayar lewat email.",
  waiting: "menunggu persetujuan Anda",
  active: "tertaut",
  unlinking: (since: string) =>
    `sedang dilepaskan sejak ${since}: tidak ditagih selama itu. Jika tetap begini, lepaskan lagi.`,
  unlink: "Lepaskan",
  link: (channel: string) => `Tautkan ${channel}`,
  mobile: "Nomor ponsel (OVO)",
  mobileHint: "Nomor akun OVO Anda, misalnya 0812 3456 7890.",
  bankMobile: "Nomor ponsel yang terdaftar di bank",
  debitLastFour: "4 digit terakhir kartu debit BRI Anda",
  debitExpiry: "Masa berlaku kartu debit (BB/TT)",
  email: "Email",
  otp: "Kode dari bank Anda (6 digit)",
  confirm: "Konfirmasi",
  cardNumber: "Nomor kartu",
  cardExpiryMonth: "Bulan kedaluwarsa (BB)",
  cardExpiryYear: "Tahun kedaluwarsa (TTTT)",
  cvv: "Kode keamanan (CVV)",
  cardHolder: "Nama pada kartu",
  cardHint: "Browser Anda mengirim kartu langsung ke Xendit; Astapa hanya mengetahui 4 digit terakhirnya.",
  cardNeedsJs:
    "Menautkan kartu memerlukan JavaScript: browser Anda mengirim kartu langsung ke Xendit. Aktifkan JavaScript, atau tautkan metode lain.",
  cardRefused: "Xendit menolak kartu:",
  cardSending: "Mengirim kartu ke Xendit…",
};

export const LINKED_METHOD_TEXT: Record<Lang, LinkedMethodText> = { en, id };

/** When an unlink began, as the portal shows it: date and minute, Jakarta time. */
export const unlinkTime = (iso: string, lang: Lang) =>
  `${
    new Date(iso).toLocaleString(lang === "id" ? "id-ID" : "en-GB", {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: "Asia/Jakarta",
    })
  } WIB`;

/** What the customer sees for a channel code (GOPAY is GoPay's recurring linking). */
export const CHANNEL_NAMES: Record<string, string> = {
  OVO: "OVO",
  DANA: "DANA",
  SHOPEEPAY: "ShopeePay",
  GOPAY: "GoPay",
  BRI: "BRI direct debit",
  MANDIRI: "Mandiri direct debit",
  CARD: "a card",
};

/** Channel names in Bahasa Indonesia where they differ. */
export const CHANNEL_NAMES_ID: Record<string, string> = {
  BRI: "debit langsung BRI",
  MANDIRI: "debit langsung Mandiri",
  CARD: "kartu",
};
