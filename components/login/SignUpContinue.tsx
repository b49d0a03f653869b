/**
 * /auth/signup/continue: after a first Google/GitHub/Apple sign-in from the sign-in page, the project's terms to
 * agree to before the account is made (Clerk's "missing requirements" step); or, the step used or expired, the
 * way back to the sign-in page. No JavaScript.
 */
import type { AuthPageData } from "@/lib/login/pages.ts";
import { flowHref } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { AuthCard } from "./AuthCard.tsx";
import { LegalConsent } from "./LegalConsent.tsx";

export type SignUpContinueData = AuthPageData & {
  /** expired: nothing left to finish here; otherwise the box and Continue. */
  mode?: "expired";
};

export function SignUpContinue({ data }: { data: SignUpContinueData }) {
  const t = MESSAGES[data.lang];
  const other = data.lang === "en" ? "id" : "en";
  return (
    <AuthCard
      lang={data.lang}
      title="signUpContinueTitle"
      subtitle="signUpTo"
      appName={data.appName}
      error={data.error}
      fieldHasFocus={data.error === "legalConsentMissing"}
      switchHref={flowHref("/auth/signup/continue", data, other)}
    >
      {data.mode !== "expired"
        ? (
          <form method="post" action={`/auth/signup/continue?lang=${data.lang}`} novalidate>
            <input type="hidden" name="request" value={data.request} />
            <input type="hidden" name="csrf" value={data.csrf} />
            <p>{t.signUpContinueIntro}</p>
            <LegalConsent data={data} />
            <button type="submit">{t.signUpContinueButton}</button>
          </form>
        )
        : (
          <>
            <p>{t.signUpContinueExpired}</p>
            <p>
              <a class="button" href={flowHref("/auth/login", data)}>{t.backToSignIn}</a>
            </p>
          </>
        )}
    </AuthCard>
  );
}
