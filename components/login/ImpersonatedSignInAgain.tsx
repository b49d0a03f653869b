import type { Lang } from "@/lib/login/i18n.ts";
import { fill, IMPERSONATION_MESSAGES } from "@/lib/login/impersonation_messages.ts";

export type ImpersonatedSignInAgainData = { lang: Lang; appName: string; switchHref: string };

/** Why an impersonated session cannot sign in again, and that a new link is the way (lib/login/impersonated_sign_in_again.ts). */
export function ImpersonatedSignInAgain({ data }: { data: ImpersonatedSignInAgainData }) {
  const t = IMPERSONATION_MESSAGES[data.lang];
  return (
    <section class="card auth" lang={data.lang} aria-labelledby="auth-heading">
      <p class="eyebrow">{data.appName}</p>
      <h1 id="auth-heading">{t.signInAgainTitle}</h1>
      <p class="alert" role="alert">{fill(t.signInAgain, { app: data.appName })}</p>
      <p class="muted lang-switch">
        <a href={data.switchHref} hreflang={data.lang === "en" ? "id" : "en"}>{t.language}</a>
      </p>
    </section>
  );
}
