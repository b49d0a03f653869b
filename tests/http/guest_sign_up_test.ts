/**
 * A guest signs up on the hosted login and keeps their sub (docs/anonymous-users.md): the app's normal
 * authorization request with prompt=create and the guest's ID token as id_token_hint; the password sign-up puts
 * the address on the guest's row (user.updated, audited user.converted) and the code is for the same sub, no
 * longer a guest. Attacks: a forged, expired, access-token, signed-up user's, impersonation's or another
 * project's hint goes back to the app as invalid_request; a taken address answers as any sign-up (the guest stays a
 * guest); a second or concurrent conversion is guest_signed_up (en and id); a form without its CSRF token does
 * nothing.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { seedProject, seedUser } from "../helpers/oauth.ts";
import { guestRequest, hintsNamingNoGuest, redeemedIdClaims } from "../helpers/guests.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { claimsOf, credentials, postForm } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const PASSWORD = "kopi-tubruk-dan-pisang";

const guestsProject = (settings: Record<string, unknown> = {}) =>
  seedProject(t.db.sql, { name: "Warung", settings: { anonymous_users: { enabled: true }, ...settings } });

/** A new guest's tokens, as the app's front end gets them. */
async function guest(p: SeededProject) {
  const { res, body } = await postForm(t, "/api/platform/anonymous", { client_id: p.clientId });
  assert.equal(res.status, 200, JSON.stringify(body));
  return body as { access_token: string; id_token: string; refresh_token: string };
}

/** The app's authorization request for a guest's sign-up, and the verifier to redeem its code. */
async function signUpRequest(p: SeededProject, hint: string) {
  const { query, verifier } = await guestRequest(p, hint);
  return { path: `/auth/login?${query}`, verifier };
}

/** Follows /auth/login's redirect to the sign-up page and posts it. */
async function signUp(browser: FormBrowser, path: string, fields: Record<string, string>) {
  const login = await browser.get(path);
  assert.equal(login.status, 303);
  const signup = login.headers.get("location")!;
  assert.match(signup, /^\/auth\/signup\?/);
  return await browser.submit(signup, fields);
}

const userRow = async (p: SeededProject, sub: string) =>
  (await t.db.sql`select email, is_anonymous, email_verified from astapa.users
    where project_id = ${p.id} and id = ${sub}::bigint`)[0];

Deno.test("guest sign-up — the same sub gets the address and password; the app's code is for it, no longer a guest", async () => {
  const project = await guestsProject();
  const tokens = await guest(project);
  const sub = claimsOf(tokens.access_token).sub as string;
  const { path, verifier } = await signUpRequest(project, tokens.id_token);
  const browser = new FormBrowser(t);
  const page = await (await browser.get(path)).headers.get("location")!;
  const html = await (await browser.get(page)).text();
  // "Sign in instead" leaves the guest out: an existing account is signed in to as itself.
  const signIn = /href="(\/auth\/login\?[^"]+)"/.exec(html)![1].replaceAll("&amp;", "&");
  assert.doesNotMatch(signIn, /id_token_hint|prompt=create/);
  const done = await browser.post(html, { email: "tamu@example.com", password: PASSWORD });
  assert.equal(done.status, 303);
  const { access } = await redeemedIdClaims(t, project, done.headers.get("location")!, verifier);
  assert.equal(access.sub, sub, "the same sub");
  assert.equal(access.is_anonymous, undefined);
  assert.equal(access.email, "tamu@example.com");
  assert.deepEqual(access.amr, ["pwd"]);
  assert.deepEqual({ ...await userRow(project, sub) }, {
    email: "tamu@example.com",
    is_anonymous: false,
    email_verified: false,
  });
  const [updated] = await t.db.sql`select data from astapa.events where project_id = ${project.id}
    and type = 'user.updated'`;
  assert.equal(updated.data.user.id, sub);
  assert.equal(updated.data.user.is_anonymous, false);
  assert.deepEqual(updated.data.previous, { email: null, is_anonymous: true });
  const audits = await t.db.sql`select action from astapa.audit_log where project_id = ${project.id}
    and target = ${"user:" + sub} order by id`;
  assert.deepEqual(audits.map((a) => a.action).filter((a) => a.startsWith("user.")), [
    "user.create",
    "user.converted",
    "user.sign_in",
  ]);
  const [mail] = await t.db.sql`select count(*)::int as n from astapa.mail_outbox
    where project_id = ${project.id} and to_address = 'tamu@example.com'`;
  assert.equal(mail.n, 1, "the verification mail, as for any sign-up");
  // The guest's old refresh token is the account's now: it refreshes to tokens without is_anonymous.
  const refreshed = await postForm(t, "/api/platform/token", {
    ...credentials(project),
    grant_type: "refresh_token",
    refresh_token: tokens.refresh_token,
  });
  assert.equal(refreshed.res.status, 200);
  assert.equal(claimsOf(refreshed.body.access_token).is_anonymous, undefined);
  assert.equal(claimsOf(refreshed.body.access_token).email, "tamu@example.com");

  // The same hint again (a second tab, a replayed request): the guest signed up already, in en and id.
  for (const [lang, says] of [["en", /signed up already/], ["id", /sudah didaftarkan/]] as const) {
    const again = new FormBrowser(t);
    again.headers["accept-language"] = lang;
    again.headers.accept = "text/html";
    const replay = await signUp(again, path, { email: `lagi-${lang}@example.com`, password: PASSWORD });
    assert.equal(replay.status, 409);
    assert.match(await replay.text(), says);
  }
  assert.equal((await userRow(project, sub)).email, "tamu@example.com");
});

Deno.test("guest sign-up — hints that name no guest of this client go back to the app as invalid_request, nothing made", async () => {
  const project = await guestsProject();
  const tokens = await guest(project);
  const member = await seedUser(t.db.sql, project.id, "anggota@example.com");
  const hints = await hintsNamingNoGuest(t, project, {
    sub: claimsOf(tokens.access_token).sub as string,
    idToken: tokens.id_token,
    accessToken: tokens.access_token,
  }, member);
  const [, forged] = hints[0];
  const before =
    (await t.db.sql`select count(*)::int as n from astapa.users where project_id = ${project.id}`)[0].n;
  for (const [name, hint] of hints) {
    const { path } = await signUpRequest(project, hint);
    const signup = `/auth/signup?${new URL(path, "http://x").searchParams}`;
    const res = await new FormBrowser(t).get(signup);
    assert.equal(res.status, 303, name);
    const back = new URL(res.headers.get("location")!);
    assert.equal(back.origin + back.pathname, project.redirectUri, name);
    assert.equal(back.searchParams.get("error"), "invalid_request", name);
    assert.equal(back.searchParams.get("state"), "guest-state", name);
  }
  // A genuine hint of this project posted with a forged one in the form's request: refused the same way.
  const { path } = await signUpRequest(project, tokens.id_token);
  const browser = new FormBrowser(t);
  const html = await (await browser.get(`/auth/signup?${new URL(path, "http://x").searchParams}`)).text();
  const swapped = html.replace(/id_token_hint=[^&"]+/, `id_token_hint=${forged}`);
  const refused = await browser.post(swapped, { email: "palsu@example.com", password: PASSWORD });
  assert.equal(refused.status, 303);
  assert.equal(new URL(refused.headers.get("location")!).searchParams.get("error"), "invalid_request");
  const after =
    (await t.db.sql`select count(*)::int as n from astapa.users where project_id = ${project.id}`)[0].n;
  assert.equal(after, before);
  assert.equal((await userRow(project, claimsOf(tokens.access_token).sub as string)).is_anonymous, true);
});

Deno.test("guest sign-up — a taken address answers as any sign-up (409 or check-your-email) and the guest stays a guest", async () => {
  for (const settings of [{}, { require_verified_email: true }]) {
    const project = await guestsProject(settings);
    await seedUser(t.db.sql, project.id, "ada@example.com");
    const tokens = await guest(project);
    const sub = claimsOf(tokens.access_token).sub as string;
    const { path } = await signUpRequest(project, tokens.id_token);
    const taken = await signUp(new FormBrowser(t), path, { email: "ADA@example.com", password: PASSWORD });
    const fresh = await signUp(
      new FormBrowser(t),
      (await signUpRequest(project, (await guest(project)).id_token)).path,
      {
        email: "baru@example.com",
        password: PASSWORD,
      },
    );
    if (settings.require_verified_email) {
      assert.equal(taken.status, 200);
      assert.equal(fresh.status, 200);
      const notice = (html: string) => /<p[^>]*role="status"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1];
      assert.equal(notice(await taken.text()), notice(await fresh.text()), "the same answer either way");
    } else {
      assert.equal(taken.status, 409);
      assert.equal(fresh.status, 303);
    }
    assert.deepEqual({ ...await userRow(project, sub) }, {
      email: null,
      is_anonymous: true,
      email_verified: false,
    });
  }
});

Deno.test("guest sign-up — two at once: one keeps the guest, the other is guest_signed_up; no CSRF token, nothing", async () => {
  const project = await guestsProject();
  const tokens = await guest(project);
  const sub = claimsOf(tokens.access_token).sub as string;
  const { path } = await signUpRequest(project, tokens.id_token);
  const forms = await Promise.all([1, 2].map(async () => {
    const browser = new FormBrowser(t);
    const login = await browser.get(path);
    const html = await (await browser.get(login.headers.get("location")!)).text();
    return { browser, html };
  }));
  const noCsrf = await forms[0].browser.post(
    forms[0].html.replace(/name="csrf" value="[^"]+"/, 'name="csrf" value="x"'),
    {
      email: "csrf@example.com",
      password: PASSWORD,
    },
  );
  assert.equal(noCsrf.status, 403);
  assert.equal((await userRow(project, sub)).is_anonymous, true);
  const results = await Promise.all(
    forms.map(({ browser, html }, n) =>
      browser.post(html, { email: `dua-${n}@example.com`, password: PASSWORD })
    ),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), [303, 409]);
  const row = await userRow(project, sub);
  assert.equal(row.is_anonymous, false);
  assert.match(row.email, /^dua-[01]@example\.com$/);
  const [count] = await t.db
    .sql`select count(*)::int as n from astapa.users where project_id = ${project.id}`;
  assert.equal(count.n, 1, "no second account");
});

Deno.test("guest sign-up — a guest the app signed out (its refresh tokens revoked) is not converted by its still-valid ID token", async () => {
  const project = await guestsProject();
  const tokens = await guest(project);
  const sub = claimsOf(tokens.access_token).sub as string;
  // The app signs the guest out (RFC 7009 revocation of its refresh token): whoever still holds the guest's ID
  // token (a shared device, a copied link) must not give the guest's sub, plan and payments an address of theirs.
  const revoked = await postForm(t, "/api/platform/revoke", {
    ...credentials(project),
    token: tokens.refresh_token,
  });
  assert.equal(revoked.res.status, 200);
  const { path } = await signUpRequest(project, tokens.id_token);
  const refused = await signUp(new FormBrowser(t), path, {
    email: "pemungut@example.com",
    password: PASSWORD,
  });
  assert.equal(refused.status, 409);
  assert.match(await refused.text(), /signed out/);
  assert.deepEqual({ ...await userRow(project, sub) }, {
    email: null,
    is_anonymous: true,
    email_verified: false,
  });
});
