/** How the dashboard writes money and payment methods; shared by server pages and islands (no server imports). */
import type { Lang } from "@/lib/login/i18n.ts";
import { PAYMENTS_TEXT } from "./text/payments.ts";

const RUPIAH = new Intl.NumberFormat("id-ID", {
  style: "currency",
  currency: "IDR",
  maximumFractionDigits: 0,
});

/**
 * Whole rupiah the Indonesian way: "Rp 99.000" (with an ordinary space, so it copies and matches plainly) — in
 * both of the dashboard's languages: rupiah are written so in Indonesia whatever the language around them, and
 * en-US's "IDR 99,000" would read the thousands separator as a decimal point to a reader used to "Rp".
 */
export function formatRupiah(amount: number): string {
  return RUPIAH.format(amount).replace(/\s/g, " ");
}

/** Brand names, the same in every language. */
const BRANDS: Record<string, string> = {
  qris: "QRIS",
  gopay: "GoPay",
  ovo: "OVO",
  dana: "DANA",
  shopeepay: "ShopeePay",
};

/** "QRIS", "GoPay", "OVO", "VA BCA", "Card" / "Kartu"; "—" before a method is chosen. */
export function methodLabel(method: string | null, bank: string | null = null, lang: Lang = "en"): string {
  if (!method) return "—";
  const text = PAYMENTS_TEXT[lang];
  if (method === "bank_transfer") return bank ? `VA ${bank}` : text.methodVirtualAccount;
  if (method === "direct_debit") return text.methodDirectDebit;
  if (method === "card") return text.methodCard;
  return BRANDS[method] ?? method;
}

// Dates in the page's language, always in UTC: "28 Nov 2026, 13:45" / "28 Nov 2026, 13.45" (id-ID's own
// month names and time separator). Keyed by the dashboard's languages ("en" | "id").
const WHEN: Record<Lang, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }),
  id: new Intl.DateTimeFormat("id-ID", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }),
};

/** A timestamp as "28 Nov 2026, 13:45 UTC" (Indonesian: "28 Nov 2026, 13.45 UTC"); "—" for none. */
export function formatWhen(iso: string | null, lang: Lang = "en"): string {
  return iso ? `${WHEN[lang].format(new Date(iso))} UTC` : "—";
}
