import { shortTime } from "@/lib/dashboard/format.ts";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { USER_ACCOUNT_TEXT } from "@/lib/dashboard/text/user_account.ts";
import { fill } from "@/lib/dashboard/i18n.ts";
import { CsrfField } from "./Frame.tsx";
import { Phrase } from "./Phrase.tsx";

type Props = {
  action: string;
  csrf: string;
  /** The link just made, shown once. */
  made?: { url: string; expires_at: string; ends_at: string };
  lang: Lang;
};

/**
 * "Sign in as this user" for admins and owners (docs/impersonation.md): a one-time link, the developer's email as
 * the actor in every token; the app should show a banner when a token carries `act`.
 */
export function ImpersonationSection({ action, csrf, made, lang }: Props) {
  const text = USER_ACCOUNT_TEXT[lang];
  return (
    <section class="card" aria-labelledby="impersonation-heading">
      <h2 id="impersonation-heading">{text.impersonationTitle}</h2>
      <p class="muted">
        <Phrase
          text={text.impersonationIntro}
          parts={{ act: <code>act: {"{"}{text.impersonationActor}{"}"}</code> }}
        />
      </p>
      {made && (
        <div role="status">
          <p>
            {fill(text.impersonationLink, {
              expires: shortTime(made.expires_at, lang),
              ends: shortTime(made.ends_at, lang),
            })}
          </p>
          <p>
            <a class="button" href={made.url} target="_blank" rel="noopener noreferrer">
              {text.openLink}
            </a>
          </p>
        </div>
      )}
      <form method="post" action={`${action}/impersonation`} class="form inline-form">
        <CsrfField token={csrf} />
        <label for="impersonation-minutes">{text.impersonationFor}</label>
        <select id="impersonation-minutes" name="minutes">
          {[5, 15, 30, 60].map((count) => (
            <option key={count} value={String(count)} selected={count === 15 || undefined}>
              {fill(text.minutes, { count })}
            </option>
          ))}
        </select>
        <label for="impersonation-reason">{text.reason}</label>
        <input id="impersonation-reason" name="reason" maxLength={500} placeholder={text.reasonPlaceholder} />
        <button type="submit" class="button secondary">{text.impersonationTitle}</button>
      </form>
    </section>
  );
}
