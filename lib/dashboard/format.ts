/** How dashboard tables show values. */

/** A timestamp from SQL as "2026-11-28 13:45 UTC" (the same for every reader, whatever their zone). */
export function shortTime(value: string | null | undefined): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** JSON on one line, cut at `max` characters. */
export function compactJson(value: unknown, max = 200): string {
  const text = JSON.stringify(value) ?? "";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
