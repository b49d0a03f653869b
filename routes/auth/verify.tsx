import type { Handlers } from "../../lib/router/routes.ts";
import { page, type PageProps } from "../../lib/router/page.tsx";
import { authorizationClient, verifyEmail } from "../../db/login.ts";
import { AppError, toAppError } from "../../lib/http/errors.ts";
import { type Lang, MESSAGES, pickLang } from "../../lib/login/i18n.ts";

type VerifyData = { lang: Lang; appName: string; verified: boolean; continueHref?: string };

/** The mailed verification link: confirms the address once. */
export const handler: Handlers<VerifyData> = {
  async GET(c) {
    const clientId = c.req.query("client_id") ?? "";
    const token = c.req.query("token") ?? "";
    const client = await authorizationClient(c.var.deps.sql, clientId);
    if (!client) throw new AppError("not_found", { description: MESSAGES[pickLang(c)].linkExpired });
    let verified = true;
    try {
      await verifyEmail(c.var.deps.sql, client.project_id, token);
    } catch (error) {
      if (toAppError(error).code !== "invalid_grant") throw error;
      verified = false;
    }
    // The sign-up's own authorization request, so "Continue" leads back into the app the person came from.
    const next = new URLSearchParams(c.req.query("continue") ?? "");
    const continueHref = next.get("client_id") === clientId ? `/auth/login?${next}` : undefined;
    const data = { lang: pickLang(c), appName: client.name, verified, continueHref };
    return page(data, {
      title: MESSAGES[data.lang].verifiedTitle,
      lang: data.lang,
      status: verified ? 200 : 400,
    });
  },
};

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
    </section>
  );
}
