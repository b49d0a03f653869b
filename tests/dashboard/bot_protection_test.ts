/**
 * The Settings page's bot protection (settings.bot_protection): saved by an admin with the secret sealed (never
 * shown, kept when the field is left empty), a bad value refused with the reason (422) and nothing changed, a
 * viewer refused (403), the hosted login showing the widget, and "Off" removing it.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
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
const action = `${base}/settings/bot-protection`;
const SECRET = "0x4AAAAAAA-dashboard-secret";

const stored = async () =>
  (await t.db.sql`select settings -> 'bot_protection' as b from astapa.projects where id = ${project.id}`)[0]
    .b;

Deno.test("settings — bot protection: saved by an admin with a sealed secret, refused with the reason, viewers read only, off removes it", async () => {
  const page = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(page, /<h2 id="bot-protection-heading">Bot protection<\/h2>/);
  assert.match(page, /<option value="off" selected>Off<\/option>/);

  const turnOn = { provider: "turnstile", site_key: "0x4AAAAAAAdash", secret_key: SECRET, on: "sign_up" };
  assert.equal((await postAs(t, viewer, action, turnOn)).status, 403);
  assert.equal(await stored(), null);

  const noSecret = await postAs(t, owner, action, {
    provider: "turnstile",
    site_key: "0x4AAAAAAAdash",
    on: "sign_up",
  });
  assert.equal(noSecret.status, 422);
  assert.match(await noSecret.text(), /needs provider, site_key, secret_key and on/);
  const badKey = await postAs(t, owner, action, { ...turnOn, site_key: "not a key" });
  assert.equal(badKey.status, 422);
  assert.match(
    await badKey.text(),
    /site_key must be the provider&#39;s site key|site_key must be the provider's site key/,
  );
  assert.equal(await stored(), null);

  const saved = await postAs(t, owner, action, turnOn);
  assert.equal(saved.status, 303);
  const sealed = (await stored()).secret_key_sealed;
  assert.deepEqual(await stored(), {
    provider: "turnstile",
    site_key: "0x4AAAAAAAdash",
    secret_key_sealed: sealed,
    on: ["sign_up"],
  });
  const shown = await (await getAs(t, owner, `${base}/settings?done=bot_protection_saved`)).text();
  assert.match(shown, /Bot protection saved/);
  assert.match(shown, /<option value="turnstile" selected>Cloudflare Turnstile<\/option>/);
  assert.match(shown, /placeholder="set \(leave empty to keep it\)"/);
  assert.ok(!shown.includes(SECRET) && !shown.includes(sealed), "the secret is never shown");

  // Two forms now; the secret field left empty keeps the sealed one.
  const moved = new URLSearchParams({
    csrf: owner.csrf,
    provider: "turnstile",
    site_key: "0x4AAAAAAAdash",
    secret_key: "",
  });
  moved.append("on", "sign_up");
  moved.append("on", "forgot");
  const movedRes = await t.app.request(action, {
    method: "POST",
    headers: {
      accept: "text/html",
      cookie: owner.cookie,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: moved,
  });
  assert.equal(movedRes.status, 303);
  assert.deepEqual((await stored()).on, ["sign_up", "forgot"]);
  assert.equal((await stored()).secret_key_sealed, sealed);
  const viewed = await (await getAs(t, viewer, `${base}/settings`)).text();
  assert.match(viewed, /name="on" value="forgot" checked disabled/);

  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  assert.match(await (await t.app.request(`/auth/signup?${query}`)).text(), /class="cf-turnstile"/);

  assert.equal((await postAs(t, owner, action, { provider: "off" })).status, 303);
  assert.equal(await stored(), null);
  assert.doesNotMatch(await (await t.app.request(`/auth/signup?${query}`)).text(), /cf-turnstile/);
});
