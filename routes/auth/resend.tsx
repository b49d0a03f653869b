import { z } from "zod";
import type { Handlers } from "../../lib/router/routes.ts";
import { mailEmailLink } from "../../db/login.ts";
import { countAttempt, signInWait } from "../../lib/login/flow.ts";
import { AuthForm, readAuthForm } from "../../lib/login/pages.ts";
import { newVerification } from "../../lib/login/verification.ts";

const ResendForm = AuthForm.extend({ email: z.string().max(254) });

/**
 * "Send the link again": the same answer whether or not the address needs one, throttled with the sign-in
 * attempts of that email so it cannot flood a mailbox.
 */
export const handler: Handlers = {
  async POST(c) {
    const posted = await readAuthForm(c, ResendForm, "signInTitle");
    if (!("again" in posted)) return posted;
    const { form, query, request, again } = posted;
    if (await signInWait(c, request.project, form.email) > 0) return again({ error: "tooMany" }, 429);
    await countAttempt(c, request.project, form.email, "verification.resent");
    const link = await newVerification(c, request, query);
    await mailEmailLink(c.var.deps.sql, request.project.id, form.email, "verify_email", link);
    return again({ notice: "checkEmail" }, 200);
  },
};

/** Answers with the sign-in page, showing the notice and the form to try again. */
export { default } from "./login.tsx";
