/**
 * /auth/signup/passkey — sign-up on a passkeys-only project (passwords off, passkeys on, no email code that
 * creates accounts): the address from /auth/signup gets a 6-digit code (10 minutes, 5 tries; the same answer
 * for every address), the right code makes the account, verified, with no way in yet, and the person then
 * registers a passkey; only then is the app told of a sign-in. An abandoned attempt leaves at most that
 * account, which signing up again with the address resumes (docs/passkeys.md). Sending asks for the project's
 * bot check (`passkey_sign_up`) and counts toward the per-address mail limit, wrong codes toward the sign-in
 * lockout (both in Postgres). English and Indonesian.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import type { Ctx } from "@/lib/app_env.ts";
import { AuthForm, authPage, authPageData, readAuthForm, STALE_FORM } from "@/lib/login/pages.ts";
import type { AuthorizeRequest } from "@/lib/login/authorize_request.ts";
import { countAttempt, signInWait } from "@/lib/login/flow.ts";
import { afterFirstFactor } from "@/lib/login/factors/step.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { newEmailCode, typedCode } from "@/lib/login/email_codes.ts";
import { passkeySignUp } from "@/lib/login/passkeys/settings.ts";
import { legalConsentAsked } from "@/lib/login/sign_up_mode.ts";
import { finishSignUp } from "@/lib/login/passkeys/sign_up.ts";
import { passkeySignUpMail } from "@/lib/login/passkey_sign_up_mail.ts";
import { claimNotice } from "@/lib/login/claimed_mail.ts";
import { orSignUpRefusal } from "@/lib/login/sign_up_refusal.tsx";
import { orHandOverToSso } from "@/lib/login/sso/required.tsx";
import { mailPasskeySignUpCode, provePasskeySignUp } from "@/db/passkey_sign_ups.ts";
import { passkeyRefused } from "@/db/passkeys.ts";
import { botCheckRefusal, useBotCheck } from "@/lib/login/bot_check.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { PasskeySignUp, type PasskeySignUpData } from "@/components/login/PasskeySignUp.tsx";
import { withGuest } from "@/lib/login/guest_hint.ts";

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

const SignUpForm = AuthForm.extend({
  action: z.enum(["send", "verify", "passkey"]),
  email: z.string().max(254).default(""),
  sign_up: z.string().max(64).default(""),
  code: z.string().max(20).default(""),
  credential: z.string().max(40_000).default(""),
  name: z.string().max(200).default(""),
  // The sign-up form's "I agree" (settings.sign_up.require_legal_consent), carried to the code that makes the account.
  legal_consent: z.literal("on").optional(),
});

function show(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  data: Partial<PasskeySignUpData>,
  status = 200,
) {
  return authPage(
    { ...authPageData(c, request, query), ...data } as PasskeySignUpData,
    "signUpTitle",
    status,
  );
}

/** The step a stale form came from, as a reload shows it: the address, the code for it, the passkey to make. */
function staleStep(form: z.infer<typeof SignUpForm>): Partial<PasskeySignUpData> {
  const email = form.email.trim();
  if (form.action === "send" || !TOKEN.test(form.sign_up)) return { mode: "ask", email };
  return { mode: form.action === "verify" ? "code" : "passkey", email, signUp: form.sign_up };
}

const passkeyName = (text: string, fallback: string) =>
  text.replace(/[\p{Cc}\p{Cf}]/gu, "").trim().slice(0, 64) || fallback;

export const handler: Handlers<PasskeySignUpData> = {
  async POST(c) {
    const posted = await readAuthForm(
      c,
      SignUpForm,
      "signUpTitle",
      (request, query, form) =>
        show(c, request, query, { ...staleStep(form), error: STALE_FORM.error }, STALE_FORM.status),
    );
    if (!("again" in posted)) return posted;
    const { form, query, again } = posted;
    // A guest's sign-up (docs/anonymous-users.md): the account the code makes is the guest's own row.
    const request = await withGuest(c, posted.request);
    if (request instanceof Response) return request;
    if (!passkeySignUp(request.project)) {
      return show(c, request, query, { mode: "expired", error: "passkeySignUpClosed" }, 404);
    }
    const { sql } = c.var.deps;
    const email = form.email.trim();
    const token = TOKEN.test(form.sign_up) ? form.sign_up : null;
    const consented = form.legal_consent === "on";
    const kept = consented ? { consented } : {};
    // Every page of this sign-up can send a code ("send again" on the code page): each shows the widget.
    useBotCheck(c, request.project, "passkey_sign_up");
    if (form.action === "send") {
      // Bot protection first (docs/hosted-login.md#bot-protection): nothing counted or mailed without it.
      const bot = await botCheckRefusal(c, request.project, "passkey_sign_up");
      if (bot) {
        const step = token ? { mode: "code" as const, signUp: token } : { mode: "ask" as const };
        return show(c, request, query, { ...step, email, error: bot.error, ...kept }, bot.status);
      }
      if (!EMAIL.test(email)) return again({ error: "invalidEmail" }, 422);
      // Asked before any code is mailed; Postgres refuses the account without it too (AS4N7).
      if (legalConsentAsked(request.project) && !consented) {
        return again({ error: "legalConsentMissing" }, 422);
      }
      const wait = await signInWait(c, request.project, email, "mail");
      if (wait > 0) return again({ error: "tooMany", waitSeconds: wait }, 429);
      await countAttempt(c, request.project, email, "email_code.requested");
      const code = newEmailCode();
      const fresh = randomSecret();
      const mail = passkeySignUpMail(pickLang(c), request.project.name, code, request.project.settings);
      const mailed = await orHandOverToSso(
        c,
        async () =>
          mailPasskeySignUpCode(sql, request.project.id, email, {
            token: await sha256(fresh),
            code: await sha256(code),
          }, mail),
      );
      if (mailed instanceof Response) return mailed;
      return show(c, request, query, { mode: "code", email, signUp: fresh, ...kept });
    }
    if (!token) return show(c, request, query, { mode: "expired", error: "passkeySignUpExpired" }, 400);
    if (form.action === "verify") {
      const wait = await signInWait(c, request.project, email, "password");
      if (wait > 0) {
        return show(c, request, query, {
          mode: "code",
          email,
          signUp: token,
          error: "tooMany",
          waitSeconds: wait,
          ...kept,
        }, 429);
      }
      const code = typedCode(form.code);
      const proven = code
        ? await orSignUpRefusal(c, request, query, async () =>
          provePasskeySignUp(
            sql,
            request.project.id,
            await sha256(token),
            await sha256(code),
            claimNotice(pickLang(c), request.project.name, "passkey_sign_up", request.project.settings),
            request.invitation,
            request.guestSub,
            consented,
          ))
        : null;
      if (proven instanceof Response) return proven;
      if (!proven) {
        await countAttempt(c, request.project, email, "sign_in.failed");
        return show(c, request, query, {
          mode: "code",
          email,
          signUp: token,
          error: "emailCodeWrong",
          ...kept,
        }, 422);
      }
      return show(c, request, query, { mode: "passkey", email, signUp: token });
    }
    try {
      const finished = await finishSignUp(
        c,
        request.project.id,
        token,
        form.credential,
        passkeyName(form.name, "Passkey"),
      );
      if ("refused" in finished) {
        await passkeyRefused(sql, request.project.id, finished.refused, {
          address: clientAddress(c),
          ceremony: "sign_up",
        });
        return show(
          c,
          request,
          query,
          { mode: "passkey", email, signUp: token, error: "passkeyNotAdded" },
          400,
        );
      }
      // The mailbox proved who this is (RFC 8176 otp, like a sign-up by email code); the passkey is theirs now.
      // The mailbox (otp) and the passkey just made with user verification: the project's second step is met,
      // as enrolling an app during sign-in meets it.
      return await afterFirstFactor(c, request, query, finished.userId, ["otp", ...finished.amr]);
    } catch (error) {
      const code = toAppError(error).code;
      if (code === "forbidden") {
        return show(c, request, query, { mode: "expired", error: "passkeySignUpExpired" }, 403);
      }
      if (code === "conflict") {
        return show(
          c,
          request,
          query,
          { mode: "passkey", email, signUp: token, error: "passkeyNotAdded" },
          409,
        );
      }
      throw error;
    }
  },
};

export default function PasskeySignUpPage({ data }: PageProps<PasskeySignUpData>) {
  return <PasskeySignUp data={data} />;
}
