/** Turns failures into responses: RFC-shaped JSON for API clients, a readable page for people. */
import { renderToString } from "preact-render-to-string";
import type { Ctx } from "../app_env.ts";
import { Layout } from "@/components/Layout.tsx";
import { ErrorPage } from "@/components/ErrorPage.tsx";
import { AppError, ERRORS, fieldSentences, toAppError } from "./errors.ts";
import { log } from "./log.ts";
import { ERROR_TEXT, errorMessages } from "./error_text.ts";
import { pickLang } from "../login/i18n.ts";

const MACHINE_PATHS = /^\/(api|\.well-known)\/|^\/(healthz|readyz)$/;

/** API paths always get JSON; other paths get HTML when the client asks for it. */
export function wantsHtml(c: Ctx): boolean {
  if (MACHINE_PATHS.test(c.req.path)) return false;
  return (c.req.header("accept") ?? "").includes("text/html");
}

export function errorResponse(c: Ctx, thrown: unknown): Response {
  const error = toAppError(thrown);
  const requestId = c.get("requestId") ?? "";
  if (error.status >= 500) {
    log("error", "request failed", { request_id: requestId, code: error.code, error: error.cause ?? error });
  }
  const headers = new Headers(error.headers);
  headers.set("cache-control", "no-store");
  if (wantsHtml(c)) {
    headers.set("content-type", "text/html; charset=utf-8");
    // The person's language, as the hosted pages choose it (?lang=, then Accept-Language); on the dashboard,
    // the one its pages are drawn in (the developer's choice first).
    const lang = c.var.dashboardLang ?? pickLang(c);
    const { message, detail } = errorMessages(lang, error.code, error.description);
    // A refusal that says no more than "Some fields are missing or invalid." says which, and why: worded in the
    // dashboard's language there, as zod or the function wrote them (English) elsewhere.
    const generic = error.description === ERRORS[error.code].message;
    const worded = generic && error.fields && (c.var.fieldText?.(lang, error) ?? error.fields);
    const fields = worded ? fieldSentences(worded) : [];
    const fieldsLang = c.var.fieldText || lang === "en" ? undefined : "en";
    const html = renderToString(
      <Layout
        title={`${ERROR_TEXT[lang].error} ${error.status}`}
        lang={lang}
        clientScript={c.var.deps.assets.clientScript}
        brand={c.var.brand}
      >
        <ErrorPage
          lang={lang}
          status={error.status}
          message={message}
          detail={detail}
          fields={fields}
          fieldsLang={fieldsLang}
          requestId={requestId}
        />
      </Layout>,
    );
    return new Response(`<!doctype html>${html}`, { status: error.status, headers });
  }
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(error.toBody()), { status: error.status, headers });
}

export function notFound(): never {
  throw new AppError("not_found");
}
