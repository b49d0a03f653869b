/**
 * The organization in the hosted login and the tokens (issue 28 item 2): the org picker after sign-in, the app's
 * `organization=` preselection, a project that requires one, an invitation accepted on the way through sign-up
 * once the address is confirmed and the person accepts (tests/http/organization_invitation_step_test.ts), and a
 * removed member's refresh without the org claims.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testApp } from "../helpers/app.ts";
import { type SeededProject, seedProject } from "../helpers/identity.ts";
import { claimsOf, credentials, postForm } from "../helpers/token_client.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { answerConfirmation, openMailedLink } from "../helpers/login.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const TOKEN = "/api/platform/token";

const project = await seedProject(t.db.sql, { redirectUri: "https://team.example/callback" });
const strict = await seedProject(t.db.sql, {
  redirectUri: "https://strict.example/callback",
  settings: { organization_required: true },
});

const query = (p: SeededProject, extra: Record<string, string> = {}) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri, scope: "openid", ...extra });

async function signUp(
  browser: FormBrowser,
  p: SeededProject,
  email: string,
  extra: Record<string, string> = {},
) {
  return await browser.submit(`/auth/signup?${query(p, extra)}`, { email, password: "correct horse" });
}

async function tokensFor(p: SeededProject, location: string) {
  const code = new URL(location).searchParams.get("code");
  assert.ok(code, `no code in ${location}`);
  const { res, body } = await postForm(t, TOKEN, {
    grant_type: "authorization_code",
    code,
    redirect_uri: p.redirectUri,
    ...credentials(p),
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  return body as { access_token: string; id_token: string; refresh_token: string };
}

const userId = async (p: SeededProject, email: string) =>
  await asApp(
    t.db.sql,
    p.id,
    async (tx) => (await tx`select id::text from astapa.users where email = ${email}`)[0].id,
  );

async function organization(p: SeededProject, slug: string, owner?: string): Promise<string> {
  return await asApp(t.db.sql, p.id, async (tx) => {
    const [row] = await tx`select api.create_organization(${slug}, ${slug}, ${owner ?? null}) ->> 'id' as id`;
    return row.id as string;
  });
}

Deno.test("org picker — a member chooses the organization; access and ID tokens carry it; a refresh after removal drops it", async () => {
  const browser = new FormBrowser(t);
  const first = await signUp(browser, project, "ayu@team.example");
  assert.ok(
    new URL(first.headers.get("location")!).searchParams.get("code"),
    "nobody in organizations: no picker",
  );
  const ayu = await userId(project, "ayu@team.example");
  const org = await organization(project, "kopi", ayu);
  const signedIn = await browser.get(`/auth/login?${query(project)}`);
  assert.equal(signedIn.status, 303);
  const picker = signedIn.headers.get("location")!;
  assert.match(picker, /^\/auth\/organization\?/);
  const page = await browser.get(picker);
  const html = await page.text();
  assert.match(html, /<h1 id="auth-heading">Choose an organization<\/h1>/);
  assert.match(html, /name="organization" value="org_[a-z2-7]{24}">kopi</);
  assert.match(html, /Continue without an organization/);
  const chosen = await browser.post(html, { organization: org });
  assert.equal(chosen.status, 303);
  const tokens = await tokensFor(project, chosen.headers.get("location")!);
  const access = claimsOf(tokens.access_token);
  assert.deepEqual([access.org_id, access.org_slug, access.org_role, access.org_permissions], [
    org,
    "kopi",
    "owner",
    [],
  ]);
  assert.equal(claimsOf(tokens.id_token).org_id, org);
  await asApp(t.db.sql, project.id, async (tx) => {
    const second =
      await tx`select (api.create_user(${project.id}, 'heir@team.example') ->> 'id')::bigint as id`;
    await tx`select api.add_organization_member(${org}, ${second[0].id}, 'owner')`;
    await tx`select api.remove_organization_member(${org}, ${ayu})`;
  });
  const refreshed = await postForm(t, TOKEN, {
    grant_type: "refresh_token",
    refresh_token: tokens.refresh_token,
    ...credentials(project),
  });
  assert.equal(refreshed.res.status, 200, JSON.stringify(refreshed.body));
  const after = claimsOf((refreshed.body as { access_token: string }).access_token);
  assert.equal(after.sub, ayu);
  assert.equal(after.org_id, undefined);
});

Deno.test("org picker — going on without an organization; organization= preselects; another organization is refused", async () => {
  const browser = new FormBrowser(t);
  await signUp(browser, project, "budi@team.example");
  const budi = await userId(project, "budi@team.example");
  const org = await organization(project, "teh", budi);
  const other = await organization(project, "susu");
  const picker = (await browser.get(`/auth/login?${query(project)}`)).headers.get("location")!;
  const personal = await browser.post(await (await browser.get(picker)).text(), { organization: "" });
  assert.equal(
    claimsOf((await tokensFor(project, personal.headers.get("location")!)).access_token).org_id,
    undefined,
  );
  const preselected = await browser.get(`/auth/login?${query(project, { organization: "teh" })}`);
  assert.equal(
    claimsOf((await tokensFor(project, preselected.headers.get("location")!)).access_token).org_id,
    org,
  );
  const refused = await browser.get(`/auth/login?${query(project, { organization: other })}`);
  const again = await browser.get(refused.headers.get("location")!);
  assert.match(await again.text(), /You are not a member of that organization/);
  const silent = await browser.get(`/auth/login?${query(project, { organization: other, prompt: "none" })}`);
  assert.equal(new URL(silent.headers.get("location")!).searchParams.get("error"), "access_denied");
  const bad = await browser.get(`/auth/login?${query(project, { organization: "Not A Slug" })}`);
  assert.equal(new URL(bad.headers.get("location")!).searchParams.get("error"), "invalid_request");
});

Deno.test("team plan — the token endpoint puts the organization's plan in custom_claims.org_plan beside the personal plan; a refresh reads it fresh", async () => {
  const browser = new FormBrowser(t);
  await signUp(browser, project, "citra@team.example");
  const citra = await userId(project, "citra@team.example");
  const org = await organization(project, "jamu", citra);
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`select api.create_plan(${project.id}, '{"key": "pro", "name": "Pro", "claims": {"feature_flags": ["export"]}}')`;
    await tx`select api.create_plan(${project.id}, '{"key": "business", "name": "Business", "claims": {"feature_flags": ["sso"]}}')`;
    await tx`select api.assign_plan(${project.id}, ${citra}, 'pro', 'claims_api')`;
    await tx`select api.set_plan_seats(${project.id}, 'business', 'per_seat')`;
    await tx`select api.update_organization(${org}, '{"plan": "business"}')`;
  });
  const signedIn = await browser.get(`/auth/login?${query(project, { organization: "jamu" })}`);
  const tokens = await tokensFor(project, signedIn.headers.get("location")!);
  const custom = claimsOf(tokens.access_token).custom_claims as Record<string, unknown>;
  assert.equal(custom.plan, "pro", "the personal plan stays the person's");
  assert.deepEqual(custom.feature_flags, ["export"]);
  assert.equal(custom.org_plan, "business");
  assert.deepEqual(custom.org_feature_flags, ["sso"]);
  await asApp(t.db.sql, project.id, (tx) => tx`select api.update_organization(${org}, '{"plan": null}')`);
  const refreshed = await postForm(t, TOKEN, {
    grant_type: "refresh_token",
    refresh_token: tokens.refresh_token,
    ...credentials(project),
  });
  assert.equal(refreshed.res.status, 200, JSON.stringify(refreshed.body));
  const after = claimsOf((refreshed.body as { access_token: string }).access_token);
  assert.equal(after.org_id, org);
  assert.equal((after.custom_claims as Record<string, unknown>).org_plan, undefined);
  assert.equal((after.custom_claims as Record<string, unknown>).plan, "pro");
});

Deno.test("org picker — a project that requires an organization: no way around it; in Bahasa Indonesia too", async () => {
  const browser = new FormBrowser(t);
  const signedUp = await signUp(browser, strict, "citra@strict.example");
  const picker = signedUp.headers.get("location")!;
  assert.match(picker, /^\/auth\/organization\?/);
  const html = await (await browser.get(picker)).text();
  assert.match(html, /This app needs an organization, and you are not a member of any yet/);
  assert.doesNotMatch(html, /Continue without an organization/);
  const forced = await browser.post(html, { organization: "" });
  assert.match(forced.headers.get("location")!, /^\/auth\/organization\?/);
  const indonesian = await browser.get(`${picker}&lang=id`);
  assert.match(await indonesian.text(), /Pilih organisasi/);
  const silent = await browser.get(`/auth/login?${query(strict, { prompt: "none" })}`);
  assert.equal(new URL(silent.headers.get("location")!).searchParams.get("error"), "interaction_required");
});

Deno.test("invitation — signing up through an invitation joins the organization once the address is confirmed and the person accepts, and makes it active", async () => {
  const boss = await asApp(
    t.db.sql,
    project.id,
    async (tx) =>
      (await tx`select api.create_user(${project.id}, 'boss@team.example') ->> 'id' as id`)[0].id as string,
  );
  const org = await organization(project, "warung", boss);
  const token = "invitation-token-for-dewi-0123456789";
  await asApp(
    t.db.sql,
    project.id,
    async (tx) =>
      tx`select api.invite_to_organization(${org}, 'dewi@team.example', 'admin', ${await sha256(token)})`,
  );
  const browser = new FormBrowser(t);
  const eko = new FormBrowser(t);
  const wrong = await signUp(eko, project, "eko@team.example", { invitation: token });
  assert.match(wrong.headers.get("location")!, /^\/auth\/organization\?.*error=invitation_wrong_account/);
  const wrongPage = await (await eko.get(wrong.headers.get("location")!)).text();
  assert.match(wrongPage, /This invitation was sent to another email address/);
  const onward = await eko.post(wrongPage, { organization: "" });
  assert.equal(
    claimsOf((await tokensFor(project, onward.headers.get("location")!)).access_token).org_id,
    undefined,
  );
  // Anyone may sign up with the invited address, and the token is no proof of the mailbox (an admin may have
  // copied the link): the invitation waits for the address to be confirmed, and the picker says so.
  const signedUp = await signUp(browser, project, "dewi@team.example", { invitation: token });
  const waiting = signedUp.headers.get("location")!;
  assert.match(waiting, /^\/auth\/organization\?.*error=invitation_unverified/);
  assert.match(await (await browser.get(waiting)).text(), /Confirm your email address first/);
  assert.match(await (await browser.get(`${waiting}&lang=id`)).text(), /Konfirmasi alamat email Anda dulu/);
  const [unproven] = await t.db.sql`select email_verified,
      (select count(*)::int from astapa.organization_memberships m where m.user_id = u.id) as memberships
    from astapa.users u where project_id = ${project.id} and email = 'dewi@team.example'`;
  assert.deepEqual({ ...unproven }, { email_verified: false, memberships: 0 });
  // The confirmation link mailed at sign-up goes on into the sign-up's request, which asks to join then
  // (routes/auth/invitation.tsx): accepting joins.
  const [mail] = await t.db.sql`select body_text from astapa.mail_outbox
    where to_address = 'dewi@team.example' and kind = 'verify_email' order by id desc limit 1`;
  const confirmed = browser.keep(
    await answerConfirmation(t, await openMailedLink(t, mail.body_text), "confirm", {
      password: "correct horse",
    }),
  );
  assert.equal(confirmed.status, 303);
  const step = confirmed.headers.get("location")!;
  assert.match(step, /^\/auth\/invitation\?/);
  const asked = await (await browser.get(step)).text();
  assert.match(asked, /Join warung\?/);
  assert.match(asked, /You are invited as admin\./); // invited by the app: no inviter to name
  const accepted = await browser.post(asked, { answer: "accept" });
  const access = claimsOf((await tokensFor(project, accepted.headers.get("location")!)).access_token);
  assert.deepEqual([access.org_id, access.org_role], [org, "admin"]);
  const again = await browser.get(`/auth/login?${query(project, { invitation: token })}`);
  const picker = await browser.get(again.headers.get("location")!);
  assert.match(await picker.text(), /This invitation can no longer be used/);
});

Deno.test("org picker — joining a full organization of one's domain: the picker says so, and nobody joins", async () => {
  const domainJoin = await seedProject(t.db.sql, {
    redirectUri: "https://domain.example/callback",
    settings: { organization_domain_join: "suggest" },
  });
  const org = await organization(domainJoin, "pabrik");
  await asApp(t.db.sql, domainJoin.id, async (tx) => {
    await tx`select api.add_organization_domain(${org}, 'pabrik.example')`;
    await tx`select api.verify_organization_domain(${org}, 'pabrik.example')`;
    await tx`select api.create_user(${domainJoin.id}, 'first@pabrik.example', null, true)`;
  });
  await asApp(t.db.sql, domainJoin.id, async (tx) => {
    await tx`select api.add_organization_member(${org}, ${await userId(domainJoin, "first@pabrik.example")})`;
  });
  await t.db.sql`update astapa.organizations set seat_limit = 1 where id = ${org}`;
  const browser = new FormBrowser(t);
  const signedUp = await signUp(browser, domainJoin, "second@pabrik.example");
  assert.equal(new URL(signedUp.headers.get("location")!).searchParams.get("code") !== null, true);
  await t.db.sql`update astapa.users set email_verified = true where email = 'second@pabrik.example'`;
  const again = await browser.get(`/auth/login?${query(domainJoin)}`);
  const picker = await (await browser.get(again.headers.get("location")!)).text();
  assert.match(picker, /domain lets you join:/);
  const refused = await browser.post(picker, { join: org });
  assert.match(refused.headers.get("location")!, /^\/auth\/organization\?.*error=join_failed/);
  assert.match(
    await (await browser.get(refused.headers.get("location")!)).text(),
    /You could not join that organization \(it may be full\)/,
  );
  const [{ count }] = await t.db.sql`select count(*)::int from astapa.organization_memberships
    where organization_id = ${org}`;
  assert.equal(count, 1);
});

Deno.test("org picker — a stale form comes back as a reload would: the person's organizations, and why", async () => {
  const browser = new FormBrowser(t);
  await signUp(browser, project, "sari@team.example");
  const org = await organization(project, "roti", await userId(project, "sari@team.example"));
  const picker = (await browser.get(`/auth/login?${query(project)}`)).headers.get("location")!;
  const stranger = new FormBrowser(t);
  const expired = csrfOf(await (await stranger.get(`/auth/login?${query(project)}`)).text());
  const stale = await browser.post(await (await browser.get(picker)).text(), {
    organization: org,
    csrf: expired,
  });
  assert.equal(stale.status, 403);
  const again = await stale.text();
  assert.match(again, /This form expired/);
  assert.match(again, new RegExp(`name="organization" value="${org}"`));
  const chosen = await browser.post(again, { organization: org });
  assert.equal(
    claimsOf((await tokensFor(project, chosen.headers.get("location")!)).access_token).org_id,
    org,
  );
});
