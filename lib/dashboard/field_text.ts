/**
 * A refused form's messages beside its fields, in the page's language. They arrive in English: zod's own
 * messages from validate() (lib/http/body.ts, which keeps the issues on the AppError), a schema's own message,
 * a database refusal's. On an Indonesian page a message zod's English locale wrote is written again by zod's
 * Indonesian locale; any other is looked up by its English in text/field_messages.ts, then (by its refusal's
 * code; a schema's own message as validation_failed) in the refusal catalogues (refusal_text.ts), and kept if in
 * neither.
 * The Platform API answers the English `fields` unchanged.
 */
import { z } from "zod";
import { issueField } from "../http/body.ts";
import type { ErrorCode } from "../http/errors.ts";
import { fill, type Lang } from "./i18n.ts";
import { refusalText } from "./refusal_text.ts";
import { FIELD_MESSAGES_TEXT } from "./text/field_messages.ts";

/** zod's locales (zod's default is a fresh `en()` too), by the dashboard's languages. */
const ZOD_LOCALES: Record<Lang, z.core.$ZodErrorMap> = {
  en: z.locales.en().localeError,
  id: z.locales.id().localeError,
};

/** What a zod locale says for an issue (a map may answer a string or `{ message }`). */
function zodSays(lang: Lang, issue: z.core.$ZodIssue): string | undefined {
  const said = ZOD_LOCALES[lang](issue as unknown as z.core.$ZodRawIssue);
  return typeof said === "string" ? said : said?.message;
}

/**
 * One message beside `field`, in `lang`: the dashboard's own wording of a known English message (of a refusal
 * with `code`, a database's too), else as is.
 */
export function fieldMessage(lang: Lang, field: string, message: string, code?: ErrorCode): string {
  if (lang === "en") return message;
  const { en, id } = FIELD_MESSAGES_TEXT;
  const key = (Object.keys(en) as (keyof typeof en)[]).find((k) => fill(en[k], { field }) === message);
  if (key) return fill(id[key], { field });
  return (code && refusalText(lang, code, message)) ?? message;
}

/**
 * A zod issue's message in `lang`: zod's own words in that language when the message is zod's default; a schema's
 * own message (validate()'s issues are all validation_failed) as a refusal's of that code.
 */
export function issueMessage(lang: Lang, issue: z.core.$ZodIssue): string {
  if (lang === "en") return issue.message;
  if (issue.message === zodSays("en", issue)) return zodSays(lang, issue) ?? issue.message;
  return fieldMessage(lang, issueField(issue), issue.message, "validation_failed");
}

/**
 * A refusal's `fields` in `lang`: made again from its zod issues when it has them (validate()'s), else each
 * message looked up (a database refusal's, lib/http/errors.ts fieldsFromDetail, with the refusal's `code`).
 */
export function fieldMessages(
  lang: Lang,
  fields: Record<string, string[]>,
  issues?: readonly z.core.$ZodIssue[],
  code?: ErrorCode,
): Record<string, string[]> {
  if (lang === "en") return fields;
  if (!issues) {
    return Object.fromEntries(
      Object.entries(fields).map((
        [field, messages],
      ) => [field, messages.map((m) => fieldMessage(lang, field, m, code))]),
    );
  }
  const worded: Record<string, string[]> = {};
  for (const issue of issues) (worded[issueField(issue)] ??= []).push(issueMessage(lang, issue));
  return worded;
}
