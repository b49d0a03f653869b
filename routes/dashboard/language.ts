import { z } from "zod";
import { setCookie } from "hono/cookie";
import type { Handlers } from "@/lib/router/routes.ts";
import { formToObject, readText } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { DASHBOARD_LANG_COOKIE, DASHBOARD_LANG_MAX_AGE } from "@/lib/dashboard/i18n.ts";

// `back` is a dashboard address only (path and query), so the switch cannot send anyone elsewhere; no control
// character either, which a Location header refuses (a 500 instead of the way back).
const LanguageForm = z.object({
  lang: z.enum(["en", "id"]),
  // deno-lint-ignore no-control-regex
  back: z.string().max(2000).regex(/^\/dashboard(?:[/?][^\s\\\x00-\x1f\x7f]*)?$/).catch("/dashboard"),
});

/**
 * POST /dashboard/language: the frame's language switch (the CSRF check ran in the middleware). The choice is a
 * cookie for /dashboard, kept across sessions; then back to the page the switch was pressed on.
 */
export const handler: Handlers = {
  POST: async (c) => {
    const parsed = LanguageForm.safeParse(formToObject(await readText(c)));
    if (!parsed.success) {
      throw new AppError("validation_failed", { description: "Choose English (en) or Indonesian (id)." });
    }
    setCookie(c, DASHBOARD_LANG_COOKIE, parsed.data.lang, {
      path: "/dashboard",
      httpOnly: true,
      sameSite: "Lax",
      secure: c.var.deps.config.baseUrl.startsWith("https://"),
      maxAge: DASHBOARD_LANG_MAX_AGE,
    });
    return c.redirect(parsed.data.back, 303);
  },
};
