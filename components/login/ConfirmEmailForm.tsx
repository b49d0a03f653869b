import { type Lang, type MessageKey, MESSAGES } from "@/lib/login/i18n.ts";
import { AuthCard, Field } from "./AuthCard.tsx";

/** What the confirmation page asks, and what went wrong with the last answer. */
export type ConfirmQuestion = {
  email: string;
  /** The link's token, posted back (the form's address leaves it out). */
  token: string;
  csrf: string;
  /** Where both forms post. */
  action: string;
  /** The account has a password and this browser is not signed in to it: confirming takes the password. */
  password: boolean;
  error?: MessageKey;
  waitSeconds?: number;
};

/**
 * "Is this your address?": confirm it as the person who signed up (with the account's password), or take the
 * account as the mailbox's owner who did not.
 */
export function ConfirmEmailForm(
  { lang, appName, ask, switchHref }: {
    lang: Lang;
    appName: string;
    ask: ConfirmQuestion;
    switchHref: string;
  },
) {
  const t = MESSAGES[lang];
  const passwordAtFault = ask.error === "wrongPassword" || ask.error === "passwordNeeded";
  return (
    <AuthCard
      lang={lang}
      title="confirmTitle"
      subtitle="signUpTo"
      appName={appName}
      error={ask.error}
      waitSeconds={ask.waitSeconds}
      fieldHasFocus={passwordAtFault}
      switchHref={switchHref}
    >
      <p>{t.confirmAsk.replace("{email}", ask.email)}</p>
      <form method="post" action={ask.action}>
        <input type="hidden" name="csrf" value={ask.csrf} />
        <input type="hidden" name="token" value={ask.token} />
        {ask.password && (
          <Field
            name="password"
            label={t.password}
            type="password"
            autocomplete="current-password"
            hint={t.confirmPasswordHint}
            invalid={passwordAtFault}
            focus={passwordAtFault}
            toggle={{ show: t.showPassword, hide: t.hidePassword }}
          />
        )}
        <button type="submit" name="action" value="confirm">{t.confirmAddress}</button>
      </form>
      <h2>{t.notMineTitle}</h2>
      <p>{t.notMineBody}</p>
      <form method="post" action={ask.action}>
        <input type="hidden" name="csrf" value={ask.csrf} />
        <input type="hidden" name="token" value={ask.token} />
        <button type="submit" name="action" value="not_mine" class="secondary">{t.notMine}</button>
      </form>
    </AuthCard>
  );
}
