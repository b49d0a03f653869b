/** The payment methods Astapa offers and their IDR limits, checked before Xendit is called. */

export const METHODS = ["qris", "bank_transfer", "ovo", "gopay"] as const;
export type Method = typeof METHODS[number];

export const BANKS = ["BCA", "BNI", "BRI", "MANDIRI", "PERMATA"] as const;
export type Bank = typeof BANKS[number];

/** Whole rupiah, inclusive (Xendit's published limits; BCA virtual accounts start at 10,000). */
export const LIMITS: Record<Method, { min: number; max: number }> = {
  qris: { min: 1, max: 10_000_000 },
  bank_transfer: { min: 1, max: 50_000_000_000 },
  ovo: { min: 100, max: 20_000_000 },
  gopay: { min: 1, max: 50_000_000 },
};

export const METHOD_LABELS: Record<Method, string> = {
  qris: "QRIS",
  bank_transfer: "Bank transfer",
  ovo: "OVO",
  gopay: "GoPay",
};

/** Why `amount` cannot be paid by `method`, or null when it can. */
export function limitProblem(method: Method, amount: number, bank?: Bank): string | null {
  if (!Number.isSafeInteger(amount) || amount < 1) return "The amount must be a whole number of rupiah.";
  const { min, max } = LIMITS[method];
  const low = method === "bank_transfer" && bank === "BCA" ? 10_000 : min;
  if (amount < low || amount > max) {
    return `${METHOD_LABELS[method]}${bank ? ` (${bank})` : ""} takes IDR ${low.toLocaleString("en")} to ` +
      `${max.toLocaleString("en")}; this charge is IDR ${amount.toLocaleString("en")}.`;
  }
  return null;
}

/** Methods whose limits admit `amount` (what the checkout page offers). */
export function methodsFor(amount: number): Method[] {
  return METHODS.filter((method) => limitProblem(method, amount) === null);
}
