/**
 * A form's refusal in the page's language: the database's message (or a field's problem from its DETAIL), or
 * the form's own, found in text/refusals.ts by its error code and its exact English. What the English formats
 * in ({key}, {slug}…) is carried into the Indonesian as it is. English pages, and the Platform API, get the
 * English unchanged.
 */
import type { ErrorCode } from "../http/errors.ts";
import { fill, type Lang } from "./i18n.ts";
import { REFUSAL_CODES, REFUSALS_TEXT } from "./text/refusals.ts";

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
    if (REFUSAL_CODES[key] !== code) continue;
    const match = pattern.exec(message);
    if (!match) continue;
    return fill(REFUSALS_TEXT[lang][key], Object.fromEntries(names.map((name, i) => [name, match[i + 1]])));
  }
  return undefined;
}
