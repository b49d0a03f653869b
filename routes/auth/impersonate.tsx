import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { publicRoute } from "@/lib/router/callers.ts";
import type { AuthorizationClient } from "@/db/login.ts";
import {
  type ImpersonatedSession,
  impersonatedSession,
  type ImpersonationLink,
  impersonationLink,
  openImpersonation,
} from "@/db/impersonations.ts";
import { requestClient } from "@/lib/login/authorization_clients.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { readBody } from "@/lib/http/body.ts";
import { csrfToken, formAccepted, readSession, writeSession } from "@/lib/login/browser.ts";
import { type Lang, pickLang } from "@/lib/login/i18n.ts";
import { clockTime, fill, IMPERSONATION_MESSAGES } from "@/lib/login/impersonation_messages.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { useBrand } from "@/lib/branding/use_brand.ts";
import type { Ctx } from "@/lib/app_env.ts";

/**
 * The link support staff open to sign in as a user (docs/impersonation.md). Nobody is authenticated: the token in
 * the link is the capability (one-time, 5 minutes, SHA-256 only in Postgres, made by the project's own client).
 */
export const callers = publicRoute(
  "the one-time token in the link is the capability: made by the project's client, usable once within 5 minutes",
);

const OpenForm = z.object({ csrf: z.string().max(100), token: z.string().max(100) });

type Shown = "ask" | "opened" | "expired";
type ImpersonateData = {
  lang: Lang;
  shown: Shown;
  appName: string;
  /** The question: who, as whom, until when; the form's action, token and CSRF token. */
  ask?: { email: string; actor: string; endsAt: string; action: string; token: string; csrf: string };
  staleForm?: boolean;
  /** After opening: the session's person and actor, whose session ended first, the way to the app. */
  opened?: { email: string; actor: string; endsAt: string; ended?: "other" | "same"; appUrl?: string };
  switchHref: string;
};

/**
 * GET asks (opening a link changes nothing: mail and chat scanners open links); POST opens it once, signing this
 * browser in as the user after ending whatever session it held for the project, then shows who is signed in (303
 * to GET with opened=1, so a reload does not present the used token again).
 */
export const handler: Handlers<ImpersonateData> = {
  async GET(c) {
    const client = await linkClient(c);
    if (!client) return expiredPage(c, "");
    if (c.req.query("opened") === "1") {
      const session = readSession(c, client.project_id);
      const live = session
        ? await impersonatedSession(c.var.deps.sql, client.project_id, await sha256(session))
        : null;
      return live ? openedPage(c, client, live) : expiredPage(c, client.name);
    }
    const token = c.req.query("token") ?? "";
    const link = token
      ? await impersonationLink(c.var.deps.sql, client.project_id, await sha256(token))
      : null;
    return link ? askPage(c, client, token, link) : expiredPage(c, client.name);
  },

  async POST(c) {
    const form = await readBody(c, OpenForm, ["form"]);
    const client = await linkClient(c);
    if (!client) return expiredPage(c, "");
    const { sql } = c.var.deps;
    const tokenHash = await sha256(form.token);
    if (!formAccepted(c, form.csrf)) {
      const link = await impersonationLink(sql, client.project_id, tokenHash);
      return link ? askPage(c, client, form.token, link, true) : expiredPage(c, client.name);
    }
    const session = randomSecret();
    const previous = readSession(c, client.project_id);
    let ended: "other" | "same" | undefined;
    try {
      const opened = await openImpersonation(sql, client.project_id, {
        tokenHash,
        sessionHash: await sha256(session),
        ...(previous ? { replaces: await sha256(previous) } : {}),
        userAgent: c.req.header("user-agent")?.slice(0, 512),
      });
      if (opened.ended_session) ended = opened.ended_session.same_user ? "same" : "other";
    } catch (error) {
      if (toAppError(error).code !== "invalid_grant") throw error;
      return expiredPage(c, client.name);
    }
    writeSession(c, client.project_id, session);
    return c.redirect(selfHref(c, pickLang(c), { opened: "1", ...(ended ? { ended } : {}) }), 303);
  },
};

/** The client the link names (its project and brand); null for an unknown one (the page says the link is dead). */
async function linkClient(c: Ctx): Promise<AuthorizationClient | null> {
  const client = await requestClient(c.var.deps, c.req.query("client_id") ?? "");
  if (client) useBrand(c, { id: client.project_id, name: client.name, settings: client.settings });
  return client;
}

function selfHref(c: Ctx, lang: Lang, shown: Record<string, string>): string {
  return `/auth/impersonate?${new URLSearchParams({
    client_id: c.req.query("client_id") ?? "",
    ...shown,
    lang,
  })}`;
}

function other(lang: Lang): Lang {
  return lang === "en" ? "id" : "en";
}

function askPage(c: Ctx, client: AuthorizationClient, token: string, link: ImpersonationLink, stale = false) {
  const lang = pickLang(c);
  const t = IMPERSONATION_MESSAGES[lang];
  const data: ImpersonateData = {
    lang,
    shown: "ask",
    appName: c.var.brand?.name ?? client.name,
    ask: {
      email: link.email ?? t.noEmail,
      actor: link.actor,
      endsAt: link.ends_at,
      action: selfHref(c, lang, {}),
      token,
      csrf: csrfToken(c),
    },
    staleForm: stale,
    switchHref: selfHref(c, other(lang), { token }),
  };
  return page(data, { title: t.title, lang, status: stale ? 403 : 200 });
}

function openedPage(c: Ctx, client: AuthorizationClient, live: ImpersonatedSession) {
  const lang = pickLang(c);
  const ended = c.req.query("ended");
  // The app's home, as the billing pages find it: the origin of its first redirect URI.
  const appUrl = client.redirect_uris[0] ? `${new URL(client.redirect_uris[0]).origin}/` : undefined;
  const data: ImpersonateData = {
    lang,
    shown: "opened",
    appName: c.var.brand?.name ?? client.name,
    opened: {
      email: live.email ?? IMPERSONATION_MESSAGES[lang].noEmail,
      actor: live.actor,
      endsAt: live.ends_at,
      ...(ended === "other" || ended === "same" ? { ended } : {}),
      ...(appUrl ? { appUrl } : {}),
    },
    switchHref: selfHref(c, other(lang), { opened: "1", ...(ended ? { ended } : {}) }),
  };
  return page(data, { title: IMPERSONATION_MESSAGES[lang].openedTitle, lang });
}

function expiredPage(c: Ctx, appName: string) {
  const lang = pickLang(c);
  const data: ImpersonateData = {
    lang,
    shown: "expired",
    appName: c.var.brand?.name ?? appName,
    switchHref: selfHref(c, other(lang), { token: c.req.query("token") ?? "" }),
  };
  return page(data, { title: IMPERSONATION_MESSAGES[lang].expiredTitle, lang, status: 400 });
}

export default function Impersonate({ data }: PageProps<ImpersonateData>) {
  const t = IMPERSONATION_MESSAGES[data.lang];
  const app = data.appName;
  return (
    <section class="card auth" lang={data.lang}>
      <p class="eyebrow">{app}</p>
      {data.shown === "expired" && (
        <>
          <h1 id="auth-heading">{t.expiredTitle}</h1>
          <p>{t.expired}</p>
        </>
      )}
      {data.ask && (
        <>
          <h1 id="auth-heading">{t.title}</h1>
          {data.staleForm && <p class="error" role="alert">{t.staleForm}</p>}
          <p>
            {fill(t.ask, {
              app,
              email: data.ask.email,
              actor: data.ask.actor,
              time: clockTime(data.ask.endsAt, data.lang),
            })}
          </p>
          <p class="muted">{fill(t.askNote, { app })}</p>
          <form method="post" action={data.ask.action}>
            <input type="hidden" name="csrf" value={data.ask.csrf} />
            <input type="hidden" name="token" value={data.ask.token} />
            <button type="submit" class="button">{t.open}</button>
          </form>
        </>
      )}
      {data.opened && (
        <>
          <h1 id="auth-heading">{t.openedTitle}</h1>
          {data.opened.ended && (
            <p role="status">{fill(data.opened.ended === "same" ? t.endedSame : t.endedOther, { app })}</p>
          )}
          <p>
            {fill(t.opened, {
              app,
              email: data.opened.email,
              actor: data.opened.actor,
              time: clockTime(data.opened.endsAt, data.lang),
            })}
          </p>
          <p class="muted">{fill(t.openedNote, { time: clockTime(data.opened.endsAt, data.lang) })}</p>
          {data.opened.appUrl && (
            <p>
              <a class="button" href={data.opened.appUrl}>{fill(t.toApp, { app })}</a>
            </p>
          )}
        </>
      )}
      <p class="muted lang-switch">
        <a href={data.switchHref} hreflang={data.lang === "en" ? "id" : "en"}>{t.language}</a>
      </p>
    </section>
  );
}
