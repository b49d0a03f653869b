import type { Handlers } from "../../lib/router/routes.ts";
import { page, type PageProps } from "../../lib/router/page.tsx";
import { authorizationClient, endSession } from "../../db/login.ts";
import { readSession, writeSession } from "../../lib/login/browser.ts";
import { matchRedirectUri } from "../../lib/login/authorize_request.ts";
import { type Lang, MESSAGES, pickLang } from "../../lib/login/i18n.ts";

type SignedOut = { lang: Lang };

/**
 * Sign-out (in the manner of OIDC RP-initiated logout): ends this browser's session for the app's project and
 * returns to `post_logout_redirect_uri` when it is one of the app's registered redirect URIs.
 */
export const handler: Handlers<SignedOut> = {
  async GET(c) {
    const clientId = c.req.query("client_id") ?? "";
    const client = await authorizationClient(c.var.deps.sql, clientId);
    if (client) {
      const session = readSession(c, client.project_id);
      if (session) await endSession(c.var.deps.sql, client.project_id, session);
      writeSession(c, client.project_id, null);
      const back = c.req.query("post_logout_redirect_uri");
      if (back && matchRedirectUri(client.redirect_uris, back)) {
        const url = new URL(back);
        const state = c.req.query("state");
        if (state) url.searchParams.set("state", state);
        return c.redirect(url.toString(), 303);
      }
    }
    const lang = pickLang(c);
    return page({ lang }, { title: MESSAGES[lang].signedOut, lang });
  },
};

export default function SignedOutPage({ data }: PageProps<SignedOut>) {
  return (
    <section class="card auth" lang={data.lang}>
      <h1 id="auth-heading">{MESSAGES[data.lang].signedOut}</h1>
    </section>
  );
}
