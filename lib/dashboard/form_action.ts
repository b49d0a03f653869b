/**
 * The shape of every dashboard form: check the member's role, run one action in the same transaction, then
 * 303 back to the page with a `?done=` key — or, when the SQL function refuses the input, render the page
 * again with its message and 422 (in a fresh transaction: the refused one is aborted). An action that calls a
 * provider (Xendit) answers an AfterCommit: the call runs once the transaction has ended, holding no connection.
 * A refusal is worded in the page's language by the error catalogue's own translations (lib/http/error_text.ts),
 * its more specific message by lib/dashboard/refusal_text.ts, its messages beside fields by
 * lib/dashboard/field_text.ts.
 */
import type { z } from "zod";
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { type ErrorCode, ERRORS, fieldSentences, toAppError } from "../http/errors.ts";
import { errorMessages } from "../http/error_text.ts";
import { page, type PageResult } from "../router/page.tsx";
import { withProject } from "./access.ts";
import { dashboardLang, type Lang } from "./i18n.ts";
import { fieldMessage, fieldMessages } from "./field_text.ts";
import { refusalText } from "./refusal_text.ts";

/** An action's own refusal (bad input, duplicate, nothing to remove), as opposed to an access refusal. */
class ActionRefused extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly description: string,
    readonly fields?: Record<string, string[]>,
    readonly issues?: readonly z.core.$ZodIssue[],
  ) {
    super(description);
  }
}

const REFUSALS = new Set([
  "validation_failed",
  "conflict",
  "not_found",
  "reconciliation_not_stopped",
  "already_final",
]);

/**
 * The rest of an action that must hold no transaction — it calls Xendit — run once the action's transaction
 * has committed; its refusals render like the action's own. Any transaction it needs, it opens itself.
 */
export class AfterCommit<R> {
  constructor(readonly rest: () => Promise<R>) {}
}

/** Why an action was refused: its message, and the fields it names (a form shows each beside its field). */
export type Refusal = { error?: string; fields?: Record<string, string[]> };

export type Loader<D> = (tx: Tx, role: MemberRole, projectId: string, extra: Refusal) => Promise<D>;

export type FormAction<D> = {
  needed: MemberRole;
  /** Where `?done=` goes: the page the form sits on. */
  back: string;
  /** The page's data, for a re-render with an error (or an answer rendered at once). */
  load: Loader<D>;
  /** Answers a `?done=` key to redirect with, or page data to render now (e.g. a secret shown once). */
  run: (tx: Tx, projectId: string, role: MemberRole) => Promise<string | D | AfterCommit<string | D>>;
  title: (data: D) => string;
  /** The form shows a refusal's field messages beside its inputs; otherwise the alert lists them. */
  fieldsBesideInputs?: boolean;
};

export async function formAction<D>(c: Ctx, form: FormAction<D>): Promise<Response | PageResult<D>> {
  try {
    const answer = await withProject(
      c,
      form.needed,
      (tx, role, projectId) => refusing(() => form.run(tx, projectId, role)),
    );
    const outcome = answer instanceof AfterCommit ? await refusing(answer.rest) : answer;
    if (typeof outcome === "string") return c.redirect(`${form.back}?done=${outcome}`, 303);
    return page(outcome, { title: form.title(outcome) });
  } catch (thrown) {
    if (!(thrown instanceof ActionRefused)) throw thrown;
    // English: the description as is. Indonesian: the code's message, then a more specific description, worded
    // by the dashboard's catalogue of refusals (text/refusals.ts) or as a field's message where it knows it.
    const lang = dashboardLang(c);
    const { message, detail } = errorMessages(lang, thrown.code, thrown.description);
    const fields = thrown.fields && fieldMessages(lang, thrown.fields, thrown.issues, thrown.code);
    const shown = detail
      ? refusalText(lang, thrown.code, detail) ?? wordedLikeFields(lang, detail, thrown.fields)
      : thrown.description === ERRORS[thrown.code].message && !form.fieldsBesideInputs &&
        fieldSentences(fields).join(" ");
    const data = await withProject(
      c,
      "viewer",
      (tx, role, projectId) =>
        form.load(tx, role, projectId, {
          error: shown ? `${message} ${shown}` : message,
          ...(fields ? { fields } : {}),
        }),
    );
    return page(data, { title: form.title(data), status: 422 });
  }
}

/** Runs `work`, turning an action's own refusal into ActionRefused (the page is rendered again with it). */
async function refusing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (thrown) {
    const error = toAppError(thrown);
    if (REFUSALS.has(error.code)) {
      throw new ActionRefused(error.code, error.description, error.fields, error.issues);
    }
    throw thrown;
  }
}

/** A description that is also a field's message (a database refusal naming its field) is worded as that field's. */
function wordedLikeFields(lang: Lang, detail: string, fields: Record<string, string[]> = {}): string {
  for (const field of Object.keys(fields)) {
    const worded = fieldMessage(lang, field, detail);
    if (worded !== detail) return worded;
  }
  return detail;
}
