/**
 * The dashboard's language (lib/dashboard/i18n.ts): the frame's switch keeps the developer's choice in a cookie,
 * which beats the browser's Accept-Language; a `?lang=` link beats both; English without any of them. The
 * choice reaches <html lang>, dates, form refusals and the hosted login the dashboard signs in through.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { DASHBOARD_LANG_COOKIE } from "@/lib/dashboard/i18n.ts";
import { CATALOGUES } from "@/lib/dashboard/text/all.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@bahasa.example");
const project = await seedProject(t.db.sql, { name: "Toko", redirectUri: "https://toko.example/cb" });
await addDeveloperTo(t, project.id, owner.accountId, "owner");
const base = `/dashboard/projects/${project.id}`;

/** A dashboard page as the owner, with extra cookies and headers. */
async function open(path: string, { cookie = "", acceptLanguage = "" } = {}) {
  const res = await t.app.request(path, {
    headers: {
      accept: "text/html",
      cookie: [owner.cookie, cookie].filter(Boolean).join("; "),
      ...(acceptLanguage ? { "accept-language": acceptLanguage } : {}),
    },
  });
  assert.equal(res.status, 200, path);
  return await res.text();
}

const htmlLang = (html: string) => /<html lang="([a-z]+)"/.exec(html)?.[1];

Deno.test("dashboard language — English with no choice and no Accept-Language; the switch offers Indonesian", async () => {
  const html = await open("/dashboard");
  assert.equal(htmlLang(html), "en");
  assert.match(html, /<h1>Projects<\/h1>/);
  assert.match(html, /<input type="hidden" name="lang" value="id"\/>/);
  assert.match(html, /<input type="hidden" name="back" value="\/dashboard"\/>/);
  assert.match(html, />Bahasa Indonesia<\/button>/);
});

Deno.test("dashboard language — Accept-Language id gives Indonesian; the cookie's choice beats it; ?lang= beats both", async () => {
  const byBrowser = await open("/dashboard", { acceptLanguage: "id-ID,id;q=0.9,en;q=0.5" });
  assert.equal(htmlLang(byBrowser), "id");
  assert.match(byBrowser, /<h1>Proyek<\/h1>/);
  assert.match(byBrowser, />English<\/button>/);
  const chosenEnglish = await open("/dashboard", {
    cookie: `${DASHBOARD_LANG_COOKIE}=en`,
    acceptLanguage: "id-ID,id;q=0.9",
  });
  assert.equal(htmlLang(chosenEnglish), "en");
  assert.match(chosenEnglish, /<h1>Projects<\/h1>/);
  const chosenIndonesian = await open("/dashboard", {
    cookie: `${DASHBOARD_LANG_COOKIE}=id`,
    acceptLanguage: "en",
  });
  assert.equal(htmlLang(chosenIndonesian), "id");
  const linked = await open("/dashboard?lang=en", { cookie: `${DASHBOARD_LANG_COOKIE}=id` });
  assert.equal(htmlLang(linked), "en");
  const unknown = await open("/dashboard", { cookie: `${DASHBOARD_LANG_COOKIE}=fr` });
  assert.equal(htmlLang(unknown), "en", "a cookie naming no language of ours is ignored");
});

Deno.test("dashboard language — the switch sets the cookie for /dashboard and goes back to the page it was on", async () => {
  const res = await postAs(t, owner, "/dashboard/language", {
    lang: "id",
    back: `${base}/users?guests=only`,
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), `${base}/users?guests=only`);
  const cookie = res.headers.get("set-cookie") ?? "";
  assert.match(cookie, new RegExp(`^${DASHBOARD_LANG_COOKIE}=id;`));
  assert.match(cookie, /Path=\/dashboard/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  const page = await open(`${base}/users?guests=only`, { cookie: cookie.split(";")[0] });
  assert.match(page, /<h1>Pengguna<\/h1>/);
  assert.match(
    page,
    /<input type="hidden" name="back" value="\/dashboard\/projects\/proj_[a-z2-7]+\/users"\/>/,
  );
});

Deno.test("dashboard language — the switch sends nobody off the dashboard, sets no other language and needs its token", async () => {
  for (
    const back of [
      "https://evil.example/",
      "//evil.example/dashboard",
      "/dashboardx",
      "/auth/login",
      "/dashboard\\evil",
      // A control character cannot go into a Location header: it was a 500 (the header refused), not the default.
      "/dashboard/\x00x",
      "/dashboard?\x01",
    ]
  ) {
    const res = await postAs(t, owner, "/dashboard/language", { lang: "en", back });
    assert.equal(res.status, 303, back);
    assert.equal(res.headers.get("location"), "/dashboard", back);
  }
  // A language it never offers changes nothing (tests/dashboard/refused_form_body_test.ts): back, no cookie.
  const french = await postAs(t, owner, "/dashboard/language", { lang: "fr", back: "/dashboard" });
  assert.equal(french.status, 303);
  assert.equal(french.headers.get("location"), "/dashboard");
  assert.equal(french.headers.get("set-cookie"), null);
  const forged = await postAs(
    t,
    owner,
    "/dashboard/language",
    { lang: "id", back: "/dashboard" },
    "not-the-token",
  );
  assert.equal(forged.status, 403);
  assert.equal(forged.headers.get("set-cookie"), null);
  const signedOut = await t.app.request("/dashboard/language", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "lang=id&back=/dashboard",
  });
  assert.equal(signedOut.status, 401);
});

Deno.test("dashboard language — a refused form and the error page speak the chosen language", async () => {
  const res = await t.app.request("/dashboard/projects/new", {
    method: "POST",
    headers: {
      accept: "text/html",
      cookie: `${owner.cookie}; ${DASHBOARD_LANG_COOKIE}=id`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ csrf: owner.csrf, name: " " }),
  });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.equal(htmlLang(html), "id");
  assert.match(html, /Beri nama proyeknya\./);
  assert.doesNotMatch(html, /Give the project a name/);
  const missing = await t.app.request("/dashboard/projects/proj_aaaaaaaaaaaaaaaaaaaaaaaaaa", {
    headers: { accept: "text/html", cookie: `${owner.cookie}; ${DASHBOARD_LANG_COOKIE}=id` },
  });
  const errorPage = await missing.text();
  assert.equal(htmlLang(errorPage), "id", `status ${missing.status}`);
});

Deno.test("dashboard language — a refused project form re-renders with the catalogue's Indonesian message", async () => {
  const res = await t.app.request(`${base}/redirect-uris`, {
    method: "POST",
    headers: {
      accept: "text/html",
      cookie: `${owner.cookie}; ${DASHBOARD_LANG_COOKIE}=id`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ csrf: owner.csrf, action: "add", uri: "not a url" }),
  });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(html, /<p class="alert" role="alert">Beberapa isian kosong atau tidak valid\./);
  assert.match(html, /<input type="hidden" name="back" value="\/dashboard\/projects\/proj_[a-z2-7]+"\/>/);
});

Deno.test("dashboard language — sign-in asks the hosted login for the dashboard's language", async () => {
  // Sign-in works from an https address only (this suite's own app is on plain http).
  const secure = await testApp({ env: { ASTAPA_BASE_URL: "https://astapa.test" } });
  try {
    const res = await secure.app.request("/dashboard/login", {
      headers: { cookie: `${DASHBOARD_LANG_COOKIE}=id` },
    });
    assert.equal(res.status, 303);
    assert.equal(new URL(res.headers.get("location")!).searchParams.get("ui_locales"), "id");
    const english = await secure.app.request("/dashboard/login", { headers: { "accept-language": "en-GB" } });
    assert.equal(new URL(english.headers.get("location")!).searchParams.get("ui_locales"), "en");
  } finally {
    await secure.close();
  }
});

Deno.test("dashboard language — the sign-in-unavailable page in Indonesian", async () => {
  const res = await t.app.request("/dashboard/login", { headers: { "accept-language": "id" } });
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.equal(htmlLang(html), "id");
  assert.match(html, /<h1>Masuk tidak tersedia di alamat ini<\/h1>/);
  assert.match(html, /Atur <code>ASTAPA_BASE_URL<\/code> ke alamat https/);
  assert.doesNotMatch(html, /Sign-in is not available|Developers sign in/);
});

Deno.test("dashboard language — every catalogue has the same keys in English and Indonesian, none empty", () => {
  for (const [name, words] of Object.entries(CATALOGUES)) {
    assert.deepEqual(Object.keys(words.id).sort(), Object.keys(words.en).sort(), name);
    for (const [key, value] of Object.entries(words.id)) {
      assert.ok(value.trim(), `${name}.${key} is empty in id`);
    }
    // Placeholders must survive translation, or a filled-in name or link would vanish.
    for (const [key, value] of Object.entries(words.en)) {
      const names = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      assert.deepEqual(names(words.id[key as keyof typeof words.id]), names(value), `${name}.${key}`);
    }
  }
});
