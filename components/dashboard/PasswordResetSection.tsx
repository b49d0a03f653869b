/**
 * "Send password reset" on a user's page (admins): the reset mail whose link opens the app's sign-in through its
 * initiate_login_uri (docs/hosted-login.md "Sign-ins the app did not start"). Without one the button is off and
 * says where to set it.
 */
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { USER_ACCOUNT_TEXT } from "@/lib/dashboard/text/user_account.ts";
import { CsrfField } from "./Frame.tsx";
import { Phrase } from "./Phrase.tsx";

export function PasswordResetSection(
  { action, csrf, projectId, ready, lang }: {
    action: string;
    csrf: string;
    projectId: string;
    ready: boolean;
    lang: Lang;
  },
) {
  const text = USER_ACCOUNT_TEXT[lang];
  return (
    <section class="card" aria-labelledby="password-reset-heading">
      <h2 id="password-reset-heading">{text.passwordResetTitle}</h2>
      <form method="post" action={`${action}/password-reset`} class="form inline-form">
        <CsrfField token={csrf} />
        <button type="submit" class="button" disabled={!ready}>{text.sendPasswordReset}</button>
        <span class="muted">{text.passwordResetHint}</span>
      </form>
      {!ready && (
        <p class="muted">
          <Phrase
            text={text.passwordResetNotReady}
            parts={{
              link: (
                <a href={`/dashboard/projects/${projectId}/settings#initiate-login-heading`}>
                  {text.passwordResetSettingsLink}
                </a>
              ),
            }}
          />
        </p>
      )}
    </section>
  );
}
