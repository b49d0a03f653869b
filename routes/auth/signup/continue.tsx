/**
 * /auth/signup/continue — the project's terms after a first social sign-in, phone code or emailed code
 * (or magic link) from the sign-in page (settings.sign_up.require_legal_consent;
 * docs/hosted-login.md#legal-consent-at-sign-up). The callback (or the code's check) held the identity, number or
 * address server-side and gave this browser a token for it
 * (lib/login/held_sign_up.ts). GET shows the box and changes nothing; the POST (CSRF and Origin checked) with the
 * box ticked signs in with the held identity, once, and goes on as the callback or the code would have, with the
 * authorization request held with it (not the one the page's URL or form carries: those only choose the project
 * and render the page): a code to the app. A used, expired or unknown token (or another project's) is a page with
 * the way back to the sign-in page.
 */
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import {
  AuthForm,
  authorizeRequest,
  authPage,
  authPageData,
  langHref,
  readAuthForm,
} from "@/lib/login/pages.ts";
import { type AuthorizeRequest, requestQuery } from "@/lib/login/authorize_request.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { renderPage } from "@/lib/router/page.tsx";
import { accountRefusal } from "@/lib/login/social/errors.ts";
import { problemPage } from "@/lib/login/social/problem.ts";
import { SocialProblem } from "@/components/login/SocialProblem.tsx";
import { afterFirstFactor } from "@/lib/login/factors/step.ts";
import { forgetHeldToken, heldTokenHash } from "@/lib/login/held_sign_up.ts";
import { refusedSignUp } from "@/lib/login/sign_up_refusal.tsx";
import { countSignIn } from "@/lib/metrics/metrics.ts";
import { heldSocialSignUp, signUpWithHeldIdentity } from "@/db/held_social_sign_ups.ts";
import { SignUpContinue, type SignUpContinueData } from "@/components/login/SignUpContinue.tsx";
import { PhoneNumberForm, type PhonePageData } from "@/components/login/PhoneForms.tsx";
import { phonePage } from "@/lib/phone/page.ts";
import { useBotCheck } from "@/lib/login/bot_check.ts";
import type { PhoneMessageKey } from "@/lib/phone/i18n.ts";
import { EmailCode, type EmailCodeData } from "@/components/login/EmailCode.tsx";
import { emailCodeSignedIn } from "@/lib/login/email_code_signed_in.ts";

/** The email-code page, shown by this step when a held code cannot make the account now. */
type EmailRefusalData = EmailCodeData & { emailRefused: true };

const ContinueForm = AuthForm.extend({ legal_consent: z.literal("on").optional() });

/** Nothing (left) to finish here: the browser forgets its token, and the page leads back to sign in. */
function expired(c: Ctx, request: AuthorizeRequest, query: URLSearchParams) {
  forgetHeldToken(c);
  return authPage(
    { ...authPageData(c, request, query), mode: "expired" } as SignUpContinueData,
    "signUpContinueTitle",
    400,
  );
}

/**
 * A held phone code that cannot make the account now: the phone page with why, its form to send a new code (which
 * signs in to the account that has the number now). Nothing was used.
 */
function phoneRefusal(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  phoneError: PhoneMessageKey,
  status: number,
) {
  useBotCheck(c, request.project, "phone"); // its form sends a message
  return phonePage(
    c,
    request,
    new URLSearchParams(requestQuery(query)),
    "phoneTitle",
    { phoneError },
    status,
  );
}

/**
 * A held email code that cannot make the account now: the email-code page with why, its form to send a new code
 * (which signs in to the account that has the address now). Nothing was used.
 */
function emailRefusal(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  error: "emailCodeTaken" | "emailCodeNoSignUp",
  status: number,
) {
  useBotCheck(c, request.project, "email_code"); // its form sends a mail
  const page = new URLSearchParams(requestQuery(query));
  const data = { ...authPageData(c, request, page), mode: "ask", error, emailRefused: true };
  return authPage(data as EmailRefusalData, "emailCodeTitle", status);
}

export const handler: Handlers<SignUpContinueData | PhonePageData | EmailRefusalData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    const hash = await heldTokenHash(c);
    const held = hash && await heldSocialSignUp(c.var.deps.sql, request.project.id, hash);
    if (!held?.usable) return expired(c, request, query);
    return authPage(authPageData(c, request, query) as SignUpContinueData, "signUpContinueTitle");
  },

  async POST(c) {
    const posted = await readAuthForm(c, ContinueForm, "signUpContinueTitle");
    if (!("again" in posted)) return posted;
    // The form's request picks the project (another project's finds no held sign-in: RLS) and renders the page;
    // the sign-in goes on with the request held at the callback, whatever this one names.
    const { form, query, again, request } = posted;
    const hash = await heldTokenHash(c);
    if (!hash) return expired(c, request, query);
    let finished;
    try {
      // One call: it tells an expired step (the expired page, box ticked or not) from a missing box.
      finished = await signUpWithHeldIdentity(
        c.var.deps.sql,
        request.project.id,
        hash,
        form.legal_consent === "on",
      );
    } catch (error) {
      // Refused since the callback held it (a sign-up rule or SSO changed, the address taken by another account,
      // that account disabled): the same page the callback would show. The held sign-in stays until it expires.
      const refused = refusedSignUp(c, request, query, error);
      if (refused) return refused;
      const refusal = accountRefusal(error);
      if (!refusal) throw error;
      const lang = pickLang(c);
      return renderPage(
        c,
        SocialProblem,
        problemPage(c, refusal, {
          lang,
          appName: request.project.name,
          backHref: langHref("/auth/login", requestQuery(query), lang),
        }),
      );
    }
    // Used by another tab, expired, or never this project's: nothing left to finish.
    if (finished.status === "expired") return expired(c, request, query);
    // Postgres refused the account without the box (AS4N7), as the sign-up form does: nothing was used.
    if (finished.status === "consent_missing") return again({ error: "legalConsentMissing" }, 422);
    // A held phone or email code: its sign-ups off now, or an account has the number or address now.
    if (finished.status === "no_account" || finished.status === "taken") {
      const taken = finished.status === "taken";
      const status = taken ? 409 : 403;
      if (finished.kind === "email") {
        return emailRefusal(c, request, query, taken ? "emailCodeTaken" : "emailCodeNoSignUp", status);
      }
      return phoneRefusal(c, request, query, taken ? "numberTaken" : "noAccount", status);
    }
    forgetHeldToken(c);
    const heldQuery = new URLSearchParams(finished.sign_in_request);
    const held = await authorizeRequest(c, heldQuery);
    if (held instanceof Response) return held;
    if (finished.kind === "email") {
      // As the code's own page goes on (routes/auth/email-code.tsx): "otp", and a passkey offered to the new account.
      return await emailCodeSignedIn(c, held, heldQuery, finished);
    }
    if (finished.kind === "phone") {
      // As the code's own page goes on (routes/auth/phone/code.tsx): RFC 8176 "sms" for a code by SMS, "otp" by
      // WhatsApp, and the phone as the first factor (never the second step too). A new account claimed nothing.
      return await afterFirstFactor(c, held, heldQuery, finished.user_id, [
        finished.channel === "sms" ? "sms" : "otp",
      ], { firstFactor: "phone" });
    }
    countSignIn(finished.provider, "success", "none");
    // "fed": signed in by another identity provider, whose own factors Astapa cannot see.
    return await afterFirstFactor(c, held, heldQuery, finished.user_id, ["fed"]);
  },
};

export default function SignUpContinuePage(
  { data }: PageProps<SignUpContinueData | PhonePageData | EmailRefusalData>,
) {
  // A held email code refused at the step: the email-code page says why, with its form for a new code.
  if ("emailRefused" in data) return <EmailCode data={data} />;
  // A held phone code refused at the step: the phone page says why, with its form for a new code.
  if ("phoneError" in data && data.phoneError) return <PhoneNumberForm data={data} />;
  return <SignUpContinue data={data as SignUpContinueData} />;
}
