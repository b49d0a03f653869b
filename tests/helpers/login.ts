/** Drives the hosted login's forms the way a browser does: fetch the form (CSRF cookie + token), post it. */
import type { TestApp } from "./app.ts";
import type { SeededProject } from "./identity.ts";
import { csrfOf } from "./csrf.ts";

export async function submitForm(
  t: TestApp,
  project: SeededProject,
  path: string,
  fields: Record<string, string>,
  params: Record<string, string> = {},
  extraQuery = "",
): Promise<Response> {
  const query = new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    ...params,
  });
  const form = await t.app.request(`${path}?${query}${extraQuery}`);
  const cookie = (form.headers.get("set-cookie") ?? "").split(";")[0];
  const html = await form.text();
  const csrf = csrfOf(html);
  const hidden = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="(token)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
  );
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, "&") ?? path;
  return await t.app.request(action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ request: query.toString(), csrf, ...hidden, ...fields }),
  });
}

/** The `name=value` of the project's session cookie set by a response. */
export function sessionCookie(res: Response, projectId: string): string | undefined {
  return res.headers.getSetCookie().map((cookie) => cookie.split(";")[0])
    .find((cookie) => cookie.startsWith(`astapa_session_${projectId}=`));
}

/** The plain-text part of a delivered message, with quoted-printable soft breaks and escapes undone. */
export function mailText(data: string): string {
  const [headers, ...rest] = data.split("\n\n");
  const body = rest.join("\n\n");
  const boundary = /boundary="?([^";\n]+)"?/i.exec(headers)?.[1];
  if (boundary) {
    const part = body.split(`--${boundary}`).find((p) => /content-type:\s*text\/plain/i.test(p));
    return part ? mailText(part.replace(/^\n/, "")) : "";
  }
  if (!/content-transfer-encoding:\s*quoted-printable/i.test(headers)) return body;
  return body.replace(/=\n/g, "").replace(
    /=([0-9A-F]{2})/g,
    (_, hex) => String.fromCharCode(parseInt(hex, 16)),
  );
}

/**
 * Follows the short link in a mail's text (`/auth/link?p=<project id>&t=<token>`) and returns the page it stands
 * for (the stored sign-in request plus the token), as a path the test app can request.
 */
export async function openMailedLink(t: TestApp, text: string): Promise<string> {
  const link = /https?:\/\/[^/\s]+(\/auth\/link\?p=proj_[a-z2-7]{16}&t=[\w-]{43})(?=\s|$)/.exec(text)
    ?.[1];
  if (!link) throw new Error(`no short mailed link in:\n${text}`);
  const opened = await t.app.request(link);
  await opened.body?.cancel();
  if (opened.status !== 303) throw new Error(`the mailed link answered ${opened.status}, not 303`);
  return opened.headers.get("location")!;
}

/**
 * Answers the page a mailed confirmation link opens (`/auth/verify?…&token=…`) as a browser would: reads the
 * form (CSRF cookie and token, the link's token), then posts `action` ("confirm" or "not_mine") with `fields`.
 * `cookie`: the browser's other cookies (a session of the account); `lang`: the page's language.
 */
export async function answerConfirmation(
  t: TestApp,
  target: string,
  action: "confirm" | "not_mine",
  fields: Record<string, string> = {},
  cookie = "",
  lang?: "en" | "id",
): Promise<Response> {
  const page = lang ? target.replace(/([?&])lang=[^&]*/, `$1lang=${lang}`) : target;
  const opened = await t.app.request(page, { headers: cookie ? { cookie } : {} });
  if (opened.status !== 200) throw new Error(`the confirmation page answered ${opened.status}, not 200`);
  const csrfCookie = (opened.headers.get("set-cookie") ?? "").split(";")[0];
  const html = await opened.text();
  const token = /<input type="hidden" name="token" value="([^"]*)"/.exec(html)![1];
  const posted = /<form method="post" action="([^"]+)"/.exec(html)![1].replace(/&amp;/g, "&");
  return await t.app.request(posted, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: [csrfCookie, cookie].filter(Boolean).join("; "),
    },
    body: new URLSearchParams({ csrf: csrfOf(html), token, action, ...fields }),
  });
}

/**
 * The hosted sign-out of the browser holding `session` (name=value), asked and then confirmed, back to the app's
 * redirect URI with state `bye-state` when `backToApp`: the POST's answer.
 */
export async function signOutConfirmed(
  t: TestApp,
  project: SeededProject,
  session: string,
  backToApp = true,
) {
  const html = { accept: "text/html" };
  const query = new URLSearchParams({ client_id: project.clientId });
  if (backToApp) {
    query.set("post_logout_redirect_uri", project.redirectUri);
    query.set("state", "bye-state");
  }
  const asked = await t.app.request(`/auth/logout?${query}`, { headers: { ...html, cookie: session } });
  if (asked.status !== 200) throw new Error(`the sign-out page answered ${asked.status}`);
  const cookies = [session, ...asked.headers.getSetCookie().map((c) => c.split(";")[0])].join("; ");
  query.set("csrf", csrfOf(await asked.text()));
  return await t.app.request("/auth/logout?lang=en", {
    method: "POST",
    headers: {
      ...html,
      cookie: cookies,
      origin: t.origin,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: query,
  });
}
