/**
 * A cookie-keeping client for the hosted pages' forms: gets a page and posts its (first POST) form as a browser
 * would — every field of that form with its current value, whatever its name (client_id, csrf, intent, …) —
 * with `fields` filled in over them.
 */
import assert from "node:assert/strict";
import type { TestApp } from "./app.ts";
import { csrfOf } from "./csrf.ts";
import type { SeededProject } from "./identity.ts";
import { postForm as postTokenForm } from "./token_client.ts";

export class FormBrowser {
  cookies = new Map<string, string>();
  /** Sent with every request, as a browser's own settings (e.g. its accept-language). */
  headers: Record<string, string> = {};
  constructor(readonly t: TestApp) {}

  async get(path: string): Promise<Response> {
    return this.keep(
      await this.t.app.request(path, {
        headers: { ...this.headers, cookie: this.header(), accept: "text/html" },
      }),
    );
  }

  /** Fetches the page at `path`, then posts its form with `fields` (CSRF token and hidden fields kept). */
  async submit(path: string, fields: Record<string, string>): Promise<Response> {
    return await this.post(await (await this.get(path)).text(), fields);
  }

  async post(html: string, fields: Record<string, string>): Promise<Response> {
    const form = postForm(html);
    if (!form) throw new Error(`no form: ${html.slice(0, 300)}`);
    const body = new URLSearchParams(form.fields.filter(([name]) => !(name in fields)));
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    return this.keep(
      await this.t.app.request(form.action, {
        method: "POST",
        headers: {
          ...this.headers,
          "content-type": "application/x-www-form-urlencoded",
          cookie: this.header(),
        },
        body,
      }),
    );
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  keep(res: Response): Response {
    for (const cookie of res.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(";");
      const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
      if (attributes.some((a) => /max-age=0/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}

/**
 * A FormBrowser that also posts to any hosted endpoint the way the pages' scripts do (e.g. /auth/passkey/options):
 * the sign-in `request`, the CSRF token of the last page it read, and the deployment's Origin.
 */
export class HostedBrowser extends FormBrowser {
  #csrf = "";
  constructor(t: TestApp, readonly request: string) {
    super(t);
  }

  /** Gets a page and remembers its CSRF token. */
  async read(path: string): Promise<{ res: Response; html: string }> {
    const res = await this.get(path);
    const html = await res.text();
    this.#csrf = csrfOf(html);
    return { res, html };
  }

  /** Posts `fields` to `path` with the request and the CSRF token. */
  async send(path: string, fields: Record<string, string>): Promise<Response> {
    return this.keep(
      await this.t.app.request(path, {
        method: "POST",
        headers: {
          cookie: this.header(),
          origin: this.t.origin,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ request: this.request, csrf: this.#csrf, ...fields }),
      }),
    );
  }
}

/**
 * The page's first POST form: its action and the fields a browser submits with it (successful controls: named,
 * not disabled; checkboxes and radios when checked; a select's selected option; no buttons — `fields` names
 * the one pressed).
 */
export function postForm(html: string): { action: string; fields: [string, string][] } | null {
  for (const open of html.matchAll(/<form\b([^>]*)>/gi)) {
    const attrs = attributes(open[1]);
    if (attrs.method?.toLowerCase() !== "post" || attrs.action === undefined) continue;
    const start = open.index! + open[0].length;
    const end = html.indexOf("</form>", start);
    return { action: attrs.action, fields: formFields(html.slice(start, end < 0 ? undefined : end)) };
  }
  return null;
}

function formFields(body: string): [string, string][] {
  const fields: [string, string][] = [];
  for (const tag of body.matchAll(/<(input|select|textarea)\b([^>]*)>/gi)) {
    const attrs = attributes(tag[2]);
    const name = attrs.name;
    if (!name || "disabled" in attrs) continue;
    const kind = tag[1].toLowerCase();
    if (kind === "textarea") {
      const rest = body.slice(tag.index! + tag[0].length);
      fields.push([name, decode(rest.slice(0, rest.search(/<\/textarea>/i)))]);
    } else if (kind === "select") {
      const rest = body.slice(tag.index! + tag[0].length);
      const options = [...rest.slice(0, rest.search(/<\/select>/i)).matchAll(/<option\b([^>]*)>([^<]*)/gi)]
        .map((o) => ({ attrs: attributes(o[1]), text: decode(o[2]) }));
      const chosen = options.find((o) => "selected" in o.attrs) ?? options[0];
      if (chosen) fields.push([name, chosen.attrs.value ?? chosen.text.trim()]);
    } else {
      const type = (attrs.type ?? "text").toLowerCase();
      if (["submit", "button", "image", "reset", "file"].includes(type)) continue;
      if ((type === "checkbox" || type === "radio") && !("checked" in attrs)) continue;
      fields.push([name, attrs.value ?? (type === "checkbox" || type === "radio" ? "on" : "")]);
    }
  }
  return fields;
}

/** A tag's attributes, values decoded; a bare attribute (checked, disabled) maps to "". */
function attributes(source: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const m of source.matchAll(/([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    found[m[1].toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? "");
  }
  return found;
}

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|quot|apos|lt|gt);/gi, (entity, code: string) => {
    const named: Record<string, string> = { amp: "&", quot: '"', apos: "'", lt: "<", gt: ">" };
    if (code[0] !== "#") return named[code.toLowerCase()] ?? entity;
    return String.fromCodePoint(
      code[1].toLowerCase() === "x" ? parseInt(code.slice(2), 16) : Number(code.slice(1)),
    );
  });
}

/** Where a 303 goes: a path with its query on the deployment, or the full address elsewhere (the app). */
export function redirectTarget(res: Response): string {
  assert.equal(res.status, 303, `a redirect, not ${res.status}`);
  const to = new URL(res.headers.get("location")!, "http://astapa.test");
  return to.origin === "http://astapa.test" ? to.pathname + to.search : to.href;
}

/** Follows the sign-in page at `path` to the app and redeems its code: signed in, and the app has tokens. */
export async function redeemsAtApp(browser: FormBrowser, p: SeededProject, path: string): Promise<void> {
  const to = redirectTarget(await browser.get(path));
  assert.ok(to.startsWith(`${p.redirectUri}?code=`), `to the app, not ${to}`);
  const { res } = await postTokenForm(browser.t, "/api/platform/token", {
    grant_type: "authorization_code",
    code: new URL(to).searchParams.get("code")!,
    redirect_uri: p.redirectUri,
    client_id: p.clientId,
    client_secret: p.secret,
  });
  assert.equal(res.status, 200, "a code that redeems");
}
