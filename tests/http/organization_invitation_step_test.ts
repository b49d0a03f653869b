/**
 * The invitation step of the hosted login (routes/auth/invitation.tsx): a sign-in link carrying an invitation
 * asks "Join …?" before anyone joins — anyone may send a signed-in person such a link to an organization of
 * their own (a login CSRF). Accept joins and makes it active; Not now goes on without it and leaves the
 * invitation open; a forged POST is refused; invitations the person cannot accept are refused as before.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testApp } from "../helpers/app.ts";
import { type SeededProject, seedProject } from "../helpers/identity.ts";
import { claimsOf, credentials, postForm } from "../helpers/token_client.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { csrfOf } from "../helpers/csrf.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const project = await seedProject(t.db.sql, { redirectUri: "https://toko.example/callback" });
const other = await seedProject(t.db.sql, { redirectUri: "https://other.example/callback" });

const query = (p: SeededProject, extra: Record<string, string> = {}) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri, scope: "openid", ...extra });

/** A browser signed in (by sign-up) as `email`, its address then confirmed. */
async function signedIn(p: SeededProject, email: string): Promise<FormBrowser> {
  const browser = new FormBrowser(t);
  const res = await browser.submit(`/auth/signup?${query(p)}`, { email, password: "correct horse" });
  assert.equal(res.status, 303);
  await t.db
    .sql`update astapa.users set email_verified = true where project_id = ${p.id} and email = ${email}`;
  return browser;
}

const as = <T>(p: SeededProject, run: (tx: Parameters<Parameters<typeof asApp>[2]>[0]) => Promise<T>) =>
  asApp(t.db.sql, p.id, run);

/** An organization owned by a new user (its inviter), and an invitation of `email` to it with `token`. */
async function invitation(p: SeededProject, slug: string, email: string, token: string, role = "member") {
  return await as(p, async (tx) => {
    const [boss] = await tx`select api.create_user(${p.id}, ${`boss@${slug}.example`}) ->> 'id' as id`;
    const [org] = await tx`select api.create_organization(${slug}, ${slug}, ${boss.id}) ->> 'id' as id`;
    await tx`select api.invite_to_organization(${org.id}, ${email}, ${role}, ${await sha256(token)}, 3600,
                                               ${boss.id})`;
    return org.id as string;
  });
}

const members = (p: SeededProject, org: string) =>
  as(p, async (tx) => {
    const [row] = await tx`select count(*)::int as n from astapa.organization_memberships
                           where organization_id = ${org}`;
    return row.n as number;
  });

const invitationStatus = (p: SeededProject, token: string) =>
  as(p, async (tx) => {
    const [row] = await tx`select api.organization_invitation(${await sha256(token)}) ->> 'status' as status`;
    return row.status as string;
  });

async function activeOrganization(p: SeededProject, location: string) {
  const code = new URL(location).searchParams.get("code");
  assert.ok(code, `no code in ${location}`);
  const { res, body } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: p.redirectUri,
    ...credentials(p),
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  const claims = claimsOf((body as { access_token: string }).access_token);
  return claims.org_id === undefined ? undefined : [claims.org_id, claims.org_role];
}

/** `href` in `lang`, as the page's language switch would ask for it. */
function inLang(href: string, lang: "en" | "id") {
  const url = new URL(href, "http://x");
  url.searchParams.set("lang", lang);
  return `${url.pathname}${url.search}`;
}

/** Opens the app's sign-in link with the invitation: the step's address. */
async function stepFor(browser: FormBrowser, token: string, extra: Record<string, string> = {}) {
  const res = await browser.get(`/auth/login?${query(project, { invitation: token, ...extra })}`);
  assert.equal(res.status, 303);
  const location = res.headers.get("location")!;
  assert.match(location, /^\/auth\/invitation\?/);
  return location;
}

Deno.test("invitation step — a signed-in person is asked first (en and id); Accept joins and makes it active", async () => {
  const token = "invitation-step-accept-0123456789";
  const org = await invitation(project, "warung", "ayu@toko.example", token, "admin");
  const browser = await signedIn(project, "ayu@toko.example");
  const step = await stepFor(browser, token);
  assert.equal(await members(project, org), 1, "nobody joined by opening the link");
  const en = await (await browser.get(step)).text();
  assert.match(en, /Join warung\?/);
  assert.match(en, /Invited by boss@warung\.example as admin\./);
  assert.match(en, /Accept the invitation/);
  assert.match(en, /Not now/);
  const id = await (await browser.get(inLang(step, "id"))).text();
  assert.match(id, /<html lang="id"/);
  assert.match(id, /Bergabung dengan warung\?/);
  assert.match(id, /Diundang oleh boss@warung\.example sebagai admin\./);
  assert.match(id, /Terima undangan/);
  assert.match(id, /Nanti saja/);
  const accepted = await browser.post(id, { answer: "accept" });
  assert.equal(accepted.status, 303);
  assert.deepEqual(await activeOrganization(project, accepted.headers.get("location")!), [org, "admin"]);
  assert.equal(await members(project, org), 2);
  assert.equal(await invitationStatus(project, token), "accepted");
  // Already a member: the link asks nothing more (the picker says the invitation is used, as before).
  const again = await browser.get(`/auth/login?${query(project, { invitation: token })}`);
  assert.match(again.headers.get("location")!, /^\/auth\/organization\?.*error=invitation_unusable/);
});

Deno.test("invitation step — Not now goes on without joining or the organization; the invitation stays open and is accepted later", async () => {
  const token = "invitation-step-later-0123456789";
  const org = await invitation(project, "kedai", "budi@toko.example", token);
  const browser = await signedIn(project, "budi@toko.example");
  const page = await (await browser.get(await stepFor(browser, token))).text();
  const later = await browser.post(page, { answer: "later" });
  assert.equal(later.status, 303);
  assert.equal(await activeOrganization(project, later.headers.get("location")!), undefined);
  assert.equal(await members(project, org), 1);
  assert.equal(await invitationStatus(project, token), "pending");
  // The app asked for that very organization: Not now does not make it active either (the picker says so).
  const asked = await (await browser.get(await stepFor(browser, token, { organization: org }))).text();
  const refused = await browser.post(asked, { answer: "later" });
  assert.match(refused.headers.get("location")!, /^\/auth\/organization\?.*error=not_member/);
  assert.equal(await members(project, org), 1);
  // In Bahasa Indonesia, later on: the same link asks again, and Terima undangan joins.
  const step = await stepFor(browser, token);
  const accepted = await browser.post(await (await browser.get(inLang(step, "id"))).text(), {
    answer: "accept",
  });
  assert.deepEqual(await activeOrganization(project, accepted.headers.get("location")!), [org, "member"]);
  assert.equal(await invitationStatus(project, token), "accepted");
});

Deno.test("invitation step — a forged POST (no CSRF token, or another browser's) joins nobody; prompt=none asks nothing and joins nobody", async () => {
  const token = "invitation-step-forged-0123456789";
  const org = await invitation(project, "pasar", "cici@toko.example", token);
  const victim = await signedIn(project, "cici@toko.example");
  const step = await stepFor(victim, token);
  const request = new URL(step, "http://x").search.slice(1);
  const forge = (fields: Record<string, string>) =>
    t.app.request("/auth/invitation", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: victim.header() },
      body: new URLSearchParams({ request, answer: "accept", ...fields }),
    });
  const bare = await forge({});
  assert.equal(bare.status, 400);
  await bare.body?.cancel();
  const attacker = new FormBrowser(t);
  const theirs = csrfOf(await (await attacker.get(`/auth/login?${query(project)}`)).text());
  const forged = await forge({ csrf: theirs });
  assert.equal(forged.status, 403);
  assert.match(await forged.text(), /This form expired/);
  assert.equal(await members(project, org), 1);
  assert.equal(await invitationStatus(project, token), "pending");
  // prompt=none cannot ask: the app hears interaction_required, and nobody joined.
  const silent = await victim.get(`/auth/login?${query(project, { invitation: token, prompt: "none" })}`);
  assert.equal(new URL(silent.headers.get("location")!).searchParams.get("error"), "interaction_required");
  assert.equal(await members(project, org), 1);
});

Deno.test("invitation step — another address's or another project's invitation: no step, the picker says why (en and id)", async () => {
  const token = "invitation-step-wrong-0123456789";
  await invitation(project, "toko-a", "dewi@toko.example", token);
  const elsewhere = "invitation-step-other-0123456789";
  await invitation(other, "toko-b", "eko@toko.example", elsewhere);
  const eko = await signedIn(project, "eko@toko.example");
  const wrong = await eko.get(`/auth/login?${query(project, { invitation: token })}`);
  const picker = wrong.headers.get("location")!;
  assert.match(picker, /^\/auth\/organization\?.*error=invitation_wrong_account/);
  assert.match(await (await eko.get(picker)).text(), /This invitation was sent to another email address/);
  assert.match(
    await (await eko.get(inLang(picker, "id"))).text(),
    /Undangan ini dikirim ke alamat email lain/,
  );
  // Sent straight to the step's address, the same.
  const direct = await eko.get(`/auth/invitation?${query(project, { invitation: token })}`);
  assert.match(direct.headers.get("location")!, /^\/auth\/organization\?.*error=invitation_wrong_account/);
  const unknown = await eko.get(`/auth/login?${query(project, { invitation: elsewhere })}`);
  const unknownPicker = unknown.headers.get("location")!;
  assert.match(unknownPicker, /^\/auth\/organization\?.*error=invitation_unknown/);
  assert.match(await (await eko.get(unknownPicker)).text(), /This invitation link is not valid for this app/);
  assert.match(
    await (await eko.get(inLang(unknownPicker, "id"))).text(),
    /Tautan undangan ini tidak berlaku untuk aplikasi ini/,
  );
  assert.equal(await invitationStatus(other, elsewhere), "pending");
});

Deno.test("invitation step — the request's ui_locales=id wins over an English browser: the step, and where Not now and Accept lead, are in Indonesian", async () => {
  const token = "invitation-step-locale-0123456789";
  const org = await invitation(project, "lapak", "fajar@toko.example", token);
  const browser = await signedIn(project, "fajar@toko.example");
  browser.headers = { "accept-language": "en-GB,en;q=0.9" };
  const step = await stepFor(browser, token, { ui_locales: "id-ID en" });
  assert.equal(new URL(step, "http://x").searchParams.get("lang"), "id");
  const page = await (await browser.get(step)).text();
  assert.match(page, /<html lang="id"/);
  assert.match(page, /Bergabung dengan lapak\?/);
  assert.match(page, /Terima undangan/);
  assert.match(page, /Nanti saja/);
  assert.doesNotMatch(page, /Accept the invitation/);
  // Not now, the app having asked for that organization: the picker says why, in Indonesian.
  const asked = await stepFor(browser, token, { ui_locales: "id", organization: org });
  const later = await browser.post(await (await browser.get(asked)).text(), { answer: "later" });
  const picker = later.headers.get("location")!;
  assert.match(picker, /^\/auth\/organization\?.*lang=id.*error=not_member/);
  const pickerPage = await (await browser.get(picker)).text();
  assert.match(pickerPage, /<html lang="id"/);
  assert.match(pickerPage, /Anda bukan anggota organisasi itu/);
  // Accept from two open copies of the step: the first joins, the second's picker says why, in Indonesian.
  const first = await (await browser.get(step)).text();
  const second = await (await browser.get(step)).text();
  const accepted = await browser.post(first, { answer: "accept" });
  assert.deepEqual(await activeOrganization(project, accepted.headers.get("location")!), [org, "member"]);
  const refused = await browser.post(second, { answer: "accept" });
  const refusal = refused.headers.get("location")!;
  assert.match(refusal, /^\/auth\/organization\?.*lang=id.*error=invitation_unusable/);
  assert.match(await (await browser.get(refusal)).text(), /Undangan ini tidak dapat digunakan lagi/);
  assert.equal(await members(project, org), 2);
});

Deno.test("invitation step — a stale form comes back as a reload would: the question with Accept and Not now, and why (en and id)", async () => {
  const token = "invitation-step-stale-0123456789";
  const org = await invitation(project, "gerai", "gita@toko.example", token);
  const browser = await signedIn(project, "gita@toko.example");
  const step = await stepFor(browser, token);
  const stranger = new FormBrowser(t);
  const expired = csrfOf(await (await stranger.get(`/auth/login?${query(project)}`)).text());
  for (const [lang, says] of [["en", /This form expired/], ["id", /Formulir ini kedaluwarsa/]] as const) {
    const page = await (await browser.get(inLang(step, lang))).text();
    const stale = await browser.post(page, { answer: "accept", csrf: expired });
    assert.equal(stale.status, 403);
    const again = await stale.text();
    assert.match(again, says);
    assert.match(again, new RegExp(`<html lang="${lang}"`));
    assert.match(again, lang === "en" ? /Join gerai\?/ : /Bergabung dengan gerai\?/);
    assert.match(again, /name="answer" value="accept"/);
    assert.match(again, /name="answer" value="later"/);
  }
  assert.equal(await members(project, org), 1, "the stale form joined nobody");
  // The form it comes back with works, as a reloaded one would.
  const stale = await browser.post(await (await browser.get(step)).text(), {
    answer: "accept",
    csrf: expired,
  });
  const accepted = await browser.post(await stale.text(), { answer: "accept" });
  assert.equal(accepted.status, 303);
  assert.deepEqual(await activeOrganization(project, accepted.headers.get("location")!), [org, "member"]);
});
