/**
 * The hosted sign-up page of a project whose sign-ups go through a waitlist (settings.sign_up.mode = waitlist):
 * an email-only form posting to /auth/waitlist; once posted, the one answer every address gets.
 */
import type { PageProps } from "@/lib/router/page.tsx";
import { type AuthPageData, flowHref } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { AuthCard, Field } from "./AuthCard.tsx";
import { AuthFormPage } from "./AuthFormPage.tsx";
import { BotCheck } from "./BotCheck.tsx";

/** "Join the waitlist", or "You're on the list" once joined (the same for every address). */
export function Waitlist({ data }: PageProps<AuthPageData>) {
  const t = MESSAGES[data.lang];
  const signIn = (
    <p>
      {t.haveAccount} <a href={flowHref("/auth/login", data)}>{t.signInInstead}</a>
    </p>
  );
  if (data.notice) {
    return (
      <AuthCard
        lang={data.lang}
        title="waitlistTitle"
        subtitle="waitlistFor"
        appName={data.appName}
        switchHref={flowHref("/auth/waitlist", data, data.lang === "en" ? "id" : "en")}
      >
        <p role="status" class="notice">{t[data.notice]}</p>
        {signIn}
      </AuthCard>
    );
  }
  return (
    <AuthFormPage
      data={data}
      path="/auth/waitlist"
      title="waitlistTitle"
      subtitle="waitlistFor"
      fieldHasFocus={data.error === "invalidEmail"}
      after={signIn}
    >
      <p>{t.waitlistIntro}</p>
      <Field
        name="email"
        label={t.email}
        type="email"
        value={data.email}
        autocomplete="email"
        invalid={data.error === "invalidEmail"}
        focus={data.error === "invalidEmail"}
      />
      <BotCheck data={data} />
      <button type="submit">{t.waitlistJoin}</button>
    </AuthFormPage>
  );
}
