/**
 * Every hosted page's POST form, come back stale (its CSRF cookie expired meanwhile), answers as a reload would
 * (docs/hosted-login.md, "Protection"): 403, "This form expired" in the page's language (en and id), the page
 * whole — the same forms it was posted from, with its data — and nothing done (no table written beyond what a
 * reload writes). Pages with several steps have a case per step. The routes come from
 * the route table: a hosted route with a POST handler that is neither a case here nor named in UNCOVERED fails
 * the first test, so a new form page is covered once it is added.
 */
import assert from "node:assert/strict";
import * as OTPAuth from "otpauth";
import { asApp } from "@/db/client.ts";
import { ROUTES_DIR } from "@/lib/app.ts";
import { type RouteModule, scanRoutes } from "@/lib/router/routes.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { testApp } from "../helpers/app.ts";
import { type SeededProject, seedProject, seedUser } from "../helpers/identity.ts";
import { changeLog } from "../helpers/change_log.ts";
import { FormBrowser, postForm } from "../helpers/form_browser.ts";
import { openMailedLink } from "../helpers/login.ts";
import { seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { pkcePair } from "../helpers/oauth.ts";
import { seedShop } from "../helpers/payments.ts";
import { payCheckout } from "../helpers/paid_checkouts.ts";
import { organizationPortal } from "../helpers/organization_portal.ts";
import { pendingCharge } from "../helpers/pending_charge.ts";
import { createCheckout } from "@/db/payments.ts";
import { holdSocialSignUp } from "@/db/held_social_sign_ups.ts";
import { sealPendingLogin } from "@/lib/login/pending_login.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const changes = await changeLog(sql);

const plain = await seedProject(sql, { name: "Toko Biasa", redirectUri: "https://toko.example/cb" });
const strict = await seedProject(sql, {
  name: "Toko Aman",
  redirectUri: "https://aman.example/cb",
  settings: { mfa: { policy: "required" }, passkeys: true, email_codes: true, phone: { enabled: true } },
});
const confirming = await seedProject(sql, {
  name: "Toko Teliti",
  redirectUri: "https://teliti.example/cb",
  settings: { require_verified_email: true },
});

const keyed = await seedProject(sql, {
  name: "Toko Kunci",
  redirectUri: "https://kunci.example/cb",
  settings: { passkeys: true, passwords: false },
});
const phoned = await seedProject(sql, { name: "Toko Telepon", settings: { phone: { enabled: true } } });
const waitlisted = await seedProject(sql, {
  name: "Toko Antre",
  settings: { sign_up: { mode: "waitlist" } },
});
// Asks new accounts to agree to its terms: a first Google sign-in is held for /auth/signup/continue.
const consenting = await seedProject(sql, {
  name: "Toko Setuju",
  settings: {
    branding: { terms_url: "https://setuju.example/terms" },
    sign_up: { require_legal_consent: true },
  },
});
const agents = await seedProject(sql, { name: "Catatan", settings: { dynamic_clients: true } });
const NOTES = "https://notes.example/mcp";
await seedRegistry(sql, agents.id, { resources: [NOTES], scopes: ["notes:read"] });

// An organization whose SAML connection accepts sign-ins from the IdP's portal, for /auth/sso/portal.
const tiled = await seedProject(sql, {
  name: "Toko Portal",
  redirectUri: "https://portal.example/cb",
  settings: { initiate_login_uri: "https://portal.example/start" },
});
const portalConnection = await asApp(sql, tiled.id, async (tx) => {
  const [org] = await tx`select api.create_organization('Acme', 'acme', null) ->> 'id' as id`;
  const [made] = await tx`select api.put_saml_sso_connection(${org.id}, 'https://idp.example/saml',
    'https://idp.example/sso', ${[
    "MII" + "A".repeat(600) + "==",
  ]}, null, null, idp_initiated => true) ->> 'id' as id`;
  return made.id as string;
});

const SAYS = { en: /This form expired/, id: /Formulir ini kedaluwarsa/ } as const;
type Lang = keyof typeof SAYS;
const query = (p: SeededProject, extra: Record<string, string> = {}) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri, scope: "openid", ...extra });

/** `href` in `lang`. */
function inLang(href: string, lang: Lang) {
  const url = new URL(href, "http://x");
  url.searchParams.set("lang", lang);
  return `${url.pathname}${url.search}`;
}

/** A browser signed in to `p` as a new, confirmed person (a session started in SQL, as a sign-in would). */
async function signedIn(p: SeededProject, email: string) {
  const user = await seedUser(sql, p.id, email, { verified: true });
  const token = randomSecret();
  await asApp(sql, p.id, async (tx) => tx`select api.start_login_session(${user}, ${await sha256(token)})`);
  const browser = new FormBrowser(t);
  browser.cookies.set(`astapa_session_${p.id}`, token);
  return { browser, user };
}

let people = 0;
const someone = (label: string) => `${label}-${++people}@stale.example`;

/** What a reader of the page can do on it: each POST form's action (its path) and the names of its fields. */
function formsOf(html: string): string[] {
  const forms: string[] = [];
  let rest = html;
  for (let form = postForm(rest); form; form = postForm(rest)) {
    const names = [...new Set(form.fields.map(([name]) => name))].sort().join(",");
    forms.push(`${new URL(form.action, "http://x").pathname} ${names}`);
    rest = rest.slice(rest.indexOf("</form>", rest.search(/<form\b[^>]*method="post"/i)) + 7);
  }
  return forms.sort();
}

/** The part of `html` from the first POST form to `path` (a route: `:id` stands for any segment) on. */
function fromFormTo(html: string, path: string): string {
  const route = new RegExp(`^${path.replace(/:[a-z]+/g, "[^/]+")}$`);
  for (const open of html.matchAll(/<form\b[^>]*method="post"[^>]*action="([^"]+)"/gi)) {
    if (route.test(new URL(open[1].replace(/&amp;/g, "&"), "http://x").pathname)) {
      return html.slice(open.index);
    }
  }
  throw new Error(`no form posting to ${path} on: ${html.slice(0, 400)}`);
}

/**
 * The page holding the form: its address (opened in the case's language), or, for a page that only a POST
 * shows ("check your email"), its HTML.
 */
type Opened = { browser: FormBrowser; page: string; project: SeededProject } | {
  browser: FormBrowser;
  html: string;
  project: SeededProject;
};

type Case = {
  /** Which of the route's forms, when it has several steps. */
  step?: string;
  /** Where it opens the page holding the form, in a browser that may post it (signed in where it must be). */
  open(lang: Lang): Opened | Promise<Opened>;
  /** The fields a person fills in or the button they press. */
  fields: Record<string, string>;
  /** What only the whole page shows (its data), beyond its forms. */
  shows?: RegExp;
};

/** A browser that signed up to `strict` as `email` and set up an authenticator app there (its key). */
async function enrolled(email: string) {
  const browser = new FormBrowser(t);
  await browser.submit(`/auth/signup?${query(strict)}`, { email, password: "correct horse" });
  const enrol = await (await browser.get(`/auth/mfa?${query(strict)}&method=enrol`)).text();
  const key = /<code class="totp-key">([A-Z2-7 ]+)<\/code>/.exec(enrol)![1].replace(/\s+/g, "");
  const done = await browser.post(enrol, {
    code: new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key) }).generate(),
  });
  assert.ok([200, 303].includes(done.status), `enrolled: ${done.status}`);
  await done.body?.cancel();
  return { browser, key };
}

/** A page anyone may open: a new browser, nobody signed in. */
const anyone = (project: SeededProject, page: string) => () => ({
  browser: new FormBrowser(t),
  page,
  project,
});

const shop = await seedShop(sql, { email: "buyer@stale.example" });
await sql`update astapa.projects set settings = settings || '{"linked_methods": {"enabled": true}}'
  where id = ${shop.project.id}`;
let charges = 0;
/** A new checkout of plan pro at `shop` (with a pending QRIS charge: its page offers "simulate"); its page. */
async function openCheckout(charged = false) {
  const checkout = charged
    ? await pendingCharge(sql, shop.project.id, shop.userId, `pr-stale-${++charges}`)
    : await asApp(
      sql,
      shop.project.id,
      (tx) =>
        createCheckout(tx, shop.project.id, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
    );
  return `/billing/checkout/${checkout.checkout_id}`;
}

/** A browser signed in to `shop` as a new person paying plan pro, who may link an e-wallet; the portal page. */
async function subscriber(label: string) {
  const { browser, user } = await signedIn(shop.project, someone(label));
  const checkout = await asApp(
    sql,
    shop.project.id,
    (tx) => createCheckout(tx, shop.project.id, { sub: user, plan: "pro", xendit_account: "simulator" }),
  );
  assert.equal(await payCheckout(sql, shop.project.id, checkout.checkout_id, 99_000), "paid");
  return { browser, page: `/billing/account?client_id=${shop.project.clientId}`, project: shop.project };
}

const teams = await seedProject(sql, { name: "Tim", redirectUri: "https://tim.example/cb" });
const portal = organizationPortal(t, teams);
await portal.api("POST", "/plans", { key: "studio", name: "Studio", price_idr: 30_000, interval: "month" });
await portal.api("PUT", "/plans/studio/seats", { seat_pricing: "per_seat" });

const CASES: Record<string, Case | Case[]> = {
  "/auth/login": {
    open: anyone(plain, `/auth/login?${query(plain)}`),
    fields: { email: "a@b.example", password: "x" },
  },
  "/auth/signup": {
    open: anyone(plain, `/auth/signup?${query(plain)}`),
    fields: { email: "new@b.example", password: "correct horse battery" },
  },
  "/auth/forgot": {
    open: anyone(plain, `/auth/forgot?${query(plain)}`),
    fields: { email: "a@b.example" },
  },
  "/auth/waitlist": {
    open: anyone(waitlisted, `/auth/signup?${query(waitlisted)}`),
    fields: { email: "a@b.example" },
  },
  "/auth/sso": {
    open: anyone(plain, `/auth/sso?${query(plain)}`),
    fields: { email: "a@b.example" },
  },
  "/auth/sso/portal": {
    // A verified IdP-initiated Response left its pending sign-in and the cookie (as the ACS does).
    async open(lang) {
      const browser = new FormBrowser(t);
      const email = someone("portal");
      const token = randomSecret();
      await asApp(
        sql,
        tiled.id,
        async (tx) =>
          tx`select api.record_sso_pending_sign_in(${portalConnection}, ${await sha256(token)}, ${email},
                                                 ${email}, '{}'::jsonb)`,
      );
      browser.cookies.set(
        `astapa_pending_login_${tiled.id}`,
        await sealPendingLogin(t.deps.masterKeys.social, tiled.id, token),
      );
      return {
        browser,
        page: `/auth/sso/portal?${query(tiled, { login_hint: email, lang })}`,
        project: tiled,
      };
    },
    fields: { choice: "continue" },
    shows: /portal-\d+@stale\.example/,
  },
  "/auth/email-code": [{
    step: "the address",
    open: anyone(strict, `/auth/email-code?${query(strict)}`),
    fields: { email: "a@b.example", action: "send" },
  }, {
    step: "the mailed code",
    async open(lang) {
      const browser = new FormBrowser(t);
      const email = someone("code");
      const sent = await browser.submit(`/auth/email-code?${query(strict, { lang })}`, {
        email,
        action: "send",
      });
      assert.equal(sent.status, 200);
      return { browser, html: await sent.text(), project: strict };
    },
    fields: { code: "000000", action: "verify" },
    shows: /code-\d+@stale\.example/,
  }],
  "/auth/phone": {
    open: anyone(strict, `/auth/phone?${query(strict)}`),
    fields: { phone: "0812 7777 0101" },
  },
  "/auth/phone/code": {
    async open(lang) {
      const browser = new FormBrowser(t);
      const sent = await browser.submit(`/auth/phone?${query(strict, { lang })}`, {
        phone: `0812 7777 ${String(1000 + people++)}`,
      });
      assert.equal(sent.status, 303, "the code is sent");
      return { browser, page: sent.headers.get("location")!, project: strict };
    },
    fields: { code: "000000" },
    shows: /\+62 •••• \d{4}/,
  },
  "/auth/mfa": [{
    step: "setting up an app",
    async open() {
      const browser = new FormBrowser(t);
      const signedUp = await browser.submit(`/auth/signup?${query(strict)}`, {
        email: someone("mfa"),
        password: "correct horse",
      });
      assert.equal(signedUp.status, 303);
      return { browser, page: `/auth/mfa?${query(strict)}&method=enrol`, project: strict };
    },
    fields: { code: "000000" },
    shows: /class="totp-key"/,
  }, {
    step: "the app's code, signing in again",
    async open() {
      const email = someone("totp");
      await enrolled(email);
      const browser = new FormBrowser(t);
      const signedIn = await browser.submit(`/auth/login?${query(strict)}`, {
        email,
        password: "correct horse",
      });
      assert.match(signedIn.headers.get("location") ?? "", /^\/auth\/mfa\?/);
      return { browser, page: signedIn.headers.get("location")!, project: strict };
    },
    fields: { code: "000000" },
    shows: /autocomplete="one-time-code"/,
  }],
  "/auth/mfa/manage": {
    async open() {
      const { browser } = await enrolled(someone("manage"));
      return { browser, page: `/auth/mfa/manage?${query(strict)}`, project: strict };
    },
    fields: { action: "regenerate", code: "000000" },
  },
  "/auth/passkeys": {
    async open() {
      const { browser } = await signedIn(strict, someone("passkeys"));
      return { browser, page: `/auth/passkeys?${query(strict)}`, project: strict };
    },
    fields: { action: "add", credential: "{}" },
  },
  "/auth/organization": {
    async open() {
      const { browser, user } = await signedIn(plain, someone("picker"));
      await asApp(
        sql,
        plain.id,
        (tx) => tx`select api.create_organization('Kopi', ${`kopi-${people}`}, ${user})`,
      );
      return { browser, page: `/auth/organization?${query(plain)}`, project: plain };
    },
    fields: { organization: "" },
    shows: /Kopi/,
  },
  "/auth/invitation": {
    async open() {
      const email = someone("invited");
      const { browser } = await signedIn(plain, email);
      const token = randomSecret();
      await asApp(sql, plain.id, async (tx) => {
        const [boss] = await tx`select api.create_user(${plain.id}, ${someone("boss")}) ->> 'id' as id`;
        const [org] =
          await tx`select api.create_organization('Warung', ${`warung-${people}`}, ${boss.id}) ->> 'id'
                               as id`;
        await tx`select api.invite_to_organization(${org.id}, ${email}, 'member', ${await sha256(
          token,
        )}, 3600,
                                                   ${boss.id})`;
      });
      return { browser, page: `/auth/invitation?${query(plain, { invitation: token })}`, project: plain };
    },
    fields: { answer: "accept" },
    shows: /Warung/,
  },
  "/auth/logout": {
    async open() {
      const { browser } = await signedIn(plain, someone("leaving"));
      const page = `/auth/logout?${new URLSearchParams({
        client_id: plain.clientId,
        post_logout_redirect_uri: plain.redirectUri,
      })}`;
      return { browser, page, project: plain };
    },
    fields: {},
  },
  "/auth/reset": {
    async open(lang) {
      const browser = new FormBrowser(t);
      const email = someone("reset");
      await seedPasswordUser(sql, plain.id, email, "correct horse");
      const asked = await browser.submit(`/auth/forgot?${query(plain, { lang })}`, { email });
      assert.equal(asked.status, 200);
      await asked.body?.cancel();
      const [mail] = await sql`select body_text from astapa.mail_outbox where to_address = ${email}
                               and kind = 'reset_password' order by id desc limit 1`;
      return { browser, page: await openMailedLink(t, mail.body_text), project: plain };
    },
    fields: { password: "a brand new password" },
  },
  "/auth/verify": {
    async open(lang) {
      const browser = new FormBrowser(t);
      const email = someone("verify");
      const signedUp = await browser.submit(`/auth/signup?${query(plain, { lang })}`, {
        email,
        password: "kopi susu gula aren",
      });
      await signedUp.body?.cancel();
      const [mail] = await sql`select body_text from astapa.mail_outbox where to_address = ${email}
                               and kind = 'verify_email' order by id desc limit 1`;
      return { browser, page: await openMailedLink(t, mail.body_text), project: plain };
    },
    fields: { action: "confirm", password: "kopi susu gula aren" },
  },
  "/auth/impersonate": {
    async open(lang) {
      const user = await seedUser(sql, plain.id, someone("impersonated"), { verified: true });
      const token = randomSecret();
      await asApp(
        sql,
        plain.id,
        async (tx) =>
          tx`select api.create_impersonation(${plain.id}, ${user}::bigint, 'support:stale', null, 15,
          ${await sha256(token)})`,
      );
      const link = new URLSearchParams({ client_id: plain.clientId, token, lang });
      return { browser: new FormBrowser(t), page: `/auth/impersonate?${link}`, project: plain };
    },
    fields: {},
    shows: /support:stale/,
  },
  "/account": {
    async open() {
      const { browser } = await signedIn(plain, someone("account"));
      return { browser, page: `/account?client_id=${plain.clientId}`, project: plain };
    },
    fields: { name: "Mallory" },
  },
  "/auth/passkey": { open: anyone(strict, `/auth/login?${query(strict)}`), fields: { credential: "{}" } },
  "/auth/resend": {
    // "Check your email" with its "send the link again": what signing in with an unconfirmed address shows.
    async open(lang) {
      const browser = new FormBrowser(t);
      const email = someone("resend");
      const signedUp = await browser.submit(`/auth/signup?${query(confirming, { lang })}`, {
        email,
        password: "correct horse",
      });
      await signedUp.body?.cancel();
      const refused = await browser.submit(`/auth/login?${query(confirming, { lang })}`, {
        email,
        password: "correct horse",
      });
      assert.equal(refused.status, 403, "confirm first");
      return { browser, html: await refused.text(), project: confirming };
    },
    fields: {},
    shows: /name="email" value="resend-/,
  },
  "/auth/consent": {
    async open() {
      const registered = await t.app.request("/api/platform/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          client_name: "Notes agent",
          redirect_uris: ["http://127.0.0.1:8976/callback"],
          token_endpoint_auth_method: "none",
        }),
      });
      assert.equal(registered.status, 201);
      const { client_id } = await registered.json();
      const { browser } = await signedIn(agents, someone("agent-user"));
      const { challenge } = await pkcePair();
      const page = `/auth/login?${new URLSearchParams({
        client_id,
        redirect_uri: "http://127.0.0.1:8976/callback",
        resource: NOTES,
        scope: "notes:read",
        code_challenge: challenge,
        code_challenge_method: "S256",
      })}`;
      return { browser, page, project: agents };
    },
    fields: { decision: "allow" },
    shows: /Notes agent/,
  },
  "/auth/signup/passkey": [{
    step: "the address",
    open: anyone(keyed, `/auth/signup?${query(keyed)}`),
    fields: { email: "new@b.example", action: "send" },
  }, {
    step: "the mailed code",
    async open(lang) {
      const browser = new FormBrowser(t);
      const page = await (await browser.get(`/auth/signup?${query(keyed, { lang })}`)).text();
      const sent = await browser.post(fromFormTo(page, "/auth/signup/passkey"), {
        email: someone("keyed"),
        action: "send",
      });
      assert.equal(sent.status, 200);
      return { browser, html: await sent.text(), project: keyed };
    },
    fields: { code: "000000", action: "verify" },
    shows: /keyed-\d+@stale\.example/,
  }],
  "/auth/signup/continue": {
    // The callback's part (tests/http/legal_consent_test.ts drives it through Google): a held sign-in and its token.
    async open() {
      const browser = new FormBrowser(t);
      const token = randomSecret();
      const email = someone("held");
      await holdSocialSignUp(
        sql,
        consenting.id,
        await sha256(token),
        { provider: "google", subject: email, email, emailVerified: true },
        { query: query(consenting).toString() },
      );
      browser.cookies.set("astapa_held_sign_up", token);
      return { browser, page: `/auth/signup/continue?${query(consenting)}`, project: consenting };
    },
    // The box as the page showed it (unticked): a ticked one comes back ticked, a field the page did not post.
    fields: {},
  },
  "/account/export": {
    async open() {
      const { browser } = await signedIn(plain, someone("export"));
      return { browser, page: `/account?client_id=${plain.clientId}`, project: plain };
    },
    fields: {},
  },
  "/account/phone": {
    async open(lang) {
      const { browser } = await signedIn(phoned, someone("phone"));
      const account = await (await browser.get(`/account?client_id=${phoned.clientId}&lang=${lang}`)).text();
      const started = await browser.post(fromFormTo(account, "/account/phone"), {
        phone: `0812 7777 ${String(2000 + people++)}`,
      });
      assert.equal(started.status, 303, "the code is sent");
      return { browser, page: started.headers.get("location")!, project: phoned };
    },
    fields: { code: "000000" },
    shows: /\+62 •••• \d{4}/,
  },
  "/account/email": {
    async open() {
      const { browser } = await signedIn(plain, someone("before"));
      const account = await (await browser.get(`/account?client_id=${plain.clientId}`)).text();
      const after = someone("after");
      const sent = await browser.post(fromFormTo(account, "/account"), { action: "email", email: after });
      assert.equal(sent.status, 303);
      const [mail] = await sql`select body_text from astapa.mail_outbox where to_address = ${after}
                               and kind = 'email_change'`;
      const link = new URL(/https?:\/\/\S+\/account\/email\?\S+/.exec(mail.body_text)![0]);
      return { browser, page: `${link.pathname}${link.search}`, project: plain };
    },
    fields: {},
    shows: /after-\d+@stale\.example/,
  },
  "/device": [{
    step: "the code",
    open: anyone(plain, "/device?user_code=BCDF-GHJK"),
    fields: {},
    shows: /BCDF-GHJK/,
  }, {
    step: "allow or deny",
    async open(lang) {
      const registered = await t.app.request("/api/platform/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          client_name: "Terminal agent",
          redirect_uris: ["http://127.0.0.1:8976/callback"],
          token_endpoint_auth_method: "none",
          grant_types: ["authorization_code", "urn:ietf:params:oauth:grant-type:device_code"],
        }),
      });
      assert.equal(registered.status, 201);
      const { client_id } = await registered.json();
      const started = await t.app.request("/api/platform/device_authorization", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ client_id, scope: "notes:read", resource: NOTES }),
      });
      assert.equal(started.status, 200);
      const { user_code } = await started.json();
      const { browser } = await signedIn(agents, someone("device"));
      const asked = await browser.submit(`/device?user_code=${user_code}&lang=${lang}`, {});
      assert.equal(asked.status, 200);
      return { browser, html: await asked.text(), project: agents };
    },
    fields: { decision: "allow" },
    shows: /Terminal agent/,
  }],
  // The billing portal: the person's plans, subscription, linked methods and organizations.
  "/billing": {
    async open() {
      const { browser } = await signedIn(shop.project, someone("plans"));
      return { browser, page: `/billing?client_id=${shop.project.clientId}`, project: shop.project };
    },
    fields: {},
    shows: /IDR 99\.000/,
  },
  "/billing/account": {
    open: () => subscriber("account"),
    fields: {},
    shows: /Pro/,
  },
  "/billing/account/methods": {
    open: () => subscriber("methods"),
    fields: { mobile_number: "081234567890" },
    shows: /Pro/,
  },
  "/billing/organizations": {
    async open(lang) {
      const team = await portal.paidTeam(`stale-${lang}`);
      return {
        browser: team.admin.browser,
        page: `/billing/organizations?client_id=${teams.clientId}`,
        project: teams,
      };
    },
    fields: { intent: "cancel" },
    shows: /stale-(en|id)/,
  },
  // The hosted checkout: public (its id is the capability); each form's endpoint shows the checkout again.
  "/billing/checkout/:id/buyer": {
    open: async () => ({ browser: new FormBrowser(t), page: await openCheckout(), project: shop.project }),
    fields: { buyer_name: "PT Kopi Senja", buyer_tax_id: "3171012345678901" },
    shows: /IDR 99\.000/,
  },
  "/billing/checkout/:id/coupon": {
    open: async () => ({ browser: new FormBrowser(t), page: await openCheckout(), project: shop.project }),
    fields: { coupon: "HEMAT10" },
    shows: /IDR 99\.000/,
  },
  "/billing/checkout/:id/method": {
    open: async () => ({ browser: new FormBrowser(t), page: await openCheckout(), project: shop.project }),
    fields: { method: "qris" },
    shows: /IDR 99\.000/,
  },
  "/billing/checkout/:id/simulate": {
    open: async () => ({
      browser: new FormBrowser(t),
      page: await openCheckout(true),
      project: shop.project,
    }),
    fields: {},
    shows: /IDR 99\.000/,
  },
};

/** Hosted routes with a POST handler that are not covered here, and why. */
const UNCOVERED: Record<string, string> = {
  "/auth/passkey/options": "JSON for the passkey island, before any form is posted",
  // No page of ours holds this form and it carries no CSRF token to go stale: the IdP's page posts it cross-site,
  // and a stale one (its flow cookie expired) is tried in tests/http/saml_sso_attacks_test.ts.
  "/auth/sso/saml/:connection/acs": "the SAML IdP's POST (no form of ours)",
  // Likewise the IdP's LogoutRequest by the HTTP-POST binding (its XML signature protects it), tried in
  // tests/http/saml_single_logout_test.ts.
  "/auth/sso/saml/:connection/slo": "the SAML IdP's POSTed LogoutRequest (no form of ours)",
  // An OpenID Connect IdP's logout token, posted server to server (its signature protects it), tried in
  // tests/http/oidc_backchannel_logout_test.ts.
  "/auth/sso/oidc/:connection/backchannel-logout":
    "the OIDC IdP's back-channel logout token (no form of ours)",
  // Apple's form_post answer, likewise posted cross-site by Apple's page; stale ones are tried in
  // tests/http/social_apple_test.ts.
  "/auth/social/:provider/callback": "Apple's form_post answer (no form of ours)",
  // The sign-up form itself, posted by its Google/GitHub/Apple buttons (formaction) where consent is asked; a
  // provider needs the social test app, so its stale token is tried in tests/http/legal_consent_test.ts.
  "/auth/social/:provider": "the sign-up form's social buttons (its stale token: legal_consent_test.ts)",
};

/** The hosted pages: everything but the APIs and the dashboard (a developer's, with its own forms' tests). */
const HOSTED = /^\/(auth|account|device|billing)(\/|$)/;

Deno.test("stale forms — every hosted route with a POST handler is a case here (or not a form, saying why)", async () => {
  const posted: string[] = [];
  for (const route of await scanRoutes(ROUTES_DIR)) {
    if (route.kind !== "route" || !HOSTED.test(route.path)) continue;
    const mod: RouteModule = await import(new URL(`file://${route.file}`).href);
    if (mod.handler?.POST) posted.push(route.path);
  }
  const missing = posted.filter((path) => !(path in CASES) && !(path in UNCOVERED));
  assert.deepEqual(missing, [], "hosted POST routes without a stale-form case");
  for (const path of [...Object.keys(CASES), ...Object.keys(UNCOVERED)]) {
    assert.ok(posted.includes(path), `${path} is no hosted POST route`);
  }
});

for (const [path, specs] of Object.entries(CASES)) {
  for (const spec of [specs].flat()) {
    const at = spec.step ? `${path} (${spec.step})` : path;
    Deno.test(`stale forms — ${at}: 403, the message in en and id, the page whole, nothing done`, async () => {
      for (const lang of ["en", "id"] as const) {
        const opened = await spec.open(lang);
        const { browser, project } = opened;
        const page = "page" in opened ? inLang(opened.page, lang) : null;
        const res = page ? await browser.get(page) : null;
        assert.ok(!res || res.status < 300, `${page} opens: ${res?.status}`);
        const html = res ? await res.text() : (opened as { html: string }).html;
        // The CSRF cookie expired while the page stood open.
        for (const name of browser.cookies.keys()) {
          if (name.endsWith("astapa_csrf")) browser.cookies.delete(name);
        }
        const mark = await changes.mark();
        const stale = await browser.post(fromFormTo(html, path), spec.fields);
        const text = await stale.text();
        assert.equal(stale.status, 403, `${at} (${lang}): ${text.slice(0, 300)}`);
        assert.match(text, SAYS[lang], `${at} (${lang}) says why`);
        assert.match(text, new RegExp(`<html lang="${lang}"`));
        // Nothing done: no table written but what showing the page writes (the account page notes the session's
        // last use), as a reload's reading does.
        const written = await changes.changedSince(mark, project.id);
        const reloading = await changes.mark();
        if (page) await (await browser.get(page)).body?.cancel();
        const reloadWrites = await changes.changedSince(reloading, project.id);
        assert.deepEqual(
          written.filter((table) => !reloadWrites.includes(table)),
          [],
          `${at} (${lang}) did nothing`,
        );
        assert.deepEqual(formsOf(text), formsOf(html), `${at} (${lang}) comes back with the page's forms`);
        if (spec.shows) assert.match(text, spec.shows, `${at} (${lang}) shows its data`);
      }
    });
  }
}
