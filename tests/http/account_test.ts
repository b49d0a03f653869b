/**
 * /account through the real app: signing in through the hosted login and back (callback, return_to only to
 * registered URIs), CSRF and Origin on every form, the fresh sign-in for sensitive changes, each change, the
 * email-change link (GET changes nothing; single use; the old address told; the page says whether it changed
 * the address or confirmed the person's own; none for an address the organization's IdP manages), another
 * person's apps
 * untouchable, the data download, and deletion (idempotent, gone from the Platform API).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject, seedUser } from "../helpers/oauth.ts";
import { createPlan } from "@/db/plans.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Warung" });
const CSRF = randomSecret();
const accountQuery = `client_id=${project.clientId}`;

/** A browser signed in as a new user: its cookies (session + CSRF) and the user's id. */
async function browser(email: string, verified = true) {
  const user = await seedUser(t.db.sql, project.id, email, { verified });
  const token = randomSecret();
  await asApp(
    t.db.sql,
    project.id,
    async (tx) => tx`select api.start_login_session(${user}, ${await sha256(token)})`,
  );
  const cookie = `astapa_session_${project.id}=${token}; astapa_csrf=${CSRF}`;
  const get = (path: string) => t.app.request(path, { headers: { cookie, "user-agent": UA } });
  const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    t.app.request(path, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams({ request: accountQuery, csrf: CSRF, ...fields }),
    });
  return { user, token, cookie, get, post };
}
const UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

const age = (token: string, minutes: number) =>
  sha256(token).then((hash) =>
    t.db.sql`update astapa.login_sessions set created_at = now() - make_interval(mins => ${minutes})
             where token_hash = ${hash}`
  );

Deno.test("account — without a session: through the hosted login and back by /account/callback", async () => {
  const res = await t.app.request(
    `/account?${accountQuery}&return_to=${encodeURIComponent(project.redirectUri)}`,
  );
  assert.equal(res.status, 303);
  const login = new URL(res.headers.get("location")!, "http://x");
  assert.equal(login.pathname, "/auth/login");
  assert.equal(login.searchParams.get("redirect_uri"), `${t.origin}/account/callback`);
  // The login page accepts Astapa's own callback for this project's client.
  const page = await t.app.request(`${login.pathname}${login.search}`);
  assert.equal(page.status, 200);
  await page.body?.cancel();
  const back = await t.app.request(
    `/account/callback?code=x&state=${encodeURIComponent(login.searchParams.get("state")!)}`,
  );
  assert.equal(back.status, 303);
  assert.equal(
    back.headers.get("location"),
    `/account?${accountQuery}&return_to=${encodeURIComponent(project.redirectUri)}&lang=en`,
  );
  const bad = await t.app.request("/account/callback?state=client_id%3Dhttps%3A%2F%2Fevil.example");
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
});

Deno.test("account — return_to only to the client's registered URIs; only a project's own client", async () => {
  const b = await browser("return@example.com");
  const evil = await b.get(
    `/account?${accountQuery}&return_to=${encodeURIComponent("https://evil.example/")}`,
  );
  assert.equal(evil.status, 400);
  assert.doesNotMatch(await evil.text(), /evil\.example/);
  const ok = await b.get(`/account?${accountQuery}&return_to=${encodeURIComponent(project.redirectUri)}`);
  assert.equal(ok.status, 200);
  const html = await ok.text();
  assert.match(html, new RegExp(`href="${project.redirectUri}"`));
  assert.match(html, /Chrome on Linux/);
  const dynamic = await b.get(`/account?client_id=dcl_${"a".repeat(24)}`);
  assert.equal(dynamic.status, 400);
  await dynamic.body?.cancel();
  // The second-factor link opens the hosted MFA pages for this client, coming back through /account/callback.
  const setUp = /href="(\/auth\/login\?[^"]*acr_values=[^"]*)"/.exec(html)![1].replace(/&amp;/g, "&");
  assert.match(setUp, /redirect_uri=[^&]*%2Faccount%2Fcallback/);
  const enrol = await b.get(setUp);
  assert.equal(enrol.status, 303);
  assert.match(enrol.headers.get("location")!, /^\/auth\/mfa/);
  const indonesian = await b.get(`/account?${accountQuery}&lang=id`);
  assert.match(await indonesian.text(), /Akun Anda/);
});

Deno.test("account — forms need the CSRF token and our Origin; the name is saved (a form from before the profile)", async () => {
  const b = await browser("csrf@example.com");
  // Stale or foreign: the account page again, saying so (403), as a reload would show it.
  const stale = await b.post("/account", { action: "name", name: "Mallory", csrf: "x".repeat(43) });
  assert.equal(stale.status, 403);
  assert.match(await stale.text(), /This form expired/);
  const foreign = await b.post("/account", { action: "name", name: "Mallory" }, {
    origin: "https://evil.example",
  });
  assert.equal(foreign.status, 403);
  assert.match(await foreign.text(), /This form expired/);
  const [before] = await t.db.sql`select name, profile_updated_at from astapa.users where id = ${b.user}`;
  assert.deepEqual(before, { name: null, profile_updated_at: null });
  const saved = await b.post("/account", { action: "name", name: "Dewi" });
  assert.match(saved.headers.get("location")!, /done=profileSaved/);
  assert.match(await (await b.get(saved.headers.get("location")!)).text(), /value="Dewi"/);
});

Deno.test("account — a sensitive change after 10 minutes asks for a fresh sign-in (prompt=login)", async () => {
  const b = await browser("fresh@example.com");
  await age(b.token, 11);
  const res = await b.post("/account", { action: "password", password: "a fresh passphrase" });
  const location = new URL(res.headers.get("location")!, "http://x");
  assert.equal(location.pathname, "/auth/login");
  assert.equal(location.searchParams.get("prompt"), "login");
  const exported = await b.post("/account/export", { action: "export" });
  assert.equal(new URL(exported.headers.get("location")!, "http://x").searchParams.get("prompt"), "login");
  await age(b.token, 0);
  const saved = await b.post("/account", { action: "password", password: "a fresh passphrase" });
  assert.match(saved.headers.get("location")!, /done=passwordSaved/);
  const weak = await b.post("/account", { action: "password", password: "short" });
  assert.match(weak.headers.get("location")!, /problem=weakPassword/);
});

Deno.test("account — email change: link to the new address, GET changes nothing, single use, old address told", async () => {
  const b = await browser("before@example.com");
  await seedUser(t.db.sql, project.id, "holder@example.com");
  const taken = await b.post("/account", { action: "email", email: "holder@example.com" });
  assert.match(taken.headers.get("location")!, /done=emailSent/); // the same answer: nobody learns who signed up
  const sent = await b.post("/account", { action: "email", email: "after@example.com" });
  assert.match(sent.headers.get("location")!, /done=emailSent/);
  const mails = await t.db.sql`select to_address, body_text from astapa.mail_outbox
                               where project_id = ${project.id} and kind = 'email_change' order by id`;
  assert.deepEqual(mails.map((m) => m.to_address), ["after@example.com"]);
  const link = new URL(/https?:\/\/\S+\/account\/email\?\S+/.exec(mails[0].body_text)![0]);
  const shown = await t.app.request(`${link.pathname}${link.search}`, { headers: { cookie: b.cookie } });
  assert.match(await shown.text(), /after@example\.com/);
  const [still] = await t.db.sql`select email from astapa.users where id = ${b.user}`;
  assert.equal(still.email, "before@example.com");
  const confirm = (headers: Record<string, string> = {}, csrf = CSRF) =>
    t.app.request("/account/email", {
      method: "POST",
      headers: { cookie: b.cookie, "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams({
        client_id: project.clientId,
        token: link.searchParams.get("token")!,
        csrf,
      }),
    });
  // A page of another site (even with the right token), or a stale token: the page says so, nothing changes.
  for (
    const refused of [
      await confirm({ origin: "https://evil.example" }),
      await confirm({}, "x".repeat(CSRF.length)),
    ]
  ) {
    assert.equal(refused.status, 403);
    const page = await refused.text();
    assert.match(page, /This form expired/);
    assert.match(page, /after@example\.com[\s\S]*name="csrf"/, "the same confirmation, ready to try again");
  }
  const [unchanged] = await t.db.sql`select email from astapa.users where id = ${b.user}`;
  assert.equal(unchanged.email, "before@example.com");
  assert.equal((await confirm()).status, 200);
  const [changed] = await t.db.sql`select email from astapa.users where id = ${b.user}`;
  assert.equal(changed.email, "after@example.com");
  const told = await t.db.sql`select 1 from astapa.mail_outbox where to_address = 'before@example.com'
                              and kind = 'email_changed'`;
  assert.equal(told.length, 1);
  const again = await confirm();
  assert.equal(again.status, 400);
  await again.body?.cancel();
});

Deno.test("account — an address the organization's IdP manages: no change or password form, a posted change refused (en, id)", async () => {
  const [org] = await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`select api.create_organization('Acme', 'acme', null) ->> 'id' as id`,
  );
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`select api.add_organization_domain(${org.id}, 'acme.example')`;
    await tx`select api.verify_organization_domain(${org.id}, 'acme.example')`;
    return tx`select api.put_sso_connection(${org.id}, 'https://idp.example', 'client-1', 'c2VhbGVk', true, true)`;
  });
  const b = await browser("dewi@acme.example");
  const page = await (await b.get(`/account?${accountQuery}`)).text();
  assert.match(page, /identity provider manages this address/);
  assert.doesNotMatch(page, /name="action" value="email"/);
  // Enforced SSO refuses a password at the address: none is offered either.
  assert.match(page, /signs you in with single sign-on, so a password would not be used/);
  assert.doesNotMatch(page, /name="action" value="password"/);
  for (const [lang, said] of [["en", /changes there/], ["id", /diubah di sana/]] as const) {
    const refused = await b.post(`/account?lang=${lang}`, {
      action: "email",
      email: "dewi@personal.example",
    });
    assert.equal(refused.status, 303);
    const location = refused.headers.get("location")!;
    assert.match(location, /problem=emailManaged/);
    assert.match(await (await b.get(location)).text(), said);
  }
  const mails = await t.db.sql`select 1 from astapa.mail_outbox where to_address = 'dewi@personal.example'`;
  assert.equal(mails.length, 0);

  // Someone at another domain may not move onto the SSO domain either (en, id).
  const other = await browser("made@personal.example");
  for (const [lang, said] of [["en", /cannot move to one/], ["id", /tidak bisa pindah/]] as const) {
    const refused = await other.post(`/account?lang=${lang}`, {
      action: "email",
      email: "made@acme.example",
    });
    assert.equal(refused.status, 303);
    const location = refused.headers.get("location")!;
    assert.match(location, /problem=emailAtSsoDomain/);
    assert.match(await (await other.get(location)).text(), said);
  }
  assert.equal(
    (await t.db.sql`select 1 from astapa.mail_outbox where to_address = 'made@acme.example'`).length,
    0,
  );
});

Deno.test("account — a link's page and what it did are titled for it: a new address, or the own one confirmed (en, id)", async () => {
  const says = {
    en: { changed: /Your email address was changed\./, confirmed: /Your email address is confirmed\./ },
    id: { changed: /Alamat email Anda telah diubah\./, confirmed: /Alamat email Anda sudah terkonfirmasi\./ },
  };
  // Once done, the title says what happened: a change, or one's own address confirmed (no more asking).
  const titles = {
    en: { changed: "Your email was changed", confirmed: "Your email is confirmed" },
    id: { changed: "Email Anda telah diubah", confirmed: "Email Anda sudah terkonfirmasi" },
  };
  // And before it is used: a link to the account's own address asks to confirm it, not a new one.
  const asks = {
    en: {
      changed: { title: "Confirm your new email", body: "as the email address of your account?" },
      confirmed: { title: "Confirm your email", body: ", the email address of your account, is yours?" },
    },
    id: {
      changed: { title: "Konfirmasi email baru Anda", body: "sebagai alamat email akun Anda?" },
      confirmed: { title: "Konfirmasi email Anda", body: ", alamat email akun Anda, adalah milik Anda?" },
    },
  };
  for (const lang of ["en", "id"] as const) {
    const moving = await browser(`moving-${lang}@example.com`);
    // Their own address, left unverified: asking for it again mails a link that confirms it.
    const own = await browser(`own-${lang}@example.com`, false);
    for (
      const [b, wanted, outcome] of [
        [moving, `moved-${lang}@example.com`, "changed"],
        [own, `own-${lang}@example.com`, "confirmed"],
      ] as const
    ) {
      const sent = await b.post("/account", { action: "email", email: wanted });
      assert.match(sent.headers.get("location")!, /done=emailSent/);
      const [mail] = await t.db.sql`select body_text from astapa.mail_outbox where project_id = ${project.id}
                                    and kind = 'email_change' and to_address = ${wanted}`;
      const link = new URL(/https?:\/\/\S+\/account\/email\?\S+/.exec(mail.body_text)![0]);
      link.searchParams.set("lang", lang);
      const shown = await t.app.request(`${link.pathname}${link.search}`, { headers: { cookie: b.cookie } });
      assert.equal(shown.status, 200);
      const asked = await shown.text();
      const ask = asks[lang][outcome];
      assert.match(asked, new RegExp(`<title>${ask.title}\\b`), `${lang} ${outcome}: the link's title`);
      assert.ok(
        asked.includes(`<h1 id="email-heading">${ask.title}</h1>`),
        `${lang} ${outcome}: its heading`,
      );
      assert.ok(asked.includes(wanted) && asked.includes(ask.body), `${lang} ${outcome}: ${asked}`);
      const otherAsk = asks[lang][outcome === "changed" ? "confirmed" : "changed"];
      assert.ok(!asked.includes(otherAsk.body), `${lang} ${outcome}: not the other question`);
      const res = await t.app.request(`/account/email?lang=${lang}`, {
        method: "POST",
        headers: { cookie: b.cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          client_id: project.clientId,
          token: link.searchParams.get("token")!,
          csrf: CSRF,
        }),
      });
      assert.equal(res.status, 200);
      const page = await res.text();
      const other = outcome === "changed" ? "confirmed" : "changed";
      assert.match(page, says[lang][outcome], `${lang} ${outcome}`);
      assert.doesNotMatch(page, says[lang][other], `${lang} ${outcome}`);
      const title = titles[lang][outcome];
      assert.match(page, new RegExp(`<title>${title}\\b`), `${lang} ${outcome}: the title`);
      assert.ok(page.includes(`<h1 id="email-heading">${title}</h1>`), `${lang} ${outcome}: the heading`);
      assert.ok(!page.includes(asks[lang].changed.title), `${lang} ${outcome}: no longer asks to confirm`);
      const [row] = await t.db.sql`select email, email_verified from astapa.users where id = ${b.user}`;
      assert.deepEqual([row.email, row.email_verified], [wanted, true]);
    }
  }
});

Deno.test("account — sign out other sessions; another person's connected app cannot be revoked", async () => {
  const b = await browser("sessions@example.com");
  await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`select api.start_login_session(${b.user}, ${new Uint8Array(32).fill(9)})`,
  );
  const ended = await b.post("/account", { action: "endOthers" });
  assert.match(ended.headers.get("location")!, /done=othersEnded&count=1/);
  const stranger = await browser("stranger@example.com");
  const client = `dcl_${"b".repeat(24)}`;
  await t.db
    .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, expires_at)
    values (${project.id}, ${new Uint8Array(32).fill(10)}, gen_random_uuid(), ${stranger.user}, ${client},
            now() + interval '1 day')`;
  const refused = await b.post("/account", { action: "revokeApp", client });
  assert.equal(refused.status, 404);
  await refused.body?.cancel();
  const [live] = await t.db.sql`select count(*)::int as n from astapa.refresh_tokens
                                where client_id = ${client} and revoked_at is null`;
  assert.equal(live.n, 1);
  const own = await stranger.post("/account", { action: "revokeApp", client });
  assert.match(own.headers.get("location")!, /done=revoked/);
});

Deno.test("account — a paid subscription is named, with what deleting does to it, before the deletion", async () => {
  const b = await browser("subscriber@example.com");
  await asApp(
    t.db.sql,
    project.id,
    (tx) => createPlan(tx, project.id, { key: "pro", name: "Pro", price_idr: 99000 }),
  );
  await t.db
    .sql`insert into astapa.subscriptions (project_id, user_id, plan_key, status, source, current_period_end)
                 values (${project.id}, ${b.user}, 'pro', 'active', 'payment', now() + interval '20 days')`;
  const html = await (await b.get(`/account?${accountQuery}`)).text();
  assert.match(html, /You have a paid pro plan \(active\)\. Deleting your account ends it now/);
  const deleted = await b.post("/account", { action: "delete", confirm: "subscriber@example.com" });
  assert.equal(deleted.status, 200);
  await deleted.body?.cancel();
  const [sub] = await t.db.sql`select status, ended_at from astapa.subscriptions where user_id = ${b.user}`;
  assert.equal(sub.status, "canceled");
  assert.ok(sub.ended_at);
});

Deno.test("account — download my data (JSON attachment) and delete the account, once", async () => {
  const b = await browser("leaving@example.com");
  const data = await b.post("/account/export", { action: "export" });
  assert.equal(data.status, 200);
  assert.match(data.headers.get("content-disposition")!, /attachment/);
  assert.equal((await data.json()).profile.email, "leaving@example.com");
  const mismatch = await b.post("/account", { action: "delete", confirm: "someone@example.com" });
  assert.match(mismatch.headers.get("location")!, /problem=deleteMismatch/);
  const deleted = await b.post("/account", { action: "delete", confirm: "leaving@example.com" });
  assert.equal(deleted.status, 200);
  assert.match(await deleted.text(), /Your account was deleted/);
  assert.ok(deleted.headers.getSetCookie().some((c) => c.startsWith(`astapa_session_${project.id}=;`)));
  const twice = await b.post("/account", { action: "delete", confirm: "leaving@example.com" });
  assert.equal(twice.status, 303); // no session any more: the sign-in, not a second deletion
  const events = await t.db
    .sql`select 1 from astapa.events where type = 'user.deleted' and data -> 'user' ->> 'id' = ${b.user}`;
  assert.equal(events.length, 1);
  const platform = await t.app.request(`/api/platform/users/${b.user}/claims`, {
    headers: { authorization: basic(project.clientId, project.secret) },
  });
  assert.equal(platform.status, 404);
  await platform.body?.cancel();
  const found = await t.app.request(`/api/platform/users?email=leaving@example.com`, {
    headers: { authorization: basic(project.clientId, project.secret) },
  });
  assert.equal(found.status, 404);
  await found.body?.cancel();
});
