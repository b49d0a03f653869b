import type { ComponentChildren } from "preact";
import type { AuthPageData } from "@/lib/login/pages.ts";
import { flowHref } from "@/lib/login/pages.ts";
import type { MessageKey } from "@/lib/login/i18n.ts";
import { AuthCard } from "./AuthCard.tsx";
import { CheckEmail } from "./CheckEmail.tsx";
import { SocialButtons } from "./SocialButtons.tsx";
import { ThirdPartyNotice } from "./ThirdPartyNotice.tsx";
import { BotCheck } from "./BotCheck.tsx";

type AuthFormPageProps = {
  data: AuthPageData;
  /** The page's own path: the form posts here and the language switch links here. */
  path: string;
  /** Where the form posts, when not `path` (a password-free project's sign-in sends an email code). */
  action?: string;
  title: MessageKey;
  subtitle: MessageKey;
  /** Offer the Google/GitHub buttons (sign-in and sign-up). */
  social?: boolean;
  /** The sign-up form: where consent is asked (data.legalConsent), the social buttons post the form with its box. */
  signUp?: boolean;
  /** Extra query for the language switch (the reset link's token). */
  keep?: string;
  /** A notice (sign-up done, check your email) stands alone: the form is not shown again under it. */
  noticeReplacesForm?: boolean;
  /** A field takes the focus for the page's error (else the error message does). */
  fieldHasFocus?: boolean;
  /** The form's fields and button; what follows the form goes in `after`. */
  children: ComponentChildren;
  after?: ComponentChildren;
};

/**
 * Every hosted-login form page: the card, the social buttons, a notice with "send again", and a form that
 * carries the authorization request and the CSRF token.
 */
export function AuthFormPage(
  {
    data,
    path,
    action,
    title,
    subtitle,
    social,
    signUp,
    keep,
    noticeReplacesForm,
    fieldHasFocus,
    children,
    after,
  }: AuthFormPageProps,
) {
  const other = data.lang === "en" ? "id" : "en";
  const formShown = !(noticeReplacesForm && data.notice);
  const postWith = signUp && data.legalConsent && formShown ? "auth-form" : undefined;
  return (
    <AuthCard
      lang={data.lang}
      title={title}
      subtitle={subtitle}
      appName={data.appName}
      error={data.error}
      waitSeconds={data.waitSeconds}
      fieldHasFocus={fieldHasFocus}
      switchHref={`${flowHref(path, data, other)}${keep ?? ""}`}
    >
      {data.thirdParty && <ThirdPartyNotice lang={data.lang} thirdParty={data.thirdParty} />}
      {social && !(noticeReplacesForm && data.notice) && (
        <SocialButtons
          lang={data.lang}
          providers={data.providers ?? []}
          request={data.request}
          postWith={postWith}
        />
      )}
      {data.notice && (
        <CheckEmail
          lang={data.lang}
          notice={data.notice}
          waitSeconds={data.waitSeconds}
          request={data.request}
          csrf={data.csrf}
          email={data.email}
          botCheck={
            // The page's own form loads the provider's script when it has a widget too.
            <BotCheck data={data} widget={data.resendBotCheck} script={!(formShown && data.botCheck)} />
          }
        />
      )}
      {formShown && (
        <form method="post" action={`${action ?? path}?lang=${data.lang}`} novalidate id={postWith}>
          <input type="hidden" name="request" value={data.request} />
          <input type="hidden" name="csrf" value={data.csrf} />
          {children}
        </form>
      )}
      {after}
    </AuthCard>
  );
}
