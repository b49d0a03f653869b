/**
 * The user page's forms: edit claims (the Claims API's function and messages), unlink a sign-in method (never
 * the last), sign out everywhere (sessions and refresh tokens), cancel/resume a paid subscription, delete the
 * user (typed confirmation), the user's audit entries; viewers read only; CSRF; every change audited as the developer.
 */
import { userMetadata } from "@/db/user_metadata.ts";
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { issueCode } from "../helpers/oauth.ts";
import { credentials, postForm } from "../helpers/token_client.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { assignPlan, createPlan } from "@/db/plans.ts";
import { tokenClaims } from "@/db/users.ts";
import { sessionUser } from "@/db/login.ts";
import { sha256 } from "@/lib/secrets.ts";

// The deployment has GitHub credentials, not Google's: a project without its own Google app offers no Google.
const t = await testApp({ env: { GITHUB_CLIENT_ID: "gh-deployment", GITHUB_CLIENT_SECRET: "gh-secret" } });
Deno.test.afterAll(() => t.close());

const ARGON = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
const project = await seedProject(t.db.sql, { name: "Shop" });
await asApp(t.db.sql, project.id, async (tx) => {
  await addMember(tx, project.id, owner.accountId, "owner");
  await createPlan(tx, project.id, { key: "pro", name: "Pro", price_idr: 99000 });
});
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;

async function passwordUser(email: string): Promise<string> {
  return await asApp(t.db.sql, project.id, async (tx) => {
    const [row] = await tx`select api.create_user(${project.id}, ${email}, ${ARGON}, true) ->> 'id' as id`;
    return row.id as string;
  });
}

async function lastAudit(action: string) {
  const [row] = await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`select actor, details from astapa.audit_log where action = ${action} order by id desc limit 1`,
  );
  return row;
}

Deno.test("user page — shows ways to sign in, sessions, subscription, own claims and the user's audit", async () => {
  const ayu = await passwordUser("ayu@example.com");
  await t.db.sql`insert into astapa.identities (project_id, provider, subject, user_id, email)
    values (${project.id}, 'github', 'gh-4242', ${ayu}, 'ayu@users.github.example')`;
  await asApp(
    t.db.sql,
    project.id,
    async (tx) => tx`select api.start_login_session(${ayu}, ${await sha256("s1")})`,
  );
  const html = await (await getAs(t, owner, `${base}/users/${ayu}`)).text();
  assert.match(html, /<h2 id="methods-heading">Ways to sign in<\/h2>/);
  assert.match(html, /<td>GitHub<\/td>/);
  assert.match(html, /gh-4242/);
  assert.match(html, /<td>Password<\/td>/);
  assert.match(html, /<h2 id="sessions-heading">Sessions<\/h2>[\s\S]*<td>live<\/td>/);
  // The device a session is on, parsed from its User-Agent (the raw string in the cell's title).
  await t.db
    .sql`update astapa.login_sessions set user_agent = ${"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15"} where project_id = ${project.id} and user_id = ${ayu}`;
  const withDevice = await (await getAs(t, owner, `${base}/users/${ayu}`)).text();
  assert.match(withDevice, /<td title="Mozilla\/5\.0 \(Macintosh[^"]*">Safari on macOS<\/td>/);
  assert.match(withDevice, /aria-label="End the session of Safari on macOS started /);
  assert.match(html, /Sign out everywhere/);
  assert.match(
    html,
    /No subscription: the project&#39;s default plan applies|No subscription: the project's default plan/,
  );
  assert.match(html, /name="extra"/);
  assert.match(html, /<h2 id="audit-heading">Audit log<\/h2>[\s\S]*user\.sign_in/);
  assert.ok(html.includes(`href="${base}/audit?user=${ayu}"`), "links to the full audit log for this user");
  const asViewer = await (await getAs(t, viewer, `${base}/users/${ayu}`)).text();
  for (const form of ["claims", "identities", "sessions", "subscription"]) {
    assert.ok(!asViewer.includes(`/users/${ayu}/${form}"`), `no ${form} form for viewers`);
  }
});

Deno.test("user page — editing claims goes through the Claims API function; the next token carries them", async () => {
  const budi = await seedUser(t.db.sql, project.id, "budi@example.com");
  const saved = await postAs(t, owner, `${base}/users/${budi}/claims`, {
    role: "editor",
    feature_flags: "beta_dashboard, export_csv beta_dashboard",
    extra: '{"seats": 5, "company_id": "acme"}',
  });
  assert.equal(saved.status, 303);
  assert.match(await (await getAs(t, owner, saved.headers.get("location")!)).text(), /Claims saved/);
  const claims = await asApp(t.db.sql, project.id, (tx) => tokenClaims(tx, project.id, budi));
  assert.deepEqual(claims, {
    plan: "free",
    role: "editor",
    feature_flags: ["beta_dashboard", "export_csv"],
    seats: 5,
    company_id: "acme",
  });
  assert.equal((await lastAudit("user_claims.set")).actor, `account:${owner.accountId}`);
  // Leaving a custom key out of the JSON removes it; an empty role clears it.
  await postAs(t, owner, `${base}/users/${budi}/claims`, {
    role: "",
    feature_flags: "",
    extra: '{"seats": 6}',
  });
  assert.deepEqual(await asApp(t.db.sql, project.id, (tx) => tokenClaims(tx, project.id, budi)), {
    plan: "free",
    feature_flags: [],
    seats: 6,
  });
});

Deno.test("user page — refused claims re-render with 422 and a message naming the problem; nothing changes", async () => {
  const citra = await seedUser(t.db.sql, project.id, "citra@example.com");
  const cases: [Record<string, string>, RegExp][] = [
    [{ extra: "{seats: 5" }, /Custom claims must be valid JSON/],
    [{ extra: "[1, 2]" }, /Custom claims must be a JSON object/],
    [{ extra: '{"plan": "pro"}' }, /plan has its own field/],
    [{ extra: '{"iss": "me"}' }, /iss/],
    [{ extra: '{"bad name": 1}' }, /bad name/],
    [{ role: "x".repeat(65) }, /role/i],
    [{ feature_flags: "a".repeat(65) }, /feature_flags/],
  ];
  for (const [fields, message] of cases) {
    const res = await postAs(t, owner, `${base}/users/${citra}/claims`, {
      role: "",
      feature_flags: "",
      ...fields,
    });
    assert.equal(res.status, 422, JSON.stringify(fields));
    const html = await res.text();
    assert.match(html, /<p class="alert" role="alert">/);
    assert.match(html, message, JSON.stringify(fields));
  }
  assert.deepEqual(await asApp(t.db.sql, project.id, (tx) => tokenClaims(tx, project.id, citra)), {
    plan: "free",
    feature_flags: [],
  });
});

Deno.test("user page — an Apple identity is listed as Apple and unlinked like Google's", async () => {
  const eka = await passwordUser("eka.apple@example.com");
  await t.db.sql`insert into astapa.identities (project_id, provider, subject, user_id, email)
    values (${project.id}, 'apple', '001.apple.eka', ${eka}, 'e9@privaterelay.appleid.com')`;
  const page = await (await getAs(t, owner, `${base}/users/${eka}`)).text();
  assert.match(page, /<td>Apple \(not offered by the project now\)<\/td>/);
  assert.match(page, /e9@privaterelay\.appleid\.com/);
  const unlinked = await postAs(t, owner, `${base}/users/${eka}/identities`, {
    provider: "apple",
    subject: "001.apple.eka",
  });
  assert.equal(unlinked.status, 303);
  assert.deepEqual((await lastAudit("identity.unlink")).details, { provider: "apple" });
});

Deno.test("user page — Apple's word that its private relay stopped forwarding is shown beside the identity", async () => {
  const ina = await passwordUser("ina.apple@example.com");
  await t.db
    .sql`insert into astapa.identities (project_id, provider, subject, user_id, email, email_forwarding)
    values (${project.id}, 'apple', '001.apple.ina', ${ina}, 'i9@privaterelay.appleid.com', false)`;
  const page = await (await getAs(t, owner, `${base}/users/${ina}`)).text();
  assert.match(
    page,
    /i9@privaterelay\.appleid\.com<span class="badge" data-relay-forwarding="off">Apple relay forwarding off/,
  );
  await t.db.sql`update astapa.identities set email_forwarding = true where subject = '001.apple.ina'`;
  assert.doesNotMatch(await (await getAs(t, owner, `${base}/users/${ina}`)).text(), /relay forwarding off/);
});

Deno.test("user page — unlinking a sign-in method; the last one is refused with 422", async () => {
  const dewi = await passwordUser("dewi@example.com");
  await t.db.sql`insert into astapa.identities (project_id, provider, subject, user_id)
    values (${project.id}, 'google', 'g-77', ${dewi})`;
  const unlinked = await postAs(t, owner, `${base}/users/${dewi}/identities`, {
    provider: "google",
    subject: "g-77",
  });
  assert.equal(unlinked.status, 303);
  assert.match(
    await (await getAs(t, owner, unlinked.headers.get("location")!)).text(),
    /Sign-in method removed/,
  );
  assert.deepEqual((await lastAudit("identity.unlink")).details, { provider: "google" });
  const last = await postAs(t, owner, `${base}/users/${dewi}/identities`, { provider: "password" });
  assert.equal(last.status, 422);
  assert.match(await last.text(), /only way this user can sign in/);
  const missing = await postAs(t, owner, `${base}/users/${dewi}/identities`, {
    provider: "github",
    subject: "x",
  });
  assert.equal(missing.status, 422);
  assert.match(await missing.text(), /no github identity x/);
  const myspace = await postAs(t, owner, `${base}/users/${dewi}/identities`, { provider: "myspace" });
  assert.equal(myspace.status, 422);
  assert.match(await myspace.text(), /role="alert">Some fields are missing or invalid\. provider: /);
});

Deno.test("user page — phone sign-in and email codes are read-only ways in (number masked); with them the last password may go", async () => {
  const coded = await seedProject(t.db.sql, {
    name: "Toko Kode",
    settings: { phone: { enabled: true }, email_codes: true },
  });
  await addDeveloperTo(t, coded.id, owner.accountId, "admin");
  const page = `/dashboard/projects/${coded.id}/users`;
  const methodsOf = (html: string) =>
    html.slice(
      html.indexOf('id="methods-heading"'),
      html.indexOf("</section>", html.indexOf('id="methods-heading"')),
    );

  const [{ id: rani }] = await asApp(
    t.db.sql,
    coded.id,
    (tx) => tx`select api.create_user(${coded.id}, 'rani@example.com', ${ARGON}, true) ->> 'id' as id`,
  );
  await t.db.sql`update astapa.users set phone_number = '+6281234567890', phone_number_verified = true
    where id = ${rani}`;
  const section = methodsOf(await (await getAs(t, owner, `${page}/${rani}`)).text());
  assert.match(section, /<td>Phone code<\/td>\s*<td>\s*\+62 •••• 7890<\/td>/);
  assert.doesNotMatch(section, /81234567890/, "the list shows the number masked");
  assert.match(section, /<td>Email code<\/td>\s*<td>\s*rani@example\.com<\/td>/);
  assert.equal(
    section.match(/name="provider"/g)?.length,
    1,
    "only the password has a form: the others are read-only",
  );
  assert.match(section, /<button type="submit" class="link danger">Remove password<\/button>/);
  assert.doesNotMatch(section, /The only way this user can sign in cannot be removed/);
  // The read-only rows cannot be posted either.
  const phone = await postAs(t, owner, `${page}/${rani}/identities`, { provider: "phone" });
  assert.equal(phone.status, 422);
  assert.match(await phone.text(), /role="alert">Some fields are missing or invalid\. provider: /);
  const removed = await postAs(t, owner, `${page}/${rani}/identities`, { provider: "password" });
  assert.equal(removed.status, 303, await removed.clone().text());
  const [{ has }] = await t.db
    .sql`select password_hash is not null as has from astapa.users where id = ${rani}`;
  assert.equal(has, false, "a code by phone or email still signs her in");

  // An unproven address and no number: the password is the only way in, its button disabled.
  const [{ id: sari }] = await asApp(
    t.db.sql,
    coded.id,
    (tx) => tx`select api.create_user(${coded.id}, 'sari@example.com', ${ARGON}, false) ->> 'id' as id`,
  );
  const alone = methodsOf(await (await getAs(t, owner, `${page}/${sari}`)).text());
  assert.doesNotMatch(alone, /Email code|Phone code/);
  assert.match(
    alone,
    /<button type="submit" class="link danger" disabled>Remove password<\/button>/,
  );
  assert.match(alone, /The only way this user can sign in cannot be removed/);
  const refused = await postAs(t, owner, `${page}/${sari}/identities`, { provider: "password" });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /only way this user can sign in/);
});

Deno.test("user page — a way the project does not offer now is greyed and counts for nothing", async () => {
  const methodsOf = (html: string) =>
    html.slice(
      html.indexOf('id="methods-heading"'),
      html.indexOf("</section>", html.indexOf('id="methods-heading"')),
    );
  // Google: no credentials in this deployment and no app of the project's own.
  const fitri = await passwordUser("fitri.greyed@example.com");
  await t.db.sql`insert into astapa.identities (project_id, provider, subject, user_id)
    values (${project.id}, 'google', 'g-fitri', ${fitri})`;
  const section = methodsOf(await (await getAs(t, owner, `${base}/users/${fitri}`)).text());
  assert.match(section, /<tr class="muted"><td>Google \(not offered by the project now\)<\/td>/);
  assert.match(section, /<tr><td>Password<\/td>/);
  assert.match(section, /<button type="submit" class="link danger" disabled>Remove password<\/button>/);
  assert.match(section, /<button type="submit" class="link danger">Unlink<\/button>/);
  assert.match(section, /The only way this user can sign in cannot be removed/);
  const refused = await postAs(t, owner, `${base}/users/${fitri}/identities`, { provider: "password" });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /only way this user can sign in/);

  // Only Google: nothing signs Gita in now; the identity stays (it works again once Google is offered).
  const gita = await seedUser(t.db.sql, project.id, "gita.greyed@example.com");
  await t.db.sql`insert into astapa.identities (project_id, provider, subject, user_id)
    values (${project.id}, 'google', 'g-gita', ${gita})`;
  const none = methodsOf(await (await getAs(t, owner, `${base}/users/${gita}`)).text());
  assert.match(none, /None of these signs the user in now/);
  assert.match(none, /<button type="submit" class="link danger" disabled>Unlink<\/button>/);
  assert.doesNotMatch(none, /The only way this user can sign in cannot be removed/);
});

Deno.test("user page — sign out everywhere ends sessions and revokes refresh tokens (the token endpoint refuses)", async () => {
  const eka = await passwordUser("eka@example.com");
  await asApp(
    t.db.sql,
    project.id,
    async (tx) => tx`select api.start_login_session(${eka}, ${await sha256("cookie-1")})`,
  );
  const code = await issueCode(t.db.sql, project, { userId: eka });
  const grant = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  assert.equal(grant.res.status, 200);
  assert.equal(await sessionUser(t.db.sql, project.id, "cookie-1"), eka);
  const res = await postAs(t, owner, `${base}/users/${eka}/sessions`, {});
  assert.equal(res.status, 303);
  assert.match(await (await getAs(t, owner, res.headers.get("location")!)).text(), /Signed out everywhere/);
  assert.equal(await sessionUser(t.db.sql, project.id, "cookie-1"), null);
  const refreshed = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: grant.body.refresh_token,
    ...credentials(project),
  });
  assert.equal(refreshed.res.status, 400);
  assert.equal(refreshed.body.error, "invalid_grant");
  const audit = await lastAudit("user.sign_out_everywhere");
  assert.deepEqual([audit.actor, audit.details], [`account:${owner.accountId}`, {
    sessions: 1,
    refresh_tokens: 1,
    authorization_codes: 0,
    device_authorizations: 0,
    email_changes: 0,
    mfa_challenges: 0,
    impersonation_links: 0,
  }]);
});

Deno.test("user page — End on one live session ends it alone; a forged sid is refused (422) and ends nothing", async () => {
  const fitri = await passwordUser("fitri@example.com");
  for (const cookie of ["cookie-phone", "cookie-laptop"]) {
    await asApp(
      t.db.sql,
      project.id,
      async (tx) => tx`select api.start_login_session(${fitri}, ${await sha256(cookie)})`,
    );
  }
  const page = await (await getAs(t, owner, `${base}/users/${fitri}`)).text();
  const sids = [...page.matchAll(/name="sid" value="(ses_[a-z2-7]{24})"/g)].map((m) => m[1]);
  assert.equal(sids.length, 2, "an End button per live session");
  const [phone] = await t.db
    .sql`select public_id from astapa.login_sessions where token_hash = ${await sha256(
      "cookie-phone",
    )}`;
  assert.ok(sids.includes(phone.public_id));
  const forged = await postAs(t, owner, `${base}/users/${fitri}/sessions`, { sid: "ses_nope" });
  assert.equal(forged.status, 422);
  assert.match(await forged.text(), /role="alert">Some fields are missing or invalid\. sid: /);
  assert.equal(await sessionUser(t.db.sql, project.id, "cookie-phone"), fitri);
  const res = await postAs(t, owner, `${base}/users/${fitri}/sessions`, { sid: phone.public_id });
  assert.equal(res.status, 303);
  const after = await (await getAs(t, owner, res.headers.get("location")!)).text();
  assert.match(after, /Session ended/);
  assert.equal([...after.matchAll(/name="sid" value="/g)].length, 1, "the ended session has no End button");
  assert.equal(await sessionUser(t.db.sql, project.id, "cookie-phone"), null);
  assert.equal(await sessionUser(t.db.sql, project.id, "cookie-laptop"), fitri);
  const audit = await lastAudit("user.session_ended");
  assert.deepEqual([audit.actor, audit.details], [`account:${owner.accountId}`, {
    by: "admin",
    sid: phone.public_id,
  }]);
});

Deno.test("user page — a paid subscription is canceled at period end and resumed; nothing paid is 422", async () => {
  const fajar = await seedUser(t.db.sql, project.id, "fajar@example.com");
  const nothing = await postAs(t, owner, `${base}/users/${fajar}/subscription`, { action: "cancel" });
  assert.equal(nothing.status, 422);
  assert.match(await nothing.text(), /no paid subscription to cancel/);
  const start = new Date(Date.now() - 86_400_000).toISOString();
  const end = new Date(Date.now() + 29 * 86_400_000).toISOString();
  await asApp(
    t.db.sql,
    project.id,
    (tx) => assignPlan(tx, project.id, fajar, "pro", "payment", { start, end }),
  );
  const page = await (await getAs(t, owner, `${base}/users/${fajar}`)).text();
  assert.match(page, /Cancel at period end/);
  const canceled = await postAs(t, owner, `${base}/users/${fajar}/subscription`, { action: "cancel" });
  assert.equal(canceled.status, 303);
  const after = await (await getAs(t, owner, canceled.headers.get("location")!)).text();
  assert.match(after, /Subscription canceled/);
  assert.match(after, /<dd>canceled<\/dd>/);
  assert.match(after, /Resume subscription/);
  assert.equal((await lastAudit("subscription.cancel")).actor, `account:${owner.accountId}`);
  const resumed = await postAs(t, owner, `${base}/users/${fajar}/subscription`, { action: "resume" });
  assert.equal(resumed.status, 303);
  assert.match(await (await getAs(t, owner, resumed.headers.get("location")!)).text(), /<dd>active<\/dd>/);
  const again = await postAs(t, owner, `${base}/users/${fajar}/subscription`, { action: "resume" });
  assert.equal(again.status, 422);
  assert.match(await again.text(), /no canceled subscription still running/);
});

Deno.test("user page — viewers cannot change anything; every form needs the CSRF token", async () => {
  const gita = await passwordUser("gita@example.com");
  const forms: [string, Record<string, string>][] = [
    ["claims", { role: "x", feature_flags: "", extra: "" }],
    ["identities", { provider: "password" }],
    ["sessions", {}],
    ["subscription", { action: "cancel" }],
    ["delete", { confirm: "gita@example.com" }],
    ["email", { email: "gita2@example.com" }],
    ["metadata", { metadata: '{"x": 1}' }],
  ];
  for (const [form, fields] of forms) {
    assert.equal((await postAs(t, viewer, `${base}/users/${gita}/${form}`, fields)).status, 403, form);
    assert.equal((await postAs(t, owner, `${base}/users/${gita}/${form}`, fields, null)).status, 403, form);
    assert.equal(
      (await postAs(t, owner, `${base}/users/${gita}/${form}`, fields, "wrong")).status,
      403,
      form,
    );
  }
  assert.equal(
    (await asApp(t.db.sql, project.id, (tx) => tokenClaims(tx, project.id, gita))).role,
    undefined,
  );
  assert.deepEqual(await asApp(t.db.sql, project.id, (tx) => userMetadata(tx, project.id, gita)), {});
  const stranger = await (async () => {
    await inviteDeveloper(t, "stranger@dev.example");
    return await signInDeveloper(t, "stranger@dev.example");
  })();
  assert.equal((await postAs(t, stranger, `${base}/users/${gita}/sessions`, {})).status, 404);
  assert.equal((await getAs(t, stranger, `${base}/users/${gita}`)).status, 404);
});

Deno.test("user page — metadata is replaced from the textarea; not JSON or not an object is 422 and keeps it", async () => {
  const intan = await passwordUser("intan@example.com");
  const page = `${base}/users/${intan}`;
  const saved = await postAs(t, owner, `${page}/metadata`, { metadata: '{"crm_id": "42", "tier": "gold"}' });
  assert.equal(saved.status, 303);
  const html = await (await getAs(t, owner, saved.headers.get("location")!)).text();
  assert.match(html, /Metadata saved/);
  const textarea = /<textarea id="user-metadata"[^>]*>([^<]*)<\/textarea>/.exec(html)?.[1] ?? "";
  assert.match(textarea, /&quot;crm_id&quot;: &quot;42&quot;/);
  assert.match(textarea, /&quot;tier&quot;: &quot;gold&quot;/);
  for (const [text, reason] of [["{nope", /valid JSON/], ["[1, 2]", /a JSON object/]] as const) {
    const res = await postAs(t, owner, `${page}/metadata`, { metadata: text });
    assert.equal(res.status, 422, text);
    assert.match(await res.text(), reason);
  }
  assert.deepEqual(await asApp(t.db.sql, project.id, (tx) => userMetadata(tx, project.id, intan)), {
    crm_id: "42",
    tier: "gold",
  });
  assert.equal((await postAs(t, owner, `${page}/metadata`, { metadata: "" })).status, 303);
  assert.deepEqual(await asApp(t.db.sql, project.id, (tx) => userMetadata(tx, project.id, intan)), {});
  const viewed = await (await getAs(t, viewer, page)).text();
  assert.match(viewed, /<h2 id="metadata-heading">Metadata<\/h2>/);
  assert.doesNotMatch(viewed, /id="user-metadata"/, "a viewer gets no form");
  const audit = await lastAudit("user.metadata_updated");
  assert.deepEqual(audit.details, { keys: ["crm_id", "tier"] });
});

Deno.test("user page — deleting the user takes their email typed; a wrong one is 422 and erases nothing", async () => {
  const hana = await passwordUser("hana@example.com");
  const page = await (await getAs(t, owner, `${base}/users/${hana}`)).text();
  assert.match(page, /Type <code>hana@example.com<\/code> to confirm/);
  assert.doesNotMatch(await (await getAs(t, viewer, `${base}/users/${hana}`)).text(), /Delete this user/);
  const wrong = await postAs(t, owner, `${base}/users/${hana}/delete`, { confirm: "someone@example.com" });
  assert.equal(wrong.status, 422);
  assert.match(await wrong.text(), /Type hana@example.com to confirm the deletion; nothing was deleted/);
  const [kept] = await t.db.sql`select deleted_at from astapa.users where id = ${hana}`;
  assert.equal(kept.deleted_at, null);

  const deleted = await postAs(t, owner, `${base}/users/${hana}/delete`, { confirm: " HANA@example.com " });
  assert.equal(deleted.status, 303);
  assert.equal(deleted.headers.get("location"), `${base}/users?done=user_deleted`);
  assert.match(await (await getAs(t, owner, deleted.headers.get("location")!)).text(), /User deleted/);
  assert.equal((await getAs(t, owner, `${base}/users/${hana}`)).status, 404);
  const audit = await lastAudit("user.deleted");
  assert.deepEqual([audit.actor, audit.details.by], [`account:${owner.accountId}`, "admin"]);
});

Deno.test("user page — the address form changes the email (unverified unless ticked); a taken one is 422", async () => {
  const indah = await passwordUser("indah@example.com");
  await passwordUser("taken-by-other@example.com");
  const page = await (await getAs(t, owner, `${base}/users/${indah}`)).text();
  assert.match(
    page,
    /name="email"[^>]*value="indah@example.com"/,
  );
  const taken = await postAs(t, owner, `${base}/users/${indah}/email`, {
    email: "Taken-By-Other@example.com",
  });
  assert.equal(taken.status, 422);
  assert.match(await taken.text(), /Another user of this project has this address/);
  const saved = await postAs(t, owner, `${base}/users/${indah}/email`, { email: "indah.baru@example.com" });
  assert.equal(saved.status, 303);
  assert.match(await (await getAs(t, owner, saved.headers.get("location")!)).text(), /Address saved/);
  const [row] = await t.db.sql`select email, email_verified from astapa.users where id = ${indah}`;
  assert.deepEqual([row.email, row.email_verified], ["indah.baru@example.com", false]);
  await postAs(t, owner, `${base}/users/${indah}/email`, {
    email: "indah.baru@example.com",
    email_verified: "true",
  });
  const [verified] = await t.db.sql`select email_verified from astapa.users where id = ${indah}`;
  assert.equal(verified.email_verified, true);
  const audit = await lastAudit("user.email_verified");
  assert.deepEqual([audit.actor, audit.details], [`account:${owner.accountId}`, { by: "admin" }]);
});
