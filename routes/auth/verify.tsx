import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { verifyEmail } from "@/db/login.ts";
import { requestClient } from "@/lib/login/authorization_clients.ts";
import { AppError, toAppError } from "@/lib/http/errors.ts";
import { type Lang, MESSAGES, pickLang } from "@/lib/login/i18n.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { useBrand } from "@/lib/branding/use_brand.ts";

type VerifyData = {
  lang: Lang;
  appName: string;
  verified: boolean;
  continueHref?: string;
  /** The same page in the other language (after success: the confirmation, which needs no token). */
  switchHref: string;
};

/**
 * The mailed verification link: confirms the address once, then redirects to the confirmation (so a reload
 * or the language switch does not present the used token again and read "link expired").
 */
export const handler: Handlers<VerifyData> = {
  async GET(c) {
    const clientId = c.req.query("client_id") ?? "";
    const token = c.req.query("token") ?? "";
    const client = await requestClient(c.var.deps, clientId);
    if (!client) throw new AppError("not_found", { description: MESSAGES[pickLang(c)].linkExpired });
    useBrand(c, { id: client.project_id, name: client.name, settings: client.settings });
    const shown = (verified: boolean, lang: Lang) =>
      `/auth/verify?${new URLSearchParams({
        client_id: clientId,
        ...(verified ? { confirmed: "1" } : { token }),
        ...(c.req.query("continue") ? { continue: c.req.query("continue")! } : {}),
        lang,
      })}`;
    // The confirmation itself: it says only that the address was confirmed (nothing to use up or leak).
    if (c.req.query("confirmed") === "1") return verifiedPage(c, c.var.brand!.name, clientId, true, shown);
    let verified = true;
    try {
      await verifyEmail(c.var.deps.sql, client.project_id, token);
    } catch (error) {
      if (toAppError(error).code !== "invalid_grant") throw error;
      verified = false;
    }
    if (verified) return c.redirect(shown(true, pickLang(c)), 303);
    return verifiedPage(c, c.var.brand!.name, clientId, false, shown);
  },
};

function verifiedPage(
  c: Ctx,
  appName: string,
  clientId: string,
  verified: boolean,
  shown: (verified: boolean, lang: Lang) => string,
) {
  // The sign-up's own authorization request, so "Continue" leads back into the app the person came from.
  const next = new URLSearchParams(c.req.query("continue") ?? "");
  const continueHref = next.get("client_id") === clientId ? `/auth/login?${next}` : undefined;
  const lang = pickLang(c);
  const switchHref = shown(verified, lang === "en" ? "id" : "en");
  const data = { lang, appName, verified, continueHref, switchHref };
  return page(data, { title: MESSAGES[lang].verifiedTitle, lang, status: verified ? 200 : 400 });
}

export default function Verified({ data }: PageProps<VerifyData>) {
  const t = MESSAGES[data.lang];
  return (
    <section class="card auth" lang={data.lang}>
      <p class="eyebrow">{data.appName}</p>
      <h1 id="auth-heading">{data.verified ? t.verifiedTitle : t.linkExpired}</h1>
      {data.verified && <p>{t.verifiedBody}</p>}
      {data.continueHref && (
        <p>
          <a class="button" href={data.continueHref}>{t.continueTo}</a>
        </p>
      )}
      <p class="muted lang-switch">
        <a href={data.switchHref} hreflang={data.lang === "en" ? "id" : "en"}>{t.language}</a>
      </p>
    </section>
  );
}
