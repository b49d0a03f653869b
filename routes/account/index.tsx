import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import type { Ctx } from "@/lib/app_env.ts";
import { changeAccount } from "@/db/account.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { writeSession } from "@/lib/login/browser.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { readAccountForm } from "@/lib/account/form.ts";
import { changeFor, NOTICE_OF, profileRefusal, REFUSED } from "@/lib/account/changes.ts";
import { type AccountTarget, accountTarget, sessionHash, signInToAccount } from "@/lib/account/target.ts";
import { renderAccount, showAccount } from "@/lib/account/page.tsx";
import { AccountPage, type AccountPageData } from "@/components/account/AccountPage.tsx";

/** What a change may report back on the page after its redirect (?done= / ?problem=). */
const NOTICES = [
  "profileSaved",
  "emailSent",
  "passwordSaved",
  "unlinked",
  "othersEnded",
  "revoked",
  "leftOrganization",
  "consentRevoked",
] as const;
const PROBLEMS = [
  "nameInvalid",
  "givenNameInvalid",
  "familyNameInvalid",
  "localeInvalid",
  "pictureInvalid",
  "nicknameInvalid",
  "middleNameInvalid",
  "preferredUsernameInvalid",
  "websiteInvalid",
  "zoneinfoInvalid",
  "emailInvalid",
  "weakPassword",
  "commonPassword",
  "breachedPassword",
  "lastMethod",
  "deleteMismatch",
  "staleForm",
  "lastOwner",
  "impersonated",
  "emailManaged",
  "emailAtSsoDomain",
] as const;

const Shown = z.object({
  done: z.enum(NOTICES).optional().catch(undefined),
  problem: z.enum(PROBLEMS).optional().catch(undefined),
  count: z.coerce.number().int().min(0).max(1000).optional().catch(undefined),
});

/** Back to the account page after a change (post/redirect/get), saying what happened. */
function back(c: Ctx, target: AccountTarget, outcome: Record<string, string | number>) {
  const params = new URLSearchParams(target.query);
  params.set("lang", pickLang(c));
  for (const [key, value] of Object.entries(outcome)) params.set(key, String(value));
  return c.redirect(`/account?${params}`, 303);
}

/** The signed-in person's own account: what they see of it, and each change they make (one form each). */
export const handler: Handlers<AccountPageData> = {
  async GET(c) {
    const params = new URL(c.req.url).searchParams;
    const target = await accountTarget(c, params);
    const shown = Shown.parse(Object.fromEntries(params));
    return await showAccount(
      c,
      target,
      { notice: shown.done, error: shown.problem, count: shown.count },
      params,
    );
  },

  async POST(c) {
    const posted = await readAccountForm(c);
    if (posted instanceof Response) return posted;
    const { form, target } = posted;
    const hash = await sessionHash(c, target.project.id);
    if (!hash) return signInToAccount(c, target, pickLang(c), false);
    const change = await changeFor(c, target, form);
    if (typeof change === "string") return back(c, target, { problem: change });
    let answer: unknown;
    try {
      answer = await changeAccount(c.var.deps.sql, target.project.id, hash, change);
    } catch (error) {
      const code = toAppError(error).code;
      // Signed out meanwhile, or signed in too long ago for this change: through the hosted login again.
      if (code === "invalid_grant") return signInToAccount(c, target, pickLang(c), false);
      if (code === "forbidden") return signInToAccount(c, target, pickLang(c), true);
      // Support staff signed in as the person: the page says only the person may (docs/impersonation.md).
      if (code === "impersonated") return back(c, target, { problem: "impersonated" });
      if (code === "email_managed_by_sso") return back(c, target, { problem: "emailManaged" });
      if (code === "sso_required" && change.kind === "email") {
        return back(c, target, { problem: "emailAtSsoDomain" });
      }
      if (code === "conflict" && change.kind === "unlink") return back(c, target, { problem: "lastMethod" });
      if (code === "conflict" && change.kind === "leaveOrganization") {
        return back(c, target, { problem: "lastOwner" });
      }
      if (code === "validation_failed" && change.kind === "profile") {
        return back(c, target, { problem: profileRefusal(toAppError(error).description) });
      }
      if (code === "validation_failed") {
        return back(c, target, { problem: REFUSED[change.kind] ?? "staleForm" });
      }
      throw error;
    }
    if (change.kind === "delete") {
      writeSession(c, target.project.id, null);
      return renderAccount(c, target, { account: null });
    }
    const notice = NOTICE_OF[change.kind === "unlink" ? "unlinkedIdentity" : change.kind];
    return back(c, target, { done: notice, ...(typeof answer === "number" ? { count: answer } : {}) });
  },
};

export default function Account({ data }: PageProps<AccountPageData>) {
  return <AccountPage data={data} />;
}
