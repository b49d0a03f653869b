/**
 * A fresh sign-in asked of a session support staff opened as the person (docs/impersonation.md): `prompt=login` or
 * a `max_age` it is older than. The actor holds none of the person's factors, so the sign-in form would ask for
 * what they cannot give; instead the app hears `login_required` (OIDC Core §3.1.2.6) when it asked for no page
 * (`prompt=none`), and the browser is shown why (403, en/id) and that a new link is the way to act again.
 */
import type { Ctx } from "@/lib/app_env.ts";
import { page, renderPage } from "@/lib/router/page.tsx";
import { brandOf } from "@/lib/branding/brand.ts";
import { type AuthorizeRequest, redirectTo } from "./authorize_request.ts";
import { pickLang } from "./i18n.ts";
import { IMPERSONATION_MESSAGES } from "./impersonation_messages.ts";
import { IMPERSONATION_AMR } from "./factors/policy.ts";
import { ImpersonatedSignInAgain } from "@/components/login/ImpersonatedSignInAgain.tsx";

/** Whether a live session's amr says an impersonation opened it (api.open_impersonation's `{imp}`). */
export const openedByImpersonation = (amr: string[]) => amr.includes(IMPERSONATION_AMR);

/** The answer to a fresh sign-in asked of an impersonated session: the redirect for prompt=none, else the page. */
export function impersonatedSignInAgain(c: Ctx, request: AuthorizeRequest, query: URLSearchParams): Response {
  if (request.prompt === "none") {
    const target = redirectTo(request, c.var.deps.config.baseUrl, {
      error: "login_required",
      error_description:
        "Support staff signed in as this person cannot sign in again: a new impersonation link is needed.",
    });
    return c.redirect(target, 303);
  }
  const lang = pickLang(c);
  const other = new URLSearchParams(query);
  other.set("lang", lang === "en" ? "id" : "en");
  const data = { lang, appName: brandOf(request.project).name, switchHref: `/auth/login?${other}` };
  const title = IMPERSONATION_MESSAGES[lang].signInAgainTitle;
  return renderPage(c, ImpersonatedSignInAgain, page(data, { title, lang, status: 403 }));
}
