import { z } from "zod";
import { useBrand } from "@/lib/branding/use_brand.ts";
import type { Handlers } from "@/lib/router/routes.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { type AuthorizationClient, endSession, liveSession } from "@/db/login.ts";
import { readBody } from "@/lib/http/body.ts";
import { csrfToken, formAccepted, readSession, writeSession } from "@/lib/login/browser.ts";
import { type Lang, MESSAGES, pickLang } from "@/lib/login/i18n.ts";
import { LOGOUT_MESSAGES } from "@/lib/login/logout_messages.ts";
import { LogoutRequest, namesAnotherSession, resolveLogout } from "@/lib/login/logout_request.ts";
import { isSelfRegisteredClientId } from "@/lib/oauth/dynamic_client_auth.ts";
import { ssoLogoutOfSession } from "@/db/sso_sign_ins.ts";
import { startSpLogout } from "@/lib/login/sso/saml_sp_logout.ts";
import { startRpLogout } from "@/lib/login/sso/oidc_rp_logout.ts";
import { sha256 } from "@/lib/secrets.ts";
import { AuthCard } from "@/components/login/AuthCard.tsx";

/** The form the confirmation posts (csrf), or an app's own POST to the end-session endpoint (no csrf: it asks). */
const LogoutForm = LogoutRequest.extend({ csrf: z.string().max(100).optional() });

/** What the confirmation form carries on: the app resolved from client_id or the hint, and the way back. */
type ConfirmFields = {
  client_id: string;
  post_logout_redirect_uri?: string;
  state?: string;
  /** Carried for a self-registered client: its sid is how the click finds the project again. */
  id_token_hint?: string;
};

type SignOutData = {
  lang: Lang;
  /** Set while asking: whose session, the form's fields, and whether the app named another session. */
  confirm?: {
    appName: string;
    fields: ConfirmFields;
    csrf: string;
    stale: boolean;
    otherSession: boolean;
    switchQuery: string;
  };
  /** Set once signed out: the app signed out of, when the request named one, and the way back in. */
  signedOut?: {
    appName?: string;
    /** Where "Sign in again" leads: the app's home (the origin of its first redirect URI). */
    appUrl?: string;
    /** The same page in the other language. */
    switchHref: string;
  };
  /** Set when the request was refused: an id_token_hint Astapa did not sign, or one for another app. */
  refused?: "invalid_hint" | "client_mismatch";
};

/**
 * Sign-out: the end-session endpoint of OIDC RP-Initiated Logout 1.0 (docs/hosted-login.md). A GET changes
 * nothing (a link or an image on another site must not sign anyone out): with a live session it asks, and the
 * POST — CSRF-checked, same-origin — ends the session, which revokes its refresh tokens and sends the apps it
 * signed in to a logout token (astapa.end_session_grants). It asks even when a valid id_token_hint names this
 * very session (the spec's SHOULD, which the GET rule makes a must), and says so when the hint or logout_hint
 * names another person or session. A hint Astapa did not sign is refused with a page, never followed. The
 * browser returns to `post_logout_redirect_uri` (with `state`) only when the app registered it. A session that a
 * SAML connection with single logout started goes by the IdP first (lib/login/sso/saml_sp_logout.ts), and so does
 * one an OpenID Connect connection started when its IdP has an end_session_endpoint (lib/login/sso/oidc_rp_logout.ts).
 */
export const handler: Handlers<SignOutData> = {
  async GET(c) {
    const request = LogoutRequest.catch({ client_id: "" }).parse(c.req.query());
    return await ask(c, request);
  },

  async POST(c) {
    const form = await readBody(c, LogoutForm, ["form"]);
    if (form.csrf === undefined) return await ask(c, form); // an app's POST: a request like a GET's
    const resolved = await resolveLogout(c, form);
    if ("refused" in resolved) return refusedPage(c, resolved.refused);
    const { clientId, client, back } = resolved;
    if (client) useBrand(c, { id: client.project_id, name: client.name, settings: client.settings });
    if (!client) return signedOut(c, null, null);
    if (!formAccepted(c, form.csrf)) {
      return confirmPage(c, client, { ...form, client_id: clientId }, true, false);
    }
    const session = readSession(c, client.project_id);
    // A session an SSO sign-in started (SAML with single logout, or OpenID Connect): read before it ends.
    const sessionHash = session && await sha256(session);
    const sso = sessionHash && await ssoLogoutOfSession(c.var.deps.sql, client.project_id, sessionHash);
    if (session) await endSession(c.var.deps.sql, client.project_id, session);
    writeSession(c, client.project_id, null);
    if (sso) {
      // The IdP's session ends too (SAML single logout, OpenID Connect RP-initiated logout), then the browser goes
      // where it was going.
      const lang = pickLang(c);
      const here = `/auth/logout?${new URLSearchParams(
        isSelfRegisteredClientId(clientId) ? { lang } : { client_id: clientId, lang },
      )}`;
      const toIdp = sso.protocol === "saml"
        ? await startSpLogout(c, client.project_id, sso, back ?? here)
        : await startRpLogout(c, client.project_id, sso, back ?? here);
      if (toIdp) return toIdp;
    }
    return signedOut(c, { ...client, clientId }, back);
  },
};

/** The request's answer before any click: a refusal, the question, or (nobody signed in) the way back. */
async function ask(c: Ctx, request: LogoutRequest) {
  const resolved = await resolveLogout(c, request);
  if ("refused" in resolved) return refusedPage(c, resolved.refused);
  const { clientId, client, hint, back } = resolved;
  if (client) useBrand(c, { id: client.project_id, name: client.name, settings: client.settings });
  const cookie = client ? readSession(c, client.project_id) : undefined;
  const session = client && cookie ? await liveSession(c.var.deps.sql, client.project_id, cookie) : null;
  if (client && session) {
    const other = namesAnotherSession(request, hint, session);
    return confirmPage(c, client, { ...request, client_id: clientId }, false, other);
  }
  return signedOut(c, client && { ...client, clientId }, back); // nobody to sign out: nothing changes
}

function confirmFields(request: LogoutRequest): ConfirmFields {
  return {
    client_id: request.client_id,
    ...(request.post_logout_redirect_uri !== undefined
      ? { post_logout_redirect_uri: request.post_logout_redirect_uri }
      : {}),
    ...(request.state !== undefined ? { state: request.state } : {}),
    ...(request.id_token_hint !== undefined && isSelfRegisteredClientId(request.client_id)
      ? { id_token_hint: request.id_token_hint }
      : {}),
  };
}

function confirmPage(
  c: Ctx,
  client: AuthorizationClient,
  request: LogoutRequest & { client_id: string },
  stale: boolean,
  otherSession: boolean,
) {
  const lang = pickLang(c);
  const confirm = {
    appName: c.var.brand?.name ?? client.name,
    fields: confirmFields(request),
    csrf: csrfToken(c),
    stale,
    otherSession,
    switchQuery: switchQuery(request, lang),
  };
  return page({ lang, confirm }, { title: MESSAGES[lang].signOutTitle, lang, status: stale ? 403 : 200 });
}

function refusedPage(c: Ctx, refused: "invalid_hint" | "client_mismatch") {
  const lang = pickLang(c);
  return page({ lang, refused }, { title: LOGOUT_MESSAGES[lang].invalidTitle, lang, status: 400 });
}

/** Back to the app when it registered where to go (state returned as given), else the signed-out page. */
function signedOut(c: Ctx, client: AuthorizationClient & { clientId: string } | null, back: string | null) {
  if (back) return c.redirect(back, 303);
  const lang = pickLang(c);
  const other = lang === "en" ? "id" : "en";
  const switchHref = `/auth/logout?${new URLSearchParams(
    client ? { client_id: client.clientId, lang: other } : { lang: other },
  )}`;
  const appUrl = client?.redirect_uris[0] ? `${new URL(client.redirect_uris[0]).origin}/` : undefined;
  return page({ lang, signedOut: { appName: c.var.brand?.name ?? client?.name, appUrl, switchHref } }, {
    title: MESSAGES[lang].signedOut,
    lang,
  });
}

export default function SignOutPage({ data }: PageProps<SignOutData>) {
  const t = MESSAGES[data.lang];
  if (data.refused) return <RefusedCard lang={data.lang} refused={data.refused} />;
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
  const { appName, fields, csrf, stale, otherSession, switchQuery } = data.confirm;
  return (
    <AuthCard
      lang={data.lang}
      title="signOutTitle"
      subtitle="signOutOf"
      appName={appName}
      error={stale ? "staleForm" : undefined}
      switchHref={`/auth/logout?${switchQuery}`}
    >
      {otherSession && <p class="alert" role="status">{LOGOUT_MESSAGES[data.lang].otherSession}</p>}
      <p>{t.signOutBody}</p>
      <form method="post" action={`/auth/logout?lang=${data.lang}`}>
        <input type="hidden" name="client_id" value={fields.client_id} />
        {fields.post_logout_redirect_uri !== undefined && (
          <input type="hidden" name="post_logout_redirect_uri" value={fields.post_logout_redirect_uri} />
        )}
        {fields.state !== undefined && <input type="hidden" name="state" value={fields.state} />}
        {fields.id_token_hint !== undefined && (
          <input type="hidden" name="id_token_hint" value={fields.id_token_hint} />
        )}
        <input type="hidden" name="csrf" value={csrf} />
        <button type="submit">{t.signOut}</button>
      </form>
    </AuthCard>
  );
}

/** The refusal: what went wrong, that nobody was signed out, and what to do (in the page's language). */
function RefusedCard({ lang, refused }: { lang: Lang; refused: "invalid_hint" | "client_mismatch" }) {
  const words = LOGOUT_MESSAGES[lang];
  const other = lang === "en" ? "id" : "en";
  return (
    <section class="card auth" lang={lang} aria-labelledby="auth-heading">
      <h1 id="auth-heading">{words.invalidTitle}</h1>
      <p class="alert" role="alert">
        {refused === "invalid_hint" ? words.invalidHint : words.clientMismatch}
      </p>
      <p class="muted lang-switch">
        <a href={`/auth/logout?lang=${other}`} hreflang={other}>{MESSAGES[lang].language}</a>
      </p>
    </section>
  );
}

/** The request's own parameters for the language switch (the hint included: the other language asks alike). */
function switchQuery(request: LogoutRequest, lang: Lang): string {
  const entries = Object.entries(request)
    .filter(([name, value]) => name !== "csrf" && typeof value === "string") as [string, string][];
  return new URLSearchParams([...entries, ["lang", lang === "en" ? "id" : "en"]]).toString();
}
