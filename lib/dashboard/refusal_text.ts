/**
 * A form's refusal in the page's language: the database's message (or a field's problem from its DETAIL), or
 * the form's own, found in text/refusals.ts, text/settings_refusals.ts (the Settings forms') or
 * text/sso_refusals.ts (the SSO, SCIM and mode forms') by its error code and its exact English; the first entry
 * that matches wins. What the English formats in ({key}, {slug}…) is
 * carried into the Indonesian as it is. English pages, and the Platform API, get the English unchanged.
 */
import type { ErrorCode } from "../http/errors.ts";
import { fill, type Lang } from "./i18n.ts";
import { REFUSAL_CODES, REFUSALS_TEXT as FORMS_TEXT } from "./text/refusals.ts";
import { SETTINGS_REFUSAL_CODES, SETTINGS_REFUSALS_TEXT } from "./text/settings_refusals.ts";
import { SSO_REFUSAL_CODES, SSO_REFUSALS_TEXT } from "./text/sso_refusals.ts";

/** The three catalogues as one; a key in two would hide one entry, so none may be. */
const REFUSALS_TEXT = {
  en: { ...FORMS_TEXT.en, ...SETTINGS_REFUSALS_TEXT.en, ...SSO_REFUSALS_TEXT.en },
  id: { ...FORMS_TEXT.id, ...SETTINGS_REFUSALS_TEXT.id, ...SSO_REFUSALS_TEXT.id },
};
const CODES = { ...REFUSAL_CODES, ...SETTINGS_REFUSAL_CODES, ...SSO_REFUSAL_CODES };
type FormsKey = keyof typeof FORMS_TEXT.en;
type SettingsKey = keyof typeof SETTINGS_REFUSALS_TEXT.en;
type SsoKey = keyof typeof SSO_REFUSALS_TEXT.en;
type Shared = (FormsKey & SettingsKey) | (FormsKey & SsoKey) | (SettingsKey & SsoKey);
const _noSharedKeys: [Shared] extends [never] ? true : never = true;

type Key = keyof typeof REFUSALS_TEXT.en;

/** Each English as an anchored pattern: a {placeholder} matches any text, one named twice the same text. */
const PATTERNS = (Object.keys(REFUSALS_TEXT.en) as Key[]).map((key) => {
  const names: string[] = [];
  const source = REFUSALS_TEXT.en[key].split(/(\{\w+\})/).map((part) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const seen = names.indexOf(name);
    if (seen >= 0) return `\\${seen + 1}`;
    names.push(name);
    return "(.+?)";
  }).join("");
  return { key, names, pattern: new RegExp(`^${source}$`, "s") };
});

/** `message` (refused with `code`) in `lang`, or undefined when the catalogue does not know it. */
export function refusalText(lang: Lang, code: ErrorCode, message: string): string | undefined {
  for (const { key, names, pattern } of PATTERNS) {
    if (CODES[key] !== code) continue;
    const match = pattern.exec(message);
    if (!match) continue;
    return fill(REFUSALS_TEXT[lang][key], Object.fromEntries(names.map((name, i) => [name, match[i + 1]])));
  }
  return undefined;
}
