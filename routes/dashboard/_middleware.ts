/**
 * Everything under /dashboard needs a signed-in developer (except the sign-in round trip itself), every
 * mutating request must carry the session's CSRF token in its form and, when the browser names its Origin,
 * come from Astapa's own; a project's pages are for its members (viewers read only) — checked here, before any
 * handler reads a form. Answers are never cached.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "@/lib/app_env.ts";
import { AppError, closedMidBody } from "@/lib/http/errors.ts";
import { bodyKind, formToObject, readText } from "@/lib/http/body.ts";
import { constantTimeEqual, readSession } from "@/lib/dashboard/session.ts";
import { assertMayReachProject } from "@/lib/dashboard/access.ts";
import { fromAnotherSite } from "@/lib/login/browser.ts";
import { dashboardLang } from "@/lib/dashboard/i18n.ts";
import { fieldMessages } from "@/lib/dashboard/field_text.ts";

const SIGN_IN_PATHS = new Set(["/dashboard/login", "/dashboard/callback"]);
const SAFE_METHODS = new Set(["GET", "HEAD"]);

export const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("dashboardLang", dashboardLang(c));
  c.set("fieldText", (lang, error) => fieldMessages(lang, error.fields ?? {}, error.issues, error.code));
  if (SIGN_IN_PATHS.has(c.req.path)) return await next();
  const signedIn = await readSession(c);
  if (!signedIn) {
    if (SAFE_METHODS.has(c.req.method)) return c.redirect("/dashboard/login", 303);
    throw new AppError("unauthorized", { description: "Sign in to the dashboard first." });
  }
  if (!SAFE_METHODS.has(c.req.method)) {
    // File uploads (the project's logo) come as multipart/form-data; every other form is URL-encoded.
    const multipart = /^multipart\/form-data\s*;/i.test(c.req.header("content-type") ?? "");
    if (!multipart && bodyKind(c.req.header("content-type")) !== "form") {
      throw new AppError("unsupported_media_type", {
        description:
          "Dashboard forms send application/x-www-form-urlencoded (or multipart/form-data with a file).",
      });
    }
    // A browser names the page a form came from: another site's is refused even with a valid token (the token
    // is the defence; the Origin check covers a token that leaked into another site's hands).
    if (fromAnotherSite(c)) {
      throw new AppError("forbidden", { description: "Dashboard forms are posted from the dashboard only." });
    }
    // Hono keeps the body, so the handler reads the same form again.
    const sent = multipart ? await multipartCsrf(c) : formToObject(await readText(c)).csrf;
    if (typeof sent !== "string" || !constantTimeEqual(sent, signedIn.csrf)) {
      throw new AppError("forbidden", {
        description:
          "This form has expired or did not come from the dashboard. Reload the page and try again.",
      });
    }
  }
  await assertMayReachProject(c, signedIn);
  c.set("dashboard", signedIn);
  await next();
  c.res.headers.set("cache-control", "no-store");
};

/** The csrf field of a multipart form; a body that does not parse as one is a 400, never a crash. */
async function multipartCsrf(c: Parameters<MiddlewareHandler<AppEnv>>[0]): Promise<unknown> {
  try {
    return (await c.req.formData()).get("csrf");
  } catch (cause) {
    if (cause instanceof AppError) throw cause; // the body limit
    if (closedMidBody(cause)) throw new AppError("client_closed_request", { cause });
    throw new AppError("invalid_request", { description: "The form could not be read.", cause });
  }
}
