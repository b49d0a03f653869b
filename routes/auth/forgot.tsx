import { z } from "zod";
import { orHandOverToSso } from "@/lib/login/sso/required.tsx";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { countAttempt, signInWait } from "@/lib/login/flow.ts";
import { mailPasswordReset } from "@/lib/login/password_reset.ts";
import {
  AuthForm,
  authorizeRequest,
  authPage,
  type AuthPageData,
  authPageData,
  flowHref,
  readAuthForm,
} from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import { AuthCard, Field } from "@/components/login/AuthCard.tsx";
import { AuthFormPage } from "@/components/login/AuthFormPage.tsx";
import { PasswordsClosed } from "@/components/login/PasswordFree.tsx";
import { passwordsEnabled } from "@/lib/login/passwords_setting.ts";
import { botCheckRefusal, formOfPage, useBotCheck } from "@/lib/login/bot_check.ts";
import { BotCheck } from "@/components/login/BotCheck.tsx";

const ForgotForm = AuthForm.extend({ email: z.string().max(254) });

/**
 * "Forgot your password?": the answer is the same whether or not the email has an account, and requests count
 * against the same per-email limit as failed sign-ins, so neither guessing nor mail-bombing pays.
 */
export const handler: Handlers<AuthPageData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    useBotCheck(c, request.project, formOfPage(request.project, "forgot"));
    // A password-free project has no passwords to reset: the page says so (403), in the person's language.
    return authPage(
      authPageData(c, request, query),
      "forgotTitle",
      passwordsEnabled(request.project) ? 200 : 403,
    );
  },

  async POST(c) {
    const posted = await readAuthForm(c, ForgotForm, "forgotTitle");
    if (!("again" in posted)) return posted;
    const { form, query, request, again: show } = posted;
    // Bot protection first (docs/hosted-login.md#bot-protection): no lookup, no count, no mail without it.
    const bot = await botCheckRefusal(c, request.project, formOfPage(request.project, "forgot"));
    if (bot) return show({ error: bot.error }, bot.status);
    if (!passwordsEnabled(request.project)) return show({ error: "passwordsOff" }, 403);
    const wait = await signInWait(c, request.project, form.email);
    if (wait > 0) return show({ error: "tooMany", waitSeconds: wait }, 429);
    await countAttempt(c, request.project, form.email, "password_reset.requested");
    // Enforced SSO: the same hand-over for every address at the domain, known or not; nothing mailed.
    const mailed = await orHandOverToSso(c, () => mailPasswordReset(c, request, query, form.email));
    if (mailed instanceof Response) return mailed;
    return show({ notice: "linkSent" }, 200);
  },
};

/** Asks for the email to send a reset link to; once sent, says so instead. */
export default function Forgot({ data }: PageProps<AuthPageData>) {
  if (data.passwordsOff) {
    return <PasswordsClosed data={data} path="/auth/forgot" title="forgotTitle" subtitle="forgotFor" />;
  }
  const t = MESSAGES[data.lang];
  const back = (
    <p>
      <a href={flowHref("/auth/login", data)}>{t.signInInstead}</a>
    </p>
  );
  if (data.notice) {
    return (
      <AuthCard
        lang={data.lang}
        title="forgotTitle"
        subtitle="forgotFor"
        appName={data.appName}
        switchHref={flowHref("/auth/forgot", data, data.lang === "en" ? "id" : "en")}
      >
        <p role="status">{t[data.notice]}</p>
        {back}
      </AuthCard>
    );
  }
  return (
    <AuthFormPage data={data} path="/auth/forgot" title="forgotTitle" subtitle="forgotFor" after={back}>
      <p>{t.forgotIntro}</p>
      <Field name="email" label={t.email} type="email" value={data.email} autocomplete="email" />
      <BotCheck data={data} />
      <button type="submit">{t.sendLink}</button>
    </AuthFormPage>
  );
}
