/**
 * The Settings page's sign-ups (settings.sign_up): the mode and domain lists saved by an admin (defaults not
 * stored, domains in lower case), a malformed domain refused with Postgres's reason on the page (422) and
 * nothing changed, a viewer refused (403), and the hosted login following the saved mode; the switches refusing
 * throwaway domains and +tag addresses, on and off; the throwaway domains let in all the same, one a line; legal
 * consent refused without a terms or privacy address; a user's page saying when they agreed to the terms.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
const project = await seedProject(t.db.sql, { name: "Shop" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;
const action = `${base}/settings/sign-up`;

const signUp = async () =>
  (await t.db.sql`select settings -> 'sign_up' as s from astapa.projects where id = ${project.id}`)[0].s;

Deno.test("settings — sign-ups: saved by an admin, refused with the reason, viewers read only, the hosted login follows", async () => {
  const page = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(page, /<h2 id="sign-up-heading">Sign-ups<\/h2>/);
  assert.match(page, /name="mode" value="open" checked/);

  assert.equal((await postAs(t, viewer, action, { mode: "closed" })).status, 403);
  assert.equal(await signUp(), null);

  const refused = await postAs(t, owner, action, {
    mode: "closed",
    blocked_domains: "ok.example\nnot_a domain",
  });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /not_a is not a domain/);
  assert.equal(await signUp(), null);

  const saved = await postAs(t, owner, action, {
    mode: "invitation",
    allowed_domains: "Kantor.example\n*.cabang.example",
    blocked_domains: "",
  });
  assert.equal(saved.status, 303);
  assert.deepEqual(await signUp(), {
    mode: "invitation",
    allowed_domains: ["kantor.example", "*.cabang.example"],
  });
  const shown = await (await getAs(t, owner, `${base}/settings?done=sign_up_saved`)).text();
  assert.match(shown, /Sign-ups saved/);
  assert.match(shown, /name="mode" value="invitation" checked/);
  assert.match(shown, /kantor\.example\n\*\.cabang\.example<\/textarea>/);
  const viewed = await (await getAs(t, viewer, `${base}/settings`)).text();
  assert.match(viewed, /name="mode" value="invitation" checked disabled/);

  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const signup = await t.app.request(`/auth/signup?${query}`);
  assert.equal(signup.status, 403);
  assert.match(await signup.text(), /Sign-ups for Shop are by invitation only\./);

  assert.equal((await postAs(t, owner, action, { mode: "open" })).status, 303);
  assert.deepEqual(await signUp(), {});
  const malformed = await postAs(t, owner, action, { mode: "members" });
  assert.equal(malformed.status, 422);
  assert.match(await malformed.text(), /role="alert">Some fields are missing or invalid\. mode: /);
});

Deno.test("settings — sign-ups: the throwaway-domain and +tag switches saved on and off, en and id, the hosted login follows", async () => {
  const page = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(page, /name="block_disposable_domains" value="on"\/?>/, "off by default");
  assert.match(page, /name="block_subaddresses" value="on"\/?>/);
  assert.match(page, /Refuse throwaway email services/);

  assert.equal((await postAs(t, viewer, action, { block_disposable_domains: "on" })).status, 403);
  const saved = await postAs(t, owner, action, { block_disposable_domains: "on", block_subaddresses: "on" });
  assert.equal(saved.status, 303);
  assert.deepEqual(await signUp(), { block_disposable_domains: true, block_subaddresses: true });
  const shown = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(shown, /name="block_disposable_domains" value="on" checked/);
  assert.match(shown, /name="block_subaddresses" value="on" checked/);
  const inIndonesian = await (await getAs(t, owner, `${base}/settings?lang=id`)).text();
  assert.match(inIndonesian, /Tolak layanan email sekali pakai/);
  assert.match(inIndonesian, /Tolak alamat dengan \+tag/);
  const viewed = await (await getAs(t, viewer, `${base}/settings`)).text();
  assert.match(viewed, /name="block_subaddresses" value="on" checked disabled/);

  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const login = await t.app.request(`/auth/login?${query}`);
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await login.text());
  const signup = await t.app.request("/auth/signup", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: t.origin },
    body: new URLSearchParams({
      request: query.toString(),
      csrf,
      email: "baru@mailinator.com",
      password: "kopi-tubruk-9",
    }),
  });
  assert.equal(signup.status, 403);
  assert.match(await signup.text(), /mailinator\.com is a disposable email service/);

  // Unticked, a switch sends nothing: off, and its default is not stored.
  assert.equal((await postAs(t, owner, action, { mode: "open" })).status, 303);
  assert.deepEqual(await signUp(), {});
});

Deno.test("settings — sign-ups: the throwaway domains let in all the same, saved, shown, refused with the reason, cleared", async () => {
  const before = await signUp();
  const page = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(
    page,
    /<label for="disposable_allowed_domains">Throwaway email domains let in all the same<\/label>/,
  );
  assert.match(page, /name="disposable_allowed_domains" rows="3"><\/textarea>/, "empty by default");

  const refused = await postAs(t, owner, action, {
    block_disposable_domains: "on",
    disposable_allowed_domains: "duck.com\nduck_com",
  });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /sign_up\.disposable_allowed_domains: duck_com is not a domain/);
  assert.deepEqual(await signUp(), before, "nothing changed");

  const saved = await postAs(t, owner, action, {
    block_disposable_domains: "on",
    disposable_allowed_domains: "Duck.com\n*.mozmail.com",
  });
  assert.equal(saved.status, 303);
  assert.deepEqual(await signUp(), {
    block_disposable_domains: true,
    disposable_allowed_domains: ["duck.com", "*.mozmail.com"],
  });
  const shown = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(shown, /duck\.com\n\*\.mozmail\.com<\/textarea>/);
  const inIndonesian = await (await getAs(t, owner, `${base}/settings?lang=id`)).text();
  assert.match(inIndonesian, /Domain email sekali pakai yang tetap diterima/);
  const viewed = await (await getAs(t, viewer, `${base}/settings`)).text();
  assert.match(viewed, /name="disposable_allowed_domains" rows="3" disabled>duck\.com/);

  // An empty textarea clears the list: its default is not stored.
  assert.equal((await postAs(t, owner, action, { mode: "open" })).status, 303);
  assert.deepEqual(await signUp(), {});
});

Deno.test("settings — sign-ups: legal consent refused without a terms or privacy address, saved with one, en and id", async () => {
  const page = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(page, /name="require_legal_consent" value="on"\/?>/, "off by default");
  assert.match(page, /Ask for consent to your terms of service and privacy policy/);
  assert.match(
    await (await getAs(t, owner, `${base}/settings?lang=id`)).text(),
    /Minta persetujuan atas ketentuan/,
  );
  const refused = await postAs(t, owner, action, { require_legal_consent: "on" });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /needs a terms of service or privacy policy address/);
  assert.deepEqual(await signUp(), {});
  await t.db.sql`update astapa.projects set settings = jsonb_set(settings, '{branding}',
    '{"privacy_url": "https://shop.example/privacy"}') where id = ${project.id}`;
  assert.equal((await postAs(t, owner, action, { require_legal_consent: "on" })).status, 303);
  assert.deepEqual(await signUp(), { require_legal_consent: true });
  assert.match(
    await (await getAs(t, owner, `${base}/settings`)).text(),
    /name="require_legal_consent" value="on" checked/,
  );
  assert.equal((await postAs(t, owner, action, { mode: "open" })).status, 303);
  assert.deepEqual(await signUp(), {});
});

Deno.test("user page — says when the person agreed to the terms at sign-up, or never, en and id", async () => {
  const agreed = await seedUser(t.db.sql, project.id, "setuju@shop.example");
  await t.db
    .sql`update astapa.users set legal_accepted_at = '2026-03-04T05:06:07Z' where id = ${agreed}::bigint`;
  const made = await seedUser(t.db.sql, project.id, "dibuat@shop.example");
  const shown = await (await getAs(t, owner, `${base}/users/${agreed}`)).text();
  assert.match(shown, /<dt>Agreed to the terms<\/dt>\s*<dd>[^<]*2026[^<]*<\/dd>/);
  const never = await (await getAs(t, owner, `${base}/users/${made}`)).text();
  assert.match(never, /<dt>Agreed to the terms<\/dt>\s*<dd>Never<\/dd>/i);
  assert.match(
    await (await getAs(t, owner, `${base}/users/${agreed}?lang=id`)).text(),
    /Menyetujui ketentuan/,
  );
});
