/** How dashboard tables show values. */
import { formatWhen } from "./rupiah.ts";
import type { Lang } from "./i18n.ts";

/**
 * A timestamp from SQL as "3 Dec 2026, 13:16 UTC" ("3 Des 2026, 13.16 UTC" in Indonesian) — the one date
 * format of every dashboard page, the same for every reader whatever their zone; "" for none.
 */
export function shortTime(value: string | Date | null | undefined, lang: Lang = "en"): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : formatWhen(date.toISOString(), lang);
}

/** JSON on one line, cut at `max` characters. */
export function compactJson(value: unknown, max = 200): string {
  const text = JSON.stringify(value) ?? "";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
