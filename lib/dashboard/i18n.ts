/**
 * The dashboard's language and how its words are kept. The language is the hosted pages' (lib/login/i18n.ts,
 * pickLang) with one more, stronger signal: the developer's own choice from the frame's language switch, kept
 * in a cookie. In order: a `?lang=` on the address, the cookie, then the browser's Accept-Language, else English.
 * Each page's words live in a catalogue under lib/dashboard/text/ (text/catalogue.ts), English and Indonesian
 * with the same keys.
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { acceptedLang, type Lang, LANGUAGES, pickLang } from "../login/i18n.ts";

export type { Lang };
export { type Catalogue, catalogue, fill } from "./text/catalogue.ts";

/** The developer's chosen language ("en" | "id"), for every page under /dashboard. */
export const DASHBOARD_LANG_COOKIE = "astapa_dashboard_lang";

/** A year: a language choice outlives any session (signing out does not forget it). */
export const DASHBOARD_LANG_MAX_AGE = 365 * 24 * 60 * 60;

/** Whether a value names one of the dashboard's languages. */
export function isLang(value: unknown): value is Lang {
  return (LANGUAGES as readonly unknown[]).includes(value);
}

/** The language a dashboard page is drawn in: ?lang=, then the switch's cookie, then Accept-Language. */
export function dashboardLang(c: Context): Lang {
  const asked = c.req.queries("lang")?.at(-1);
  if (isLang(asked)) return asked;
  const chosen = getCookie(c, DASHBOARD_LANG_COOKIE);
  if (isLang(chosen)) return chosen;
  return pickLang(c);
}

/**
 * The developer's language without the address's `?lang=`: for a page whose `?lang=` names something else (the
 * mail preview's names the previewed mail's language), the switch's cookie, then Accept-Language.
 */
export function chosenDashboardLang(c: Context): Lang {
  const chosen = getCookie(c, DASHBOARD_LANG_COOKIE);
  return isLang(chosen) ? chosen : acceptedLang(c);
}

/** The notice for a `?done=` key (a form's redirect back), from a page's words; none for an unknown key. */
export function doneNotice<K extends string>(
  words: Record<K, string>,
  notices: Readonly<Record<string, K>>,
  done: string | undefined,
): string | undefined {
  return done !== undefined && Object.hasOwn(notices, done) ? words[notices[done]] : undefined;
}
