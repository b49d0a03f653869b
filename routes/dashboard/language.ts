import { z } from "zod";
import { setCookie } from "hono/cookie";
import type { Handlers } from "@/lib/router/routes.ts";
import { formToObject, readText } from "@/lib/http/body.ts";
import { DASHBOARD_LANG_COOKIE, DASHBOARD_LANG_MAX_AGE } from "@/lib/dashboard/i18n.ts";

// `back` is a dashboard address only (path and query), so the switch cannot send anyone elsewhere; no control
// character either, which a Location header refuses (a 500 instead of the way back). A `lang` the switch never
// offers (a tampered form) changes nothing: the person is back on their page in the language they had.
const LanguageForm = z.object({
  lang: z.enum(["en", "id"]).optional().catch(undefined),
  // deno-lint-ignore no-control-regex
  back: z.string().max(2000).regex(/^\/dashboard(?:[/?][^\s\\\x00-\x1f\x7f]*)?$/).catch("/dashboard"),
});

/**
 * POST /dashboard/language: the frame's language switch (the CSRF check ran in the middleware). The choice is a
 * cookie for /dashboard, kept across sessions; then back to the page the switch was pressed on.
 */
export const handler: Handlers = {
  POST: async (c) => {
    const { lang, back } = LanguageForm.parse(formToObject(await readText(c)));
    if (lang) {
      setCookie(c, DASHBOARD_LANG_COOKIE, lang, {
        path: "/dashboard",
        httpOnly: true,
        sameSite: "Lax",
        secure: c.var.deps.config.baseUrl.startsWith("https://"),
        maxAge: DASHBOARD_LANG_MAX_AGE,
      });
    }
    return c.redirect(back, 303);
  },
};
