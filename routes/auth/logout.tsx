import type { Handlers } from "../../lib/router/routes.ts";
import { page, type PageProps } from "../../lib/router/page.tsx";
import { authorizationClient, endSession } from "../../db/login.ts";
import { readSession, writeSession } from "../../lib/login/browser.ts";
import { matchRedirectUri } from "../../lib/login/authorize_request.ts";
import { type Lang, MESSAGES, pickLang } from "../../lib/login/i18n.ts";

type SignedOut = {
  lang: Lang;
  /** The app signed out of, when the request named one. */
  appName?: string;
  /** Where "Sign in again" leads: the app's home (the origin of its first redirect URI). */
  appUrl?: string;
  /** The same page in the other language. */
  switchHref: string;
};

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
    const other = lang === "en" ? "id" : "en";
    const switchHref = `/auth/logout?${new URLSearchParams(
      client ? { client_id: clientId, lang: other } : { lang: other },
    )}`;
    const appUrl = client?.redirect_uris[0] ? `${new URL(client.redirect_uris[0]).origin}/` : undefined;
    return page({ lang, appName: client?.name, appUrl, switchHref }, {
      title: MESSAGES[lang].signedOut,
      lang,
    });
  },
};

/** "You are signed out" of which app, the way back in, and the language switch. */
export default function SignedOutPage({ data }: PageProps<SignedOut>) {
  const t = MESSAGES[data.lang];
  return (
    <section class="card auth" lang={data.lang} aria-labelledby="auth-heading">
      {data.appName && <p class="eyebrow">{data.appName}</p>}
      <h1 id="auth-heading">{t.signedOut}</h1>
      {data.appUrl && (
        <p>
          <a class="button" href={data.appUrl}>{t.signInAgain}</a>
        </p>
      )}
      <p class="muted lang-switch">
        <a href={data.switchHref} hreflang={data.lang === "en" ? "id" : "en"}>{t.language}</a>
      </p>
    </section>
  );
}
