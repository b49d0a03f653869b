import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { mailEmailLink } from "@/db/login.ts";
import { countAttempt, RESEND_GAP_SECONDS, resendGap, signInWait } from "@/lib/login/flow.ts";
import { AuthForm, authPage, authPageData, readAuthForm, STALE_FORM } from "@/lib/login/pages.ts";
import { newVerification } from "@/lib/login/verification.ts";
import { formOfPage, resendCheckRefusal, useBotCheck } from "@/lib/login/bot_check.ts";

const ResendForm = AuthForm.extend({ email: z.string().max(254) });

/**
 * "Send the link again": the same answer whether or not the address needs one, behind the project's bot check
 * (`resend`), throttled with the sign-in attempts of that email and address so it cannot flood a mailbox, and
 * one link a minute at most; the answer says when the next may be asked for.
 */
export const handler: Handlers = {
  async POST(c) {
    // Stale: "check your email" again, saying so, with a working "send the link again".
    const posted = await readAuthForm(c, ResendForm, "signInTitle", (request, query, form) =>
      authPage(
        authPageData(c, request, query, { email: form.email, notice: "checkEmail", error: STALE_FORM.error }),
        "signInTitle",
        STALE_FORM.status,
      ));
    if (!("again" in posted)) return posted;
    const { form, query, request, again } = posted;
    // The page answered is the sign-in page: its own form keeps its widget.
    useBotCheck(c, request.project, formOfPage(request.project, "sign_in"));
    // Bot protection first (docs/hosted-login.md#bot-protection): nothing counted, nothing mailed without it.
    const bot = await resendCheckRefusal(c, request.project);
    if (bot) return again({ notice: "checkEmail", error: bot.error }, bot.status);
    const wait = await signInWait(c, request.project, form.email);
    if (wait > 0) return again({ error: "tooMany", waitSeconds: wait }, 429);
    const gap = await resendGap(c, request.project, form.email);
    if (gap > 0) return again({ notice: "resendTooSoon", waitSeconds: gap }, 429);
    await countAttempt(c, request.project, form.email, "verification.resent");
    const link = await newVerification(c, request, query);
    await mailEmailLink(c.var.deps.sql, request.project.id, form.email, "verify_email", link);
    return again({ notice: "linkResent", waitSeconds: RESEND_GAP_SECONDS }, 200);
  },
};

/** Answers with the sign-in page, showing the notice and the form to try again. */
export { default } from "./login.tsx";
