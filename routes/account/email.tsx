import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import type { Ctx } from "@/lib/app_env.ts";
import {
  confirmEmailChange,
  type EmailChangeOutcome,
  type PendingEmailChange,
  pendingEmailChange,
} from "@/db/account.ts";
import { readBody } from "@/lib/http/body.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { csrfToken, formAccepted } from "@/lib/login/browser.ts";
import { type Lang, pickLang } from "@/lib/login/i18n.ts";
import { sha256 } from "@/lib/secrets.ts";
import { type AccountKey, accountSay } from "@/lib/account/i18n.ts";
import { emailChangedMail } from "@/lib/account/mail.ts";
import { type AccountTarget, accountTarget } from "@/lib/account/target.ts";

const Confirm = z.object({
  client_id: z.string().max(100),
  token: z.string().max(100),
  csrf: z.string().max(100),
});

type EmailData = {
  lang: Lang;
  appName: string;
  clientId: string;
  token: string;
  csrf: string;
  /** The address the link would set (the confirm form), or what became of it. */
  email?: string;
  error?: AccountKey;
  /** The link names the account's own address: confirming it changes nothing, so the page says so. */
  own?: boolean;
  /** What the confirmed link did: the page says a change and a confirmation differently. */
  done?: EmailChangeOutcome;
};

function show(c: Ctx, target: AccountTarget, token: string, extra: Partial<EmailData>, status = 200) {
  const lang = pickLang(c);
  c.header("cache-control", "no-store");
  const data = {
    lang,
    appName: target.project.name,
    clientId: target.clientId,
    token,
    csrf: csrfToken(c),
    ...extra,
  };
  return page(data, { title: accountSay(lang, titleOf(data)), lang, status });
}

/**
 * Confirming one's own current address changes nothing, so neither its link's page nor what it did asks to
 * confirm a new one; once done, the page says what happened instead of asking.
 */
function titleOf(data: { own?: boolean; done?: EmailChangeOutcome }): AccountKey {
  if (data.done) return data.done === "confirmed" ? "emailConfirmedTitle" : "emailChangedTitle";
  return data.own ? "confirmOwnEmailTitle" : "confirmEmailTitle";
}

/** What a mailed link's token would do, or null (no token, used, expired, another project's). */
async function pendingAddress(
  c: Ctx,
  target: AccountTarget,
  token: string,
): Promise<PendingEmailChange | null> {
  return token ? await pendingEmailChange(c.var.deps.sql, target.project.id, await sha256(token)) : null;
}

/**
 * The link mailed to a new address. GET says what it would do (or that it is used or expired) and changes
 * nothing; the button POSTs (CSRF) and the change takes effect, the old address being told.
 */
export const handler: Handlers<EmailData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const target = await accountTarget(c, new URLSearchParams({ client_id: query.get("client_id") ?? "" }));
    const token = (query.get("token") ?? "").slice(0, 100);
    const pending = await pendingAddress(c, target, token);
    if (!pending) return show(c, target, "", { error: "emailLinkExpired" }, 400);
    return show(c, target, token, pending);
  },

  async POST(c) {
    const form = await readBody(c, Confirm, ["form"]);
    const target = await accountTarget(c, new URLSearchParams({ client_id: form.client_id }));
    if (!formAccepted(c, form.csrf)) {
      // The link still works: the same page again with a fresh form, so trying again is one click.
      const pending = await pendingAddress(c, target, form.token);
      return show(c, target, pending ? form.token : "", { error: "staleForm", ...pending }, 403);
    }
    let done: EmailChangeOutcome;
    try {
      done = await confirmEmailChange(
        c.var.deps.sql,
        target.project.id,
        await sha256(form.token),
        emailChangedMail(pickLang(c), target.project.name, target.project.settings),
      );
    } catch (error) {
      const code = toAppError(error).code;
      if (code === "invalid_grant") return show(c, target, "", { error: "emailLinkExpired" }, 400);
      if (code === "conflict") return show(c, target, "", { error: "emailTaken" }, 409);
      if (code === "email_managed_by_sso") return show(c, target, "", { error: "emailManaged" }, 403);
      if (code === "sso_required") return show(c, target, "", { error: "emailAtSsoDomain" }, 403);
      throw error;
    }
    return show(c, target, "", { done });
  },
};

export default function ConfirmEmail({ data }: PageProps<EmailData>) {
  const t = (key: AccountKey, values: Record<string, string> = {}) => accountSay(data.lang, key, values);
  return (
    <section class="card auth" lang={data.lang} aria-labelledby="email-heading">
      <p class="eyebrow">{t("at")} {data.appName}</p>
      <h1 id="email-heading">{t(titleOf(data))}</h1>
      {data.error && <p class="alert" role="alert">{t(data.error)}</p>}
      {data.done && <p role="status">{t(data.done === "confirmed" ? "emailConfirmed" : "emailChanged")}</p>}
      {data.email && data.token && (
        <form method="post" action={`/account/email?lang=${data.lang}`}>
          <p>{t(data.own ? "confirmOwnEmailBody" : "confirmEmailBody", { email: data.email })}</p>
          <input type="hidden" name="client_id" value={data.clientId} />
          <input type="hidden" name="token" value={data.token} />
          <input type="hidden" name="csrf" value={data.csrf} />
          <p>
            <button type="submit">{t("confirmEmailButton")}</button>
          </p>
        </form>
      )}
      <p>
        <a href={`/account?client_id=${data.clientId}&lang=${data.lang}`}>{t("title")}</a>
      </p>
    </section>
  );
}
