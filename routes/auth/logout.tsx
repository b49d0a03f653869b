import { z } from "zod";
import { useBrand } from "@/lib/branding/use_brand.ts";
import type { Handlers } from "@/lib/router/routes.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { type AuthorizationClient, endSession, sessionUser } from "@/db/login.ts";
import { requestClient } from "@/lib/login/authorization_clients.ts";
import { readBody } from "@/lib/http/body.ts";
import { csrfToken, formAccepted, readSession, writeSession } from "@/lib/login/browser.ts";
import { matchRedirectUri } from "@/lib/login/authorize_request.ts";
import { type Lang, MESSAGES, pickLang } from "@/lib/login/i18n.ts";
import { AuthCard } from "@/components/login/AuthCard.tsx";

/** The sign-out request (OIDC RP-initiated logout), from the query on GET and from the form on POST. */
const LogoutRequest = z.object({
  client_id: z.string().max(100).default(""),
  post_logout_redirect_uri: z.string().max(2000).optional(),
  state: z.string().max(2000).optional(),
});
const LogoutForm = LogoutRequest.extend({ csrf: z.string().max(100) });
type LogoutRequest = z.infer<typeof LogoutRequest>;

type SignOutData = {
  lang: Lang;
  /** Set while asking: whose session, and the form's fields. */
  confirm?: { appName: string; request: LogoutRequest; csrf: string; stale: boolean };
  /** Set once signed out: the app signed out of, when the request named one, and the way back in. */
  signedOut?: {
    appName?: string;
    /** Where "Sign in again" leads: the app's home (the origin of its first redirect URI). */
    appUrl?: string;
    /** The same page in the other language. */
    switchHref: string;
  };
};

/**
 * Sign-out, in the manner of OIDC RP-initiated logout. A GET changes nothing (a link or an image on another
 * site must not sign anyone out): with a live session it asks, and the POST — CSRF-checked, same-origin — ends
 * the session. Either way the browser returns to `post_logout_redirect_uri` (with `state`) only when it is one of
 * the app's registered redirect URIs.
 */
export const handler: Handlers<SignOutData> = {
  async GET(c) {
    const request = LogoutRequest.catch({ client_id: "" }).parse(c.req.query());
    const client = await requestClient(c.var.deps, request.client_id);
    if (client) useBrand(c, { id: client.project_id, name: client.name, settings: client.settings });
    const session = client ? readSession(c, client.project_id) : undefined;
    if (client && session && await sessionUser(c.var.deps.sql, client.project_id, session)) {
      return confirmPage(c, client, request, false);
    }
    return signedOut(c, client, request); // nobody to sign out: nothing changes
  },

  async POST(c) {
    const form = await readBody(c, LogoutForm, ["form"]);
    const client = await requestClient(c.var.deps, form.client_id);
    if (client) useBrand(c, { id: client.project_id, name: client.name, settings: client.settings });
    if (!client) return signedOut(c, null, form);
    if (!formAccepted(c, form.csrf)) return confirmPage(c, client, form, true);
    const session = readSession(c, client.project_id);
    if (session) await endSession(c.var.deps.sql, client.project_id, session);
    writeSession(c, client.project_id, null);
    return signedOut(c, client, form);
  },
};

function confirmPage(c: Ctx, client: AuthorizationClient, request: LogoutRequest, stale: boolean) {
  const lang = pickLang(c);
  const confirm = { appName: c.var.brand?.name ?? client.name, request, csrf: csrfToken(c), stale };
  return page({ lang, confirm }, { title: MESSAGES[lang].signOutTitle, lang, status: stale ? 403 : 200 });
}

/** Back to the app when it registered where to go (state returned as given), else the signed-out page. */
function signedOut(c: Ctx, client: AuthorizationClient | null, request: LogoutRequest) {
  const back = request.post_logout_redirect_uri;
  if (client && back && matchRedirectUri(client.redirect_uris, back)) {
    const url = new URL(back);
    if (request.state) url.searchParams.set("state", request.state);
    return c.redirect(url.toString(), 303);
  }
  const lang = pickLang(c);
  const other = lang === "en" ? "id" : "en";
  const switchHref = `/auth/logout?${new URLSearchParams(
    client ? { client_id: request.client_id, lang: other } : { lang: other },
  )}`;
  const appUrl = client?.redirect_uris[0] ? `${new URL(client.redirect_uris[0]).origin}/` : undefined;
  return page({ lang, signedOut: { appName: c.var.brand?.name ?? client?.name, appUrl, switchHref } }, {
    title: MESSAGES[lang].signedOut,
    lang,
  });
}

export default function SignOutPage({ data }: PageProps<SignOutData>) {
  const t = MESSAGES[data.lang];
  if (!data.confirm) {
    const { appName, appUrl, switchHref } = data.signedOut ?? { switchHref: "/auth/logout" };
    return (
      <section class="card auth" lang={data.lang} aria-labelledby="auth-heading">
        {appName && <p class="eyebrow">{appName}</p>}
        <h1 id="auth-heading">{t.signedOut}</h1>
        {appUrl && (
          <p>
            <a class="button" href={appUrl}>{t.signInAgain}</a>
          </p>
        )}
        <p class="muted lang-switch">
          <a href={switchHref} hreflang={data.lang === "en" ? "id" : "en"}>{t.language}</a>
        </p>
      </section>
    );
  }
  const { appName, request, csrf, stale } = data.confirm;
  const other = data.lang === "en" ? "id" : "en";
  const query = new URLSearchParams({ ...stringEntries(request), lang: other });
  return (
    <AuthCard
      lang={data.lang}
      title="signOutTitle"
      subtitle="signOutOf"
      appName={appName}
      error={stale ? "staleForm" : undefined}
      switchHref={`/auth/logout?${query}`}
    >
      <p>{t.signOutBody}</p>
      <form method="post" action={`/auth/logout?lang=${data.lang}`}>
        <input type="hidden" name="client_id" value={request.client_id} />
        {request.post_logout_redirect_uri !== undefined && (
          <input type="hidden" name="post_logout_redirect_uri" value={request.post_logout_redirect_uri} />
        )}
        {request.state !== undefined && <input type="hidden" name="state" value={request.state} />}
        <input type="hidden" name="csrf" value={csrf} />
        <button type="submit">{t.signOut}</button>
      </form>
    </AuthCard>
  );
}

function stringEntries(request: LogoutRequest): Record<string, string> {
  return Object.fromEntries(Object.entries(request).filter(([, value]) => typeof value === "string"));
}
