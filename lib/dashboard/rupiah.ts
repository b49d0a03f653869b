/** How the dashboard writes money and payment methods; shared by server pages and islands (no server imports). */

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

export const METHOD_LABELS: Record<string, string> = {
  qris: "QRIS",
  gopay: "GoPay",
  ovo: "OVO",
  dana: "DANA",
  shopeepay: "ShopeePay",
  direct_debit: "Direct debit",
  card: "Card",
  bank_transfer: "Virtual account",
};

/** "QRIS", "GoPay", "OVO", "VA BCA"; "—" before a method is chosen. */
export function methodLabel(method: string | null, bank: string | null = null): string {
  if (!method) return "—";
  if (method === "bank_transfer") return bank ? `VA ${bank}` : "Virtual account";
  return METHOD_LABELS[method] ?? method;
}

// Dates in the page's language, always in UTC: "28 Nov 2026, 13:45" / "28 Nov 2026, 13.45" (id-ID's own
// month names and time separator). Keyed by the dashboard's languages ("en" | "id"); imports nothing.
const WHEN: Record<"en" | "id", Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }),
  id: new Intl.DateTimeFormat("id-ID", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }),
};

/** A timestamp as "28 Nov 2026, 13:45 UTC" (Indonesian: "28 Nov 2026, 13.45 UTC"); "—" for none. */
export function formatWhen(iso: string | null, lang: "en" | "id" = "en"): string {
  return iso ? `${WHEN[lang].format(new Date(iso))} UTC` : "—";
}
