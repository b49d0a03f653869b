/**
 * CSRF for the hosted billing pages' mutating endpoints. A browser form must carry the page's CSRF token
 * (double submit, lib/login/browser.ts); JSON is accepted without one, because a cross-site page cannot send
 * application/json without a CORS preflight, which Astapa never grants. Anything else (a bodyless or
 * text/plain POST, which any site can send) is refused.
 */
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import { bodyKind, readBody } from "../http/body.ts";
import { AppError } from "../http/errors.ts";
import { csrfValid } from "../login/browser.ts";

export const CsrfField = { csrf: z.string().max(100).optional() };

const STALE = "This form has expired or came from another site: reload the page and try again.";

/**
 * Reads a JSON or form body. A form without this browser's CSRF token (its cookie expired while the page stood
 * open, or it came from another site) is answered by `stale`: the page again, saying so, 403, nothing done —
 * as the sign-in pages answer theirs. It gets the body, already valid, to know which page to show.
 */
export async function readPageBody<S extends z.ZodType<{ csrf?: string }>, R>(
  c: Ctx,
  schema: S,
  stale: (body: z.infer<S>) => R | Promise<R>,
): Promise<{ body: z.infer<S> } | { stale: R }> {
  const kind = bodyKind(c.req.header("content-type"));
  if (kind !== "json" && kind !== "form") {
    throw new AppError("forbidden", { description: STALE });
  }
  const body = await readBody(c, schema);
  if (kind === "form" && !csrfValid(c, body.csrf)) return { stale: await stale(body) };
  return { body };
}

/**
 * A stale form's answer when there is no page to show again: nobody is signed in here (a forged form, or a
 * session that ended too), so nothing is done and the error page says why (403).
 */
export function staleFormRefused(): AppError {
  return new AppError("forbidden", { description: STALE });
}

/** True when the request came from one of our forms (and should be redirected back, not answered JSON). */
export function isForm(c: Ctx): boolean {
  return bodyKind(c.req.header("content-type")) === "form";
}
