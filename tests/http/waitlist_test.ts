/**
 * settings.sign_up mode waitlist through the real hosted login, Platform API and mail (docs/project-settings.md
 * "Who may sign up"): the sign-up page offers the waitlist (en, id; the sign-in page keeps its link); joining
 * answers the same whatever the address's state and stores one row an address; an address not approved is refused
 * on every sign-up path (password, emailed code, Google) with the waitlist offered, a declined one too; approval
 * mails a link (SMTP sink) that leads to a working sign-up, once however often it is approved; another project's
 * entry is not found. Bot protection on the form: tests/http/bot_protection_test.ts; stale form: stale_forms_test.
 */
import assert from "node:assert/strict";
import { followBack, projectRows, socialTestApp, startSignIn } from "../helpers/social.ts";
import { type SeededProject, seedProject, seedUser } from "../helpers/identity.ts";
import { mailText, submitForm } from "../helpers/login.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { MailSender } from "@/lib/mail/sender.ts";

const { google, t } = await socialTestApp();
const sql = t.db.sql;
const sink = startSmtpSink();
const sender = new MailSender(sql, sink.url, "Astapa <no-reply@astapa.test>");
await sender.start();
Deno.test.afterAll(async () => {
  await sender.stop();
  sink.close();
});

const settings = {
  sign_up: { mode: "waitlist" },
  email_codes: true,
  email_code_sign_up: true,
  social_login: { google: true },
};
const project = await seedProject(sql, { name: "Toko", redirectUri: "https://toko.example/cb", settings });
const other = await seedProject(sql, { name: "Lain", settings: { sign_up: { mode: "waitlist" } } });
const api = platformApi(t, project);

const query = (p: SeededProject, extra: Record<string, string> = {}) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri, state: "s", ...extra });

/** A browser holding a CSRF pair from the sign-in page, posting hosted-login forms of the request `extra` adds to. */
async function browser(p: SeededProject, extra: Record<string, string> = {}, lang = "en") {
  const request = query(p, extra);
  const page = await t.app.request(`/auth/login?${request}`);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  return (path: string, fields: Record<string, string>) =>
    t.app.request(`${path}?lang=${lang}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: t.origin },
      body: new URLSearchParams({ request: request.toString(), csrf, ...fields }),
    });
}

const join = async (p: SeededProject, email: string, lang = "en") =>
  await (await browser(p, {}, lang))("/auth/waitlist", { email });
const entryOf = async (email: string, p = project) =>
  (await sql`select id, status from astapa.waitlist_entries where project_id = ${p.id}
             and email_lower = lower(${email})`)[0];
const entriesOf = async (email: string) =>
  (await sql`select count(*)::int as n from astapa.waitlist_entries where email_lower = lower(${email})`)[0]
    .n;
const outboxTo = async (email: string) =>
  (await sql`select count(*)::int as n from astapa.mail_outbox where lower(to_address) = lower(${email})`)[0]
    .n;

Deno.test("waitlist — the sign-up page offers the waitlist in en and id; the sign-in page keeps Sign up", async () => {
  const en = await t.app.request(`/auth/signup?${query(project)}`);
  assert.equal(en.status, 200);
  const html = await en.text();
  assert.match(html, /<h1 id="auth-heading">Join the waitlist<\/h1>/);
  assert.match(html, /Join the waitlist for Toko/, "the project's name, as its other pages");
  assert.match(html, /<form method="post" action="\/auth\/waitlist\?lang=en"/);
  assert.doesNotMatch(html, /type="password"/);
  const id = await (await t.app.request(`/auth/signup?${query(project)}&lang=id`)).text();
  assert.match(id, /<html lang="id"/);
  assert.match(id, /Gabung daftar tunggu untuk Toko/);
  const login = await (await t.app.request(`/auth/login?${query(project)}`)).text();
  assert.match(login, /href="\/auth\/signup\?/);
  const direct = await (await t.app.request(`/auth/waitlist?${query(project)}&lang=id`)).text();
  assert.match(direct, /Gabung daftar tunggu/);
  // A project without a waitlist sends /auth/waitlist on to its sign-up page.
  const open = await seedProject(sql, { name: "Buka" });
  const moved = await t.app.request(`/auth/waitlist?${query(open)}`);
  assert.equal(moved.status, 303);
  assert.match(moved.headers.get("location")!, /^\/auth\/signup\?client_id=/);
});

Deno.test("waitlist — joining answers the same page and status for a new, waiting, approved, declined and an account's address; one row each", async () => {
  await seedUser(sql, project.id, "ada@toko.example");
  const addresses = ["baru@toko.example", "antre@toko.example", "boleh@toko.example", "tolak@toko.example"];
  for (const email of addresses.slice(1)) (await join(project, email)).body?.cancel();
  assert.equal(
    (await api("POST", `/waitlist/${(await entryOf("boleh@toko.example")).id}/approve`)).status,
    200,
  );
  assert.equal(
    (await api("POST", `/waitlist/${(await entryOf("tolak@toko.example")).id}/decline`)).status,
    200,
  );
  const answers: { lang: string; status: number; html: string }[] = [];
  for (const email of [...addresses, "ada@toko.example", "ANTRE@toko.example"]) {
    for (const lang of ["en", "id"]) {
      const res = await join(project, email, lang);
      const html = (await res.text()).replace(/nonce="[^"]*"/g, "");
      answers.push({ lang, status: res.status, html });
    }
  }
  for (const lang of ["en", "id"]) {
    const pages = answers.filter((a) => a.lang === lang);
    assert.deepEqual(new Set(pages.map((a) => a.status)), new Set([200]));
    assert.equal(new Set(pages.map((a) => a.html)).size, 1, `one page whatever the address (${lang})`);
    assert.doesNotMatch(pages[0].html, /@toko\.example|%40toko/, "the address is not repeated");
  }
  assert.match(answers[0].html, /You're on the list. We'll email you when you can sign up./);
  assert.match(answers[1].html, /Anda sudah masuk daftar/);
  for (const email of [...addresses, "ada@toko.example"]) assert.equal(await entriesOf(email), 1, email);
  assert.equal((await entryOf("boleh@toko.example")).status, "approved");
  assert.equal((await entryOf("tolak@toko.example")).status, "declined");
  // A malformed address is said to be one, and nothing is stored.
  const bad = await join(project, "not-an-address");
  assert.equal(bad.status, 422);
  assert.match(await bad.text(), /Enter a valid email address/);
  assert.equal(await entriesOf("not-an-address"), 0);
});

/** Each way a new person creates an account, driven to the step that would create it. */
const PATHS: Record<string, (email: string, lang: "en" | "id") => Promise<Response>> = {
  password: async (email, lang) =>
    await (await browser(project, {}, lang))("/auth/signup", { email, password: "kopi-tubruk-9" }),
  "emailed code": async (email, lang) => {
    const post = await browser(project, {}, lang);
    const sent = await sink.messages.filter((m) => m.to.includes(email)).length;
    await (await post("/auth/email-code", { action: "send", email })).body?.cancel();
    await sink.waitFor(email);
    const mail = sink.messages.filter((m) => m.to.includes(email))[sent];
    const code = /^\s*(\d{6})\s*$/m.exec(mailText(mail.data))![1];
    return await post("/auth/email-code", { action: "verify", email, code });
  },
  google: async (email, lang) => {
    google.approveAs = { sub: `g-${email}`, email, email_verified: true };
    return await followBack(t, await startSignIn(t, project, "google", lang));
  },
};

const REFUSED = {
  en: "Sign-ups for Toko go through a waitlist, and this address is not approved yet.",
  id: "Pendaftaran untuk Toko melalui daftar tunggu, dan alamat ini belum disetujui.",
};

Deno.test("waitlist — an address not approved (never joined, waiting, declined) is refused on every path, en and id, the waitlist offered; nothing written", async () => {
  let n = 0;
  for (const [name, attempt] of Object.entries(PATHS)) {
    for (const lang of ["en", "id"] as const) {
      for (const state of ["none", "waiting", "declined"]) {
        const email = `orang${++n}@toko.example`;
        if (state !== "none") (await join(project, email)).body?.cancel();
        if (state === "declined") await api("POST", `/waitlist/${(await entryOf(email)).id}/decline`);
        const before = await projectRows(sql, project.id);
        const res = await attempt(email, lang);
        const html = await res.text();
        assert.equal(res.status, 403, `${name} ${state} ${lang}: ${html.slice(0, 300)}`);
        assert.ok(html.includes(REFUSED[lang]), `${name} ${state} ${lang}: ${html.slice(0, 600)}`);
        assert.match(html, new RegExp(`href="/auth/waitlist\\?[^"]*lang=${lang}"`), "the waitlist offered");
        const after = await projectRows(sql, project.id);
        assert.deepEqual([after.users, after.identities, after.sessions], [
          before.users,
          before.identities,
          before.sessions,
        ], `${name} ${state}`);
      }
    }
  }
});

Deno.test("waitlist — approval mails a link to the sign-up form filled in, which makes the account; approving again mails nothing more", async () => {
  const email = "rina@toko.example";
  (await join(project, email)).body?.cancel();
  const listed = await api("GET", "/waitlist?status=waiting");
  const entry = listed.body.entries.find((e: { email: string }) => e.email === email);
  assert.equal(entry.status, "waiting");
  const approved = await api("POST", `/waitlist/${entry.id}/approve`);
  assert.equal(approved.status, 200);
  assert.equal(approved.body.status, "approved");
  const again = await api("POST", `/waitlist/${entry.id}/approve`);
  assert.deepEqual(again.body, approved.body, "idempotent");
  assert.equal(await outboxTo(email), 1, "one mail");
  const mail = await sink.waitFor(email, /Subject: You can now sign up for Toko/);
  const text = mailText(mail.data);
  assert.doesNotMatch(
    text,
    /Anda sekarang bisa mendaftar di Toko|Buat akun Anda/,
    "joined in English: English only",
  );
  assert.doesNotMatch(mail.data, /Subject: .*\//, "one subject, not two");
  const link = new URL(/https?:\/\/\S+\/auth\/signup\?\S+/.exec(text)![0]);
  assert.equal(link.origin, t.origin);
  assert.deepEqual(
    [
      link.searchParams.get("client_id"),
      link.searchParams.get("redirect_uri"),
      link.searchParams.get("login_hint"),
      link.searchParams.get("lang"),
    ],
    [project.clientId, project.redirectUri, email, "en"],
  );
  const form = await (await t.app.request(link.pathname + link.search)).text();
  assert.match(form, /<h1 id="auth-heading">Create your account<\/h1>/);
  assert.match(form, new RegExp(`name="email"[^>]*value="${email}"|value="${email}"[^>]*name="email"`));
  const signedUp = await submitForm(t, project, "/auth/signup", { email, password: "kopi-tubruk-9" }, {
    login_hint: email,
  });
  assert.equal(signedUp.status, 303, await signedUp.text());
  assert.match(signedUp.headers.get("location")!, /^https:\/\/toko\.example\/cb\?code=/);
  const [user] = await sql`select count(*)::int as n from astapa.users where project_id = ${project.id}
    and email_lower = ${email}`;
  assert.equal(user.n, 1);
  assert.equal((await entryOf(email)).status, "approved", "kept as history");
});

Deno.test("waitlist — joined on the Indonesian page: the approval mail is Indonesian only and its link opens the page in Indonesian", async () => {
  const email = "sari@toko.example";
  (await join(project, email, "id")).body?.cancel();
  const approved = await api("POST", `/waitlist/${(await entryOf(email)).id}/approve`);
  assert.equal(approved.body.lang, "id", "the entry shows the language it joined in");
  const mail = await sink.waitFor(email);
  const text = mailText(mail.data);
  assert.match(text, /Anda meminta bergabung dengan Toko/);
  assert.doesNotMatch(text, /You asked to join|Create your account/, "no English");
  assert.match(mail.data, /lang=(3D)?"id"/, "the HTML says its language");
  const link = /https?:\/\/\S+\/auth\/signup\?\S+/.exec(text)![0];
  assert.equal(new URL(link).searchParams.get("lang"), "id");
  const page = await (await t.app.request(new URL(link).pathname + new URL(link).search)).text();
  assert.match(page, /<html lang="id"/);
});

Deno.test("waitlist — an entry from before languages were kept still gets both languages", async () => {
  const email = "lama@toko.example";
  (await join(project, email)).body?.cancel();
  await sql`update astapa.waitlist_entries set lang = null where project_id = ${project.id} and email_lower = ${email}`;
  const approved = await api("POST", `/waitlist/${(await entryOf(email)).id}/approve`);
  assert.equal(approved.body.lang, null);
  const text = mailText((await sink.waitFor(email)).data);
  assert.match(text, /You asked to join Toko/);
  assert.match(text, /Anda meminta bergabung dengan Toko/);
  assert.equal(new URL(/https?:\/\/\S+\/auth\/signup\?\S+/.exec(text)![0]).searchParams.get("lang"), null);
});

Deno.test("waitlist — an approved address signs up with Google too", async () => {
  const email = "gita@toko.example";
  (await join(project, email)).body?.cancel();
  await api("POST", `/waitlist/${(await entryOf(email)).id}/approve`);
  const res = await PATHS.google(email, "en");
  assert.equal(res.status, 303, await res.text());
  assert.equal((await sql`select count(*)::int as n from astapa.users where email_lower = ${email}`)[0].n, 1);
});

Deno.test("waitlist — Platform API: pages and statuses; decline mails nothing; another project's or a malformed entry is 404", async () => {
  for (const n of [1, 2, 3]) (await join(other, `p${n}@lain.example`)).body?.cancel();
  const lain = platformApi(t, other);
  const first = await lain("GET", "/waitlist?limit=2");
  assert.equal(first.status, 200);
  assert.deepEqual(first.body.entries.map((e: { email: string }) => e.email), [
    "p3@lain.example",
    "p2@lain.example",
  ]);
  const second = await lain("GET", `/waitlist?limit=2&before=${first.body.next_before}`);
  assert.deepEqual(second.body.entries.map((e: { email: string }) => e.email), ["p1@lain.example"]);
  assert.equal(second.body.next_before, null);
  assert.equal((await lain("GET", "/waitlist?status=maybe")).status, 400);
  const theirs = (await entryOf("p1@lain.example", other)).id;
  for (const action of ["approve", "decline"]) {
    const res = await api("POST", `/waitlist/${theirs}/${action}`);
    assert.equal(res.status, 404, res.text);
    assert.equal(res.body.error, "not_found");
  }
  assert.equal((await api("POST", "/waitlist/wle_nope/approve")).status, 404);
  assert.equal((await entryOf("p1@lain.example", other)).status, "waiting");
  const declined = await lain("POST", `/waitlist/${theirs}/decline`);
  assert.equal(declined.body.status, "declined");
  assert.equal(await outboxTo("p1@lain.example"), 0, "no mail");
  assert.deepEqual(
    (await lain("GET", "/waitlist?status=declined")).body.entries.map((e: { id: string }) => e.id),
    [
      theirs,
    ],
  );
});
