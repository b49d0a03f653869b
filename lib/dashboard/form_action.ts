/**
 * The shape of every dashboard form: check the member's role, run one action in the same transaction, then
 * 303 back to the page with a `?done=` key — or, when the SQL function refuses the input, render the page
 * again with its message and 422 (in a fresh transaction: the refused one is aborted). An action that calls a
 * provider (Xendit) answers an AfterCommit: the call runs once the transaction has ended, holding no connection.
 * A form's body is validated by its `body` schema before the transaction: a body the schema refuses (a field
 * too long, one missing) is a refusal like the SQL function's, the page rendered again with the messages and
 * what was typed, never an error page. (The dashboard middleware has checked the CSRF token before any of this.)
 * A form that is no formAction (see parsedForm) parses its body through the same steps and words its refusal alike.
 * A refusal is worded in the page's language by the error catalogue's own translations (lib/http/error_text.ts),
 * its more specific message by lib/dashboard/refusal_text.ts, its messages beside fields by
 * lib/dashboard/field_text.ts.
 */
import type { z } from "zod";
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { readForm, validate } from "../http/body.ts";
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

/**
 * A form body's schema with a step on the parsed body that must run before the transaction (a fetch it must
 * not wait on); its refusals render like the action's own.
 */
export class Prepared<P> {
  constructor(readonly parse: (posted: Record<string, string | string[]>) => Promise<P>) {}
}

/** `prepared(Schema, step)`: the body `run` gets is what `step` makes of the parsed form. */
export function prepared<B, P>(schema: z.ZodType<B>, step: (body: B) => Promise<P>): Prepared<P> {
  return new Prepared((posted) => step(validate(schema, posted)));
}

/** What a form's body is parsed with: its schema, or its schema and a step (`prepared`). */
export type FormBody<B> = z.ZodType<B> | Prepared<B>;

/** Why an action was refused: its message, and the fields it names (a form shows each beside its field). */
export type Refusal = { error?: string; fields?: Record<string, string[]> };

/** A refused form's fields as posted (text only: a repeated field is left out), for a page that fills them in again. */
export type Posted = Partial<Record<string, string>>;

/** The page's data; on a refusal `extra` says why and `posted` is what the form sent (a page may refill from it). */
export type Loader<D> = (
  tx: Tx,
  role: MemberRole,
  projectId: string,
  extra: Refusal,
  posted?: Posted,
) => Promise<D>;

export type FormAction<D, B = undefined> = {
  needed: MemberRole;
  /** Where `?done=` goes: the page the form sits on. */
  back: string;
  /** The form's schema: `run` gets the body it parsed; a body it refuses renders the page again (422). */
  body?: FormBody<B>;
  /** The page's data, for a re-render with an error (or an answer rendered at once). */
  load: Loader<D>;
  /** Answers a `?done=` key to redirect with, or page data to render now (e.g. a secret shown once). */
  run: (
    tx: Tx,
    projectId: string,
    role: MemberRole,
    body: B,
  ) => Promise<string | D | AfterCommit<string | D>>;
  title: (data: D) => string;
  /** The form shows a refusal's field messages beside its inputs; otherwise the alert lists them. */
  fieldsBesideInputs?: boolean;
};

export async function formAction<D, B = undefined>(
  c: Ctx,
  form: FormAction<D, B>,
): Promise<Response | PageResult<D>> {
  const schema = form.body;
  const posted = schema && await readForm(c);
  try {
    const body = schema && posted
      ? await refusing(() => parsed(schema, posted)).catch(roleFirst(c, form))
      : undefined as B;
    const answer = await withProject(
      c,
      form.needed,
      (tx, role, projectId) => refusing(() => form.run(tx, projectId, role, body)),
    );
    const outcome = answer instanceof AfterCommit ? await refusing(answer.rest) : answer;
    if (typeof outcome === "string") return c.redirect(`${form.back}?done=${outcome}`, 303);
    return page(outcome, { title: form.title(outcome) });
  } catch (thrown) {
    if (!(thrown instanceof ActionRefused)) throw thrown;
    const refusal = refusalOf(c, thrown, form.fieldsBesideInputs);
    const data = await withProject(
      c,
      "viewer",
      (tx, role, projectId) => form.load(tx, role, projectId, refusal, posted && textFields(posted)),
    );
    return page(data, { title: form.title(data), status: 422 });
  }
}

/** What a form posted, parsed by its schema: the body, or the refusal its page shows again (422) and what was typed. */
export type ParsedForm<B> = { body: B; refusal?: never } | { refusal: Refusal; posted: Posted };

/**
 * For a form that cannot be a formAction (the deployment's signing keys belong to no project; the mail preview's
 * test send goes back to the preview it was sent from): its body parsed by `schema`, or — when the schema refuses
 * it — the refusal worded as formAction's, for the handler to render its page again with 422, never the error page.
 */
export async function parsedForm<B>(c: Ctx, schema: z.ZodType<B>): Promise<ParsedForm<B>> {
  const posted = await readForm(c);
  try {
    return { body: await refusing(() => parsed(schema, posted)) };
  } catch (thrown) {
    if (!(thrown instanceof ActionRefused)) throw thrown;
    return { refusal: refusalOf(c, thrown), posted: textFields(posted) };
  }
}

/**
 * A refusal in the page's language. English: the description as is. Indonesian: the code's message, then a more
 * specific description, worded by the dashboard's catalogue of refusals (text/refusals.ts) or as a field's message
 * where it knows it.
 */
function refusalOf(c: Ctx, thrown: ActionRefused, fieldsBesideInputs?: boolean): Refusal {
  const lang = dashboardLang(c);
  const { message, detail } = errorMessages(lang, thrown.code, thrown.description);
  const fields = thrown.fields && fieldMessages(lang, thrown.fields, thrown.issues, thrown.code);
  const shown = detail
    ? refusalText(lang, thrown.code, detail) ?? wordedLikeFields(lang, detail, thrown.fields)
    : thrown.description === ERRORS[thrown.code].message && !fieldsBesideInputs &&
      fieldSentences(fields).join(" ");
  return { error: shown ? `${message} ${shown}` : message, ...(fields ? { fields } : {}) };
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

/**
 * The body is parsed before the transaction that checks the member's role: a refused body from a member without
 * the role is refused for the role (403), as a well-formed one is, not shown its form again.
 */
function roleFirst<D, B>(c: Ctx, form: FormAction<D, B>): (refused: unknown) => Promise<never> {
  return async (refused) => {
    await withProject(c, form.needed, () => Promise.resolve());
    throw refused;
  };
}

async function parsed<B>(body: FormBody<B>, posted: Record<string, string | string[]>): Promise<B> {
  return body instanceof Prepared ? await body.parse(posted) : validate(body, posted);
}

/** The posted fields that are one text each (a repeated field is a list no input shows again). */
function textFields(posted: Record<string, string | string[]>): Posted {
  return Object.fromEntries(
    Object.entries(posted).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}
