import { type Lang, type MessageKey, MESSAGES } from "@/lib/login/i18n.ts";

export type SocialProblemData = {
  lang: Lang;
  error: MessageKey;
  /** The provider's name, for the messages that say it ({provider}). */
  providerName: string;
  /** The app the person was signing in to, when the flow is still known. */
  appName?: string;
  /** The app's sign-in page again, when the flow is still known. */
  backHref?: string;
};

/** Why a Google/GitHub sign-in stopped, in the person's language, with the way back to the sign-in page. */
export function SocialProblem({ data }: { data: SocialProblemData }) {
  const t = MESSAGES[data.lang];
  return (
    <section class="card auth" lang={data.lang} aria-labelledby="auth-heading">
      {data.appName && <p class="eyebrow">{t.socialFor} {data.appName}</p>}
      <h1 id="auth-heading">{t.socialTitle}</h1>
      <p class="alert" role="alert" id="form-error">
        {t[data.error].replace("{provider}", data.providerName)}
      </p>
      {data.backHref && (
        <p>
          <a class="button" href={data.backHref}>{t.backToSignIn}</a>
        </p>
      )}
    </section>
  );
}
