/**
 * /auth/email-code — sign in without a password: "Email me a code" mails a 6-digit code (10 minutes, 5 tries,
 * single use) and a magic link in the same mail to the project's user behind the address (or, where the project
 * lets codes create accounts, to a new address: the code creates the user); the answer is the same either way. Sending counts toward the strict per-email and per-address mail limit,
 * wrong codes toward the sign-in lockout (both in Postgres, for every instance). Signing in this way verifies
 * the address. The magic link (routes/auth/email-code/link.tsx) posts back here. No JavaScript needed.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import type { Ctx } from "@/lib/app_env.ts";
import {
  AuthForm,
  authorizeRequest,
  authPage,
  authPageData,
  readAuthForm,
  STALE_FORM,
} from "@/lib/login/pages.ts";
import { type AuthorizeRequest, requestQuery } from "@/lib/login/authorize_request.ts";
import { countAttempt, signInWait } from "@/lib/login/flow.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import {
  emailCodesEnabled,
  emailCodeSignUp,
  newEmailCode,
  newMagicLink,
  typedCode,
} from "@/lib/login/email_codes.ts";
import { emailCodeMail } from "@/lib/login/email_code_mail.ts";
import { mailEmailCode, redeemEmailCode, redeemEmailCodeLink } from "@/db/email_codes.ts";
import { type ClaimNotice, claimNotice } from "@/lib/login/claimed_mail.ts";
import { countSignIn } from "@/lib/metrics/metrics.ts";
import { sha256 } from "@/lib/secrets.ts";
import { orSignUpRefusal } from "@/lib/login/sign_up_refusal.tsx";
import { orHandOverToSso } from "@/lib/login/sso/required.tsx";
import { EmailCode, type EmailCodeData } from "@/components/login/EmailCode.tsx";
import { botCheckRefusal, useBotCheck } from "@/lib/login/bot_check.ts";
import { withGuest, withoutGuest } from "@/lib/login/guest_hint.ts";
import { newHeldToken, toConsentStep } from "@/lib/login/held_sign_up.ts";
import { emailCodeSignedIn as signedIn } from "@/lib/login/email_code_signed_in.ts";

const CodeForm = AuthForm.extend({
  action: z.enum(["send", "verify", "link"]),
  email: z.string().max(254).default(""),
  code: z.string().max(20).default(""),
  token: z.string().max(64).default(""),
  // The sign-up form's "I agree" (settings.sign_up.require_legal_consent), carried by the code page's forms.
  legal_consent: z.literal("on").optional(),
});

/** The step a stale form came from, as a reload shows it: the address asked, the code for it, the link's button. */
const STALE_STEP: Record<
  z.infer<typeof CodeForm>["action"],
  (form: z.infer<typeof CodeForm>) => Partial<EmailCodeData>
> = {
  send: (form) => ({ mode: "ask", email: form.email.trim() }),
  verify: (form) => ({ mode: "code", email: form.email.trim() }),
  link: (form) => ({ mode: "link", token: form.token }),
};

function show(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  extra: Partial<EmailCodeData>,
  status = 200,
) {
  return authPage(
    {
      ...authPageData(c, request, query),
      ...(emailCodeSignUp(request.project) ? { signUp: true } : {}),
      ...extra,
    } as EmailCodeData,
    "emailCodeTitle",
    status,
  );
}

/**
 * The mail that tells a person their code claimed an account nobody had proven the address of, and what it
 * removed (docs/security.md, "Pre-account hijacking"). Postgres reports a claim only when it removed something.
 */
function noticeOfClaim(c: Ctx, request: AuthorizeRequest): ClaimNotice {
  return claimNotice(pickLang(c), request.project.name, "email_code", request.project.settings);
}

export const handler: Handlers<EmailCodeData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const asked = await authorizeRequest(c, query);
    if (asked instanceof Response) return asked;
    // A guest's sign-up (docs/anonymous-users.md): a hint that names no guest goes back to the app now.
    const request = await withGuest(c, asked);
    if (request instanceof Response) return request;
    if (!emailCodesEnabled(request.project)) return show(c, request, query, { mode: "expired" }, 404);
    useBotCheck(c, request.project, "email_code");
    return show(c, request, query, { mode: "ask", email: request.loginHint });
  },

  async POST(c) {
    const posted = await readAuthForm(
      c,
      CodeForm,
      "emailCodeTitle",
      (request, query, form) =>
        show(
          c,
          request,
          query,
          { ...STALE_STEP[form.action](form), error: STALE_FORM.error },
          STALE_FORM.status,
        ),
    );
    if (!("again" in posted)) return posted;
    const { form, query } = posted;
    const request = await withGuest(c, posted.request);
    if (request instanceof Response) return request;
    if (!emailCodesEnabled(request.project)) return show(c, request, query, { mode: "expired" }, 404);
    const { sql, config } = c.var.deps;
    const email = form.email.trim();
    // Kept on the code page, and with the mailed code (api.mail_email_code): the code typed here and the magic link
    // opened from the mail both make the account with it.
    const consented = form.legal_consent === "on";
    const kept = consented ? { consented } : {};
    // Bot protection on sending a code (docs/hosted-login.md#bot-protection): no lookup, no count, no mail.
    if (form.action === "send") {
      const bot = await botCheckRefusal(c, request.project, "email_code");
      if (bot) return show(c, request, query, { mode: "ask", email, error: bot.error, ...kept }, bot.status);
    } else useBotCheck(c, request.project, "email_code"); // the code page's "send again" shows the widget
    // A new account the project asks consent for is held under this token (unused otherwise): the code or link is
    // used up, and the person agrees on the next page, in this browser, which makes the account
    // (docs/hosted-login.md#legal-consent-at-sign-up).
    const hold = { ...await newHeldToken(), request: requestQuery(query) };
    if (form.action === "link") {
      const redeemed = /^[A-Za-z0-9_-]{43}$/.test(form.token)
        ? await orSignUpRefusal(c, request, query, async () =>
          redeemEmailCodeLink(
            sql,
            request.project.id,
            await sha256(form.token),
            noticeOfClaim(c, request),
            request.invitation,
            { tokenHash: hold.hash, request: hold.request },
          ))
        : null;
      if (redeemed instanceof Response) return redeemed;
      if (!redeemed) return show(c, request, query, { mode: "expired" }, 400);
      if ("held" in redeemed) return toConsentStep(c, hold.token, hold.request, pickLang(c));
      return await signedIn(c, request, query, redeemed);
    }
    if (form.action === "send") {
      const wait = await signInWait(c, request.project, email, "mail");
      if (wait > 0) {
        return show(
          c,
          request,
          query,
          { mode: "ask", email, error: "tooMany", waitSeconds: wait, ...kept },
          429,
        );
      }
      await countAttempt(c, request.project, email, "email_code.requested");
      const code = newEmailCode();
      const link = newMagicLink(config.baseUrl, request.project);
      const mail = emailCodeMail(pickLang(c), request.project.name, code, link.url, request.project.settings);
      const hashes = { code: await sha256(code), link: await sha256(link.token) };
      // Enforced SSO: the same hand-over for every address at the domain, known or not (no enumeration).
      // The magic link leaves a guest out: opened by whoever reads the mail, in any browser, it must not give a
      // guest (whose tokens the requester holds) the address; the code typed here, in the guest's page, keeps it.
      const mailed = await orHandOverToSso(
        c,
        () =>
          mailEmailCode(
            sql,
            request.project.id,
            email,
            hashes,
            withoutGuest(requestQuery(query)),
            mail,
            consented,
          ),
      );
      if (mailed instanceof Response) return mailed;
      return show(c, request, query, { mode: "code", email, ...kept });
    }
    const wait = await signInWait(c, request.project, email, "password");
    if (wait > 0) {
      return show(
        c,
        request,
        query,
        { mode: "code", email, error: "tooMany", waitSeconds: wait, ...kept },
        429,
      );
    }
    const code = typedCode(form.code);
    const redeemed = code
      ? await orSignUpRefusal(c, request, query, async () =>
        redeemEmailCode(
          sql,
          request.project.id,
          email,
          await sha256(code),
          noticeOfClaim(c, request),
          request.invitation,
          request.guestSub,
          consented,
          { tokenHash: hold.hash, request: hold.request },
        ))
      : null;
    if (redeemed instanceof Response) return redeemed;
    if (!redeemed) {
      await countAttempt(c, request.project, email, "sign_in.failed");
      countSignIn("email_code", "failure", "wrong_credentials");
      return show(c, request, query, { mode: "code", email, error: "emailCodeWrong", ...kept }, 422);
    }
    if ("held" in redeemed) return toConsentStep(c, hold.token, hold.request, pickLang(c));
    return await signedIn(c, request, query, redeemed);
  },
};

export default function EmailCodePage({ data }: PageProps<EmailCodeData>) {
  return <EmailCode data={data} />;
}
