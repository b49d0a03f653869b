/**
 * A project's own phone provider account through the Platform API (issue 27's leftover): PUT sets it (sealed;
 * the answer and GET give a hint only, never a secret; audited phone_provider.set), bad fields are a 400 with
 * the field, an unknown provider a 404, another project never sees it, DELETE clears it. On a deployment with
 * WhatsApp but no SMS provider, /auth/mfa offers "Send code by SMS" only once the project has its own Twilio
 * account, and that code goes through it.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import { FormBrowser as Browser } from "../helpers/form_browser.ts";
import { seedProject } from "../helpers/identity.ts";
import {} from "../helpers/oauth.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { startFakeWhatsApp } from "../fakes/whatsapp.ts";
import { startFakeTwilio } from "../fakes/twilio.ts";

const whatsapp = startFakeWhatsApp();
const twilio = startFakeTwilio();
// The deployment sends WhatsApp itself and knows Twilio's address, but has no SMS account of its own.
const t = await testApp({
  env: {
    WHATSAPP_ACCESS_TOKEN: whatsapp.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: whatsapp.phoneNumberId,
    WHATSAPP_API_URL: whatsapp.apiUrl,
    TWILIO_VERIFY_URL: twilio.origin,
  },
});
Deno.test.afterAll(async () => {
  await t.close();
  await whatsapp.close();
  await twilio.close();
});
const project = await seedProject(t.db.sql, {
  name: "Toko Akun Sendiri",
  settings: { mfa: { policy: "optional", phone: true } },
});
const other = await seedProject(t.db.sql, { name: "Toko Lain" });
for (const p of [project, other]) {
  await t.db.sql`update astapa.projects set mode = 'production' where id = ${p.id}`;
}
const twilioFields = {
  account_sid: twilio.accountSid,
  auth_token: twilio.authToken,
  service_sid: twilio.serviceSid,
};

const api = platformApi(t, project);

Deno.test("phone providers API — set (write-only, a hint back), audited, refused when malformed, cleared", async () => {
  const refused = await api("PUT", "/phone-providers/twilio_verify", {
    ...twilioFields,
    account_sid: "nope",
  });
  assert.equal(refused.status, 400, refused.text);
  assert.ok(refused.body.fields?.account_sid, refused.text);
  assert.equal((await api("PUT", "/phone-providers/sinch", { key: "x" })).status, 404);
  const set = await api("PUT", "/phone-providers/twilio_verify", twilioFields);
  assert.equal(set.status, 200, set.text);
  assert.equal(set.body.provider, "twilio_verify");
  assert.match(set.body.hint, new RegExp(`account ${twilio.accountSid}, token …`));
  assert.ok(!set.text.includes(twilio.authToken), "the answer never carries the token");
  const listed = await api("GET", "/phone-providers");
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.map((p: { provider: string }) => p.provider), ["twilio_verify"]);
  assert.deepEqual(Object.keys(listed.body[0]).sort(), ["hint", "provider", "updated_at"]);
  assert.ok(!listed.text.includes(twilio.authToken));
  assert.deepEqual((await api("GET", "/phone-providers", undefined, other)).body, []);
  const [row] = await t.db.sql`select encode(credentials_sealed, 'escape') as sealed
    from astapa.phone_provider_credentials where project_id = ${project.id}`;
  assert.ok(!row.sealed.includes(twilio.authToken), "stored sealed");
  const audited = await t.db.sql`select details from astapa.audit_log
    where project_id = ${project.id} and action = 'phone_provider.set' order by id`;
  assert.deepEqual(audited.map((r) => r.details), [{ provider: "twilio_verify", removed: false }]);
  assert.ok(!JSON.stringify(audited).includes(twilio.authToken));

  assert.equal((await api("DELETE", "/phone-providers/twilio_verify", undefined, other)).status, 204);
  assert.equal((await api("GET", "/phone-providers")).body.length, 1, "another project clears only its own");
  assert.equal((await api("DELETE", "/phone-providers/twilio_verify")).status, 204);
  assert.deepEqual((await api("GET", "/phone-providers")).body, []);
  const removed = await t.db.sql`select details from astapa.audit_log
    where project_id = ${project.id} and action = 'phone_provider.set' order by id desc limit 1`;
  assert.deepEqual(removed[0].details, { provider: "twilio_verify", removed: true });
});

Deno.test("phone providers API — /auth/mfa's SMS button appears with the project's own SMS account, which sends", async () => {
  const email = "dua.langkah@example.com";
  const phone = "+6281344440001";
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const signedUp = await new Browser(t).submit(`/auth/signup?${query}`, { email, password: "correct horse" });
  assert.equal(signedUp.status, 303, await signedUp.clone().text());
  const [{ id }] = await t.db
    .sql`select id::text from astapa.users where project_id = ${project.id} and email = ${email}`;
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`select api.set_user_phone(${project.id}, ${id}, ${phone}, true)`;
    await tx`insert into astapa.user_factors (project_id, user_id, kind, confirmed_at)
      values (${project.id}, ${id}, 'phone', now())`;
  });
  const mfaPage = async (browser: Browser) => {
    const first = await browser.submit(`/auth/login?${query}`, { email, password: "correct horse" });
    assert.equal(first.status, 303);
    return await (await browser.get(first.headers.get("location")!)).text();
  };

  assert.doesNotMatch(await mfaPage(new Browser(t)), /Send code by SMS/, "no SMS provider anywhere yet");
  assert.equal((await api("PUT", "/phone-providers/twilio_verify", twilioFields)).status, 200);
  const browser = new Browser(t);
  const html = await mfaPage(browser);
  assert.match(html, /Send code by SMS/);
  const sent = await browser.post(html, { method: "phone_send", channel: "sms" });
  const sentHtml = await sent.text();
  assert.equal(sent.status, 200, sentHtml);
  assert.match(sentHtml, /We sent a code by SMS/);
  const delivery = twilio.inbox.findLast((d) => d.to === phone);
  assert.ok(delivery, "the project's own Twilio account sent it");
  assert.equal(delivery.channel, "sms");
  const done = await browser.post(sentHtml, { method: "phone", code: delivery.code });
  assert.equal(done.status, 303, await done.clone().text());
  await api("DELETE", "/phone-providers/twilio_verify");
});
