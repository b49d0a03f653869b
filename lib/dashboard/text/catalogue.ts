/**
 * How a dashboard page keeps its words: English and Indonesian with the same keys. This module imports nothing
 * at run time, so islands (bundled for the browser) may draw their words from a catalogue too.
 */
import type { Lang } from "@/lib/login/i18n.ts";

/** One page's words: Indonesian must name exactly English's keys (a missing or extra key is a type error). */
export type Catalogue<K extends string> = Record<Lang, Record<K, string>>;

/** Declares a page's catalogue from its English words and their Indonesian. */
export function catalogue<const K extends string>(
  en: Record<K, string>,
  id: Record<NoInfer<K>, string>,
): Catalogue<K> {
  return { en, id };
}

/** `text` with its {placeholders} filled in from `values`. */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name) => name in values ? String(values[name]) : whole);
}
