import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import {
  AuthForm,
  authorizeRequest,
  authPage,
  type AuthPageData,
  authPageData,
  readAuthForm,
} from "@/lib/login/pages.ts";
import { requestQuery } from "@/lib/login/authorize_request.ts";
import { signUpMode } from "@/lib/login/sign_up_mode.ts";
import { botCheckRefusal, useBotCheck } from "@/lib/login/bot_check.ts";
import { joinWaitlist } from "@/db/waitlist.ts";
import { waitlistJoinBuckets } from "@/lib/waitlist/join_limits.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { Waitlist } from "@/components/login/Waitlist.tsx";

const WaitlistForm = AuthForm.extend({ email: z.string().max(254) });

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * "Join the waitlist" (settings.sign_up.mode = waitlist; /auth/signup shows the same page): the answer is the same
 * whatever the address is (new, waiting, approved, declined, an account's), so it tells nobody who asked before.
 * Bot protection is the sign-up form's; joins are limited per address and IP (lib/waitlist/join_limits.ts); the
 * page's language is kept for the approval mail. A project without a waitlist sends the request to its sign-up
 * page.
 */
export const handler: Handlers<AuthPageData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    if (signUpMode(request.project) !== "waitlist") {
      return c.redirect(`/auth/signup?${requestQuery(query)}`, 303);
    }
    useBotCheck(c, request.project, "sign_up");
    return authPage(authPageData(c, request, query), "waitlistTitle");
  },

  async POST(c) {
    const posted = await readAuthForm(c, WaitlistForm, "waitlistTitle");
    if (!("again" in posted)) return posted;
    const { form, query, request, again } = posted;
    if (signUpMode(request.project) !== "waitlist") {
      return c.redirect(`/auth/signup?${requestQuery(query)}`, 303);
    }
    // Bot protection first (docs/hosted-login.md#bot-protection): nothing stored without it.
    const bot = await botCheckRefusal(c, request.project, "sign_up");
    if (bot) return again({ error: bot.error }, bot.status);
    const email = form.email.trim();
    if (!EMAIL.test(email)) return again({ error: "invalidEmail" }, 422);
    const buckets = waitlistJoinBuckets(c, request.project, email);
    const wait = await joinWaitlist(c.var.deps.sql, request.project.id, {
      email,
      lang: pickLang(c),
      buckets,
    });
    // Over a limit: the sign-in forms' 429 page, whatever the address's state (nothing written).
    if (wait > 0) return again({ error: "tooMany", waitSeconds: wait }, 429);
    return again({ notice: "waitlistJoined" }, 200);
  },
};

export default function WaitlistPage(props: PageProps<AuthPageData>) {
  return <Waitlist {...props} />;
}
