/** How the dashboard writes money and payment methods; shared by server pages and islands (no server imports). */

const RUPIAH = new Intl.NumberFormat("id-ID", {
  style: "currency",
  currency: "IDR",
  maximumFractionDigits: 0,
});

/** Whole rupiah the Indonesian way: "Rp 99.000" (with an ordinary space, so it copies and matches plainly). */
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

const WHEN = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});

/** A timestamp as "28 Nov 2026, 13:45 UTC"; "—" for none. */
export function formatWhen(iso: string | null): string {
  return iso ? `${WHEN.format(new Date(iso))} UTC` : "—";
}
