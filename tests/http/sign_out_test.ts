/**
 * Sign-out (issue 17 #12): a GET never signs anyone out — it asks, and the CSRF-checked POST does it — while
 * RP-initiated logout keeps its meaning: back to post_logout_redirect_uri (with state) only when registered.
 * (Moved here from hosted_login_mail_test.ts, where sign-out was a GET.)
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { mergeCookies, seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { sessionCookie, submitForm } from "../helpers/login.ts";
import { postForm } from "../helpers/form_browser.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Warung", redirectUri: "https://warung.example/cb" });
await seedPasswordUser(t.db.sql, project.id, "out@example.com", "long enough");

async function signedIn(): Promise<string> {
  const res = await submitForm(t, project, "/auth/login", {
    email: "out@example.com",
    password: "long enough",
  });
  assert.equal(res.status, 303);
  return sessionCookie(res, project.id)!;
}

const silentSignIn = async (cookie: string) => {
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const res = await t.app.request(`/auth/login?${query}`, { headers: { cookie } });
  await res.body?.cancel();
  return res.status === 303;
};

/**
 * The confirmation page's form as a browser reads it (the shared parser): where it posts, the fields it
 * submits, its CSRF token, and the cookies the browser now holds.
 */
async function confirmation(res: Response, cookie: string) {
  const html = await res.text();
  const form = postForm(html);
  assert.ok(form, `a confirmation form: ${html.slice(0, 200)}`);
  const fields = Object.fromEntries(form.fields);
  assert.ok(fields.csrf, `a CSRF field: ${html.slice(0, 200)}`);
  return { html, csrf: fields.csrf, action: form.action, fields, cookie: mergeCookies(cookie, res) };
}

const logoutQuery = (extra: Record<string, string> = {}) =>
  new URLSearchParams({
    client_id: project.clientId,
    post_logout_redirect_uri: project.redirectUri,
    state: "z",
    ...extra,
  });

Deno.test("sign-out — a GET only asks; the POST ends the session and returns to the registered URI with state", async () => {
  const cookie = await signedIn();
  const asked = await t.app.request(`/auth/logout?${logoutQuery()}`, { headers: { cookie } });
  assert.equal(asked.status, 200);
  const form = await confirmation(asked, cookie);
  assert.match(form.html, /Sign out\?/);
  assert.equal(form.action, "/auth/logout?lang=en");
  assert.ok(await silentSignIn(cookie), "the GET changed nothing: still signed in");

  assert.deepEqual(Object.keys(form.fields).sort(), [
    "client_id",
    "csrf",
    "post_logout_redirect_uri",
    "state",
  ]);
  const out = await t.app.request(form.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
    body: new URLSearchParams(form.fields),
  });
  assert.equal(out.status, 303);
  assert.equal(out.headers.get("location"), `${project.redirectUri}?state=z`);
  assert.equal(await silentSignIn(cookie), false, "the old cookie no longer signs in");
});

Deno.test("sign-out — a forged POST (no CSRF token, or from another origin) signs nobody out", async () => {
  const cookie = await signedIn();
  const asked = await t.app.request(`/auth/logout?${logoutQuery()}`, { headers: { cookie } });
  const form = await confirmation(asked, cookie);
  const forged: { headers: Record<string, string>; csrf: string }[] = [
    { headers: {}, csrf: "x".repeat(43) },
    { headers: { origin: "https://evil.example" }, csrf: form.csrf },
  ];
  for (const attempt of forged) {
    const res = await t.app.request("/auth/logout", {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: form.cookie,
        ...attempt.headers,
      },
      body: new URLSearchParams({ client_id: project.clientId, csrf: attempt.csrf }),
    });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /This form expired/);
    assert.ok(await silentSignIn(cookie), "still signed in");
  }
});

Deno.test("sign-out — an unregistered post_logout_redirect_uri is never followed; nobody signed in goes straight on", async () => {
  const elsewhere = await t.app.request(
    `/auth/logout?${logoutQuery({ post_logout_redirect_uri: "https://evil.example/" })}`,
    { headers: { accept: "text/html" } },
  );
  assert.equal(elsewhere.status, 200);
  assert.match(await elsewhere.text(), /You are signed out/);
  const back = await t.app.request(`/auth/logout?${logoutQuery()}`);
  assert.equal(back.status, 303, "no session: nothing to ask about");
  assert.equal(back.headers.get("location"), `${project.redirectUri}?state=z`);

  const cookie = await signedIn();
  const asked = await t.app.request(
    `/auth/logout?${logoutQuery({ post_logout_redirect_uri: "https://evil.example/" })}`,
    { headers: { cookie } },
  );
  const form = await confirmation(asked, cookie);
  const out = await t.app.request(form.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
    body: new URLSearchParams({
      client_id: project.clientId,
      post_logout_redirect_uri: "https://evil.example/",
      csrf: form.csrf,
    }),
  });
  assert.equal(out.status, 200);
  assert.match(await out.text(), /You are signed out/);
  assert.equal(await silentSignIn(cookie), false);
});
