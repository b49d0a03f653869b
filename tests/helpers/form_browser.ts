/** A cookie-keeping client for the hosted login's forms: gets a page, posts its form with the hidden fields kept. */
import type { TestApp } from "./app.ts";

export class FormBrowser {
  cookies = new Map<string, string>();
  constructor(readonly t: TestApp) {}

  async get(path: string): Promise<Response> {
    return this.keep(
      await this.t.app.request(path, { headers: { cookie: this.header(), accept: "text/html" } }),
    );
  }

  /** Fetches the page at `path`, then posts its form with `fields` (CSRF token and hidden fields kept). */
  async submit(path: string, fields: Record<string, string>): Promise<Response> {
    return await this.post(await (await this.get(path)).text(), fields);
  }

  async post(html: string, fields: Record<string, string>): Promise<Response> {
    const hidden = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([a-z]+)" value="([^"]*)"/g)].map((m) => [
        m[1],
        m[2].replace(/&amp;/g, "&"),
      ]),
    );
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, "&");
    if (!action) throw new Error(`no form: ${html.slice(0, 300)}`);
    return this.keep(
      await this.t.app.request(action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: this.header() },
        body: new URLSearchParams({ ...hidden, ...fields }),
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
