import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { liveSession } from "@/db/login.ts";
import { readSession } from "@/lib/login/browser.ts";
import { finishSignIn } from "@/lib/login/flow.ts";
import { mfaOwed } from "@/lib/login/factors/policy.ts";
import { redirectTo } from "@/lib/login/authorize_request.ts";
import { AuthForm, type AuthPageData, readAuthForm } from "@/lib/login/pages.ts";
import { ConsentForm } from "@/components/login/ConsentForm.tsx";

const ConsentDecision = AuthForm.extend({ decision: z.enum(["allow", "deny"]) });

/** "Allow" or "Deny": the signed-in person lets a dynamically registered client have a code (see routes/auth/login.tsx). */
export const handler: Handlers<AuthPageData> = {
  async POST(c) {
    const posted = await readAuthForm(c, ConsentDecision, "consentTitle");
    if (!("again" in posted)) return posted;
    const { form, request, query } = posted;
    if (form.decision === "deny") {
      const target = redirectTo(request, c.var.deps.config.baseUrl, {
        error: "access_denied",
        error_description: "The person did not allow this app.",
      });
      return c.redirect(target, 303);
    }
    const session = readSession(c, request.project.id);
    const live = session ? await liveSession(c.var.deps.sql, request.project.id, session) : null;
    // The session ended meanwhile, or lacks a factor this request needs: sign in (or step up) again first.
    if (!session || !live || mfaOwed(request.project, request.acrValues, live.amr)) {
      return c.redirect(`/auth/login?${query}`, 303);
    }
    return await finishSignIn(c, request, query, live.user_id, session, {
      amr: live.amr,
      authTime: new Date(live.auth_time * 1000),
    });
  },
};

export default function Consent({ data }: PageProps<AuthPageData>) {
  return <ConsentForm data={data} />;
}
