/**
 * The bot protection tests' shared parts: an app whose siteverify is the local fake (tests/fakes/siteverify.ts),
 * a project protecting some forms with the fake's account, and a browser that GETs a form page and posts to
 * where its form points from one address.
 */
import { type TestApp, testApp } from "./app.ts";
import { seedProject } from "./oauth.ts";
import { csrfOf } from "./csrf.ts";
import { type FakeSiteverify, startFakeSiteverify } from "../fakes/siteverify.ts";
import { sealBotSecret } from "@/lib/login/bot_check.ts";

export type BotProject = Awaited<ReturnType<typeof seedProject>>;

/** The app and the fake, closed after the file's tests; `env` adds to the fake's URLs and a trusted proxy. */
export async function botProtectionApp(env: Record<string, string> = {}) {
  const fake = startFakeSiteverify();
  const t = await testApp({
    env: {
      TURNSTILE_VERIFY_URL: fake.turnstileUrl,
      HCAPTCHA_VERIFY_URL: fake.hcaptchaUrl,
      ASTAPA_TRUST_PROXY: "1",
      ...env,
    },
  });
  Deno.test.afterAll(async () => {
    await t.close();
    await fake.close();
  });
  return { t, fake, ...botProtectionTools(t, fake) };
}

function botProtectionTools(t: TestApp, fake: FakeSiteverify) {
  const host = new URL(t.config.baseUrl).hostname;
  const requestOf = (project: BotProject) =>
    new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  return {
    /** A project whose settings.bot_protection uses the fake's account of `provider` on `on`. */
    async protectedProject(provider: "turnstile" | "hcaptcha", on: string[], extra = {}) {
      const project = await seedProject(t.db.sql, { name: "Warung", settings: extra });
      const sealed = await sealBotSecret(
        t.deps.masterKeys.social,
        project.id,
        provider,
        fake.secrets[provider],
      );
      const siteKey = provider === "turnstile" ? "0x4AAAAAAAsitekey" : fake.hcaptchaSiteKey;
      const setting = { provider, site_key: siteKey, secret_key_sealed: sealed, on };
      await t.db.sql`update astapa.projects set settings = settings || ${
        t.db.sql.json({ bot_protection: setting })
      } where id = ${project.id}`;
      return project;
    },
    /**
     * GETs the form page at `path`, then posts `fields` to where its (first) form points, from `address`
     * (203.0.113.7 unless given).
     */
    async submit(
      project: BotProject,
      path: string,
      fields: Record<string, string>,
      lang = "en",
      address = "203.0.113.7",
    ) {
      const query = requestOf(project);
      const page = await t.app.request(`${path}?${query}&lang=${lang}`);
      const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
      const html = await page.text();
      const action = /<form method="post" action="([^"]+)"/.exec(html)![1].replace(/&amp;/g, "&");
      return await t.app.request(action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie, "x-forwarded-for": address },
        body: new URLSearchParams({ request: query.toString(), csrf: csrfOf(html), ...fields }),
      });
    },
    /** The form page at `path` for the project's request. */
    page: async (project: BotProject, path: string) => await t.app.request(`${path}?${requestOf(project)}`),
    /** A Turnstile token solved in the widget of `form` on `hostname` (this deployment's unless given). */
    turnstile: (form: string, hostname = host) =>
      fake.solve({ provider: "turnstile", hostname, action: form }),
    host,
  };
}
