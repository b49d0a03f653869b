/**
 * A project's own phone code provider accounts (issue 27 item 2, per-project sealed credentials): an admin or
 * owner saves them on the Settings page (sealed: the stored bytes do not hold the token, the page shows only a
 * hint), a viewer cannot, malformed ones are refused with a reason; the project's codes then go through its own
 * Twilio account (the fake checks the account's credentials) for both channels it covers, a project without
 * its own account only through the deployment's (WhatsApp here), and so does the project once it removes it.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { submitForm } from "../helpers/login.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { listPhoneMessages } from "@/db/phone.ts";
import { startFakeTwilio } from "../fakes/twilio.ts";
import { startFakeWhatsApp } from "../fakes/whatsapp.ts";

const twilio = startFakeTwilio();
const whatsapp = startFakeWhatsApp();
// The deployment has a WhatsApp account and Twilio's address, but no Twilio account of its own.
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
  await twilio.close();
  await whatsapp.close();
});

const owner = await signInDeveloper(t, "owner@phone.example");
await inviteDeveloper(t, "viewer@phone.example");
const viewer = await signInDeveloper(t, "viewer@phone.example");
const settings = { phone: { enabled: true } };
const project = await seedProject(t.db.sql, { name: "Toko Sendiri", settings });
const plain = await seedProject(t.db.sql, { name: "Toko Biasa", settings });
for (const p of [project, plain]) {
  await t.db.sql`update astapa.projects set mode = 'production' where id = ${p.id}`;
  await asApp(t.db.sql, p.id, (tx) => addMember(tx, p.id, owner.accountId, "owner"));
}
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;
const twilioFields = {
  provider: "twilio_verify",
  action: "save",
  account_sid: twilio.accountSid,
  auth_token: twilio.authToken,
  service_sid: twilio.serviceSid,
};
const stored = async (projectId: string) =>
  await t.db.sql`select provider, hint, encode(credentials_sealed, 'escape') as sealed
    from astapa.phone_provider_credentials where project_id = ${projectId}`;

Deno.test("phone providers — an owner saves a Twilio account: sealed, shown back only as a hint; a viewer cannot", async () => {
  assert.equal((await postAs(t, viewer, `${base}/settings/phone-providers`, twilioFields)).status, 403);
  assert.equal((await stored(project.id)).length, 0);
  const refused = await postAs(t, owner, `${base}/settings/phone-providers`, {
    ...twilioFields,
    account_sid: "not-a-sid",
  });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /A Twilio account SID is AC and 32 hex digits/);
  const saved = await postAs(t, owner, `${base}/settings/phone-providers`, twilioFields);
  assert.equal(saved.status, 303);
  const [row] = await stored(project.id);
  assert.equal(row.provider, "twilio_verify");
  assert.ok(!row.sealed.includes(twilio.authToken), "the auth token is not stored in the clear");
  assert.equal(row.hint, `account ${twilio.accountSid}, token …${twilio.authToken.slice(-4)}`);
  const page = await (await getAs(t, owner, `${base}/settings`)).text();
  assert.match(page, /Your account: account AC/);
  assert.ok(!page.includes(twilio.authToken), "the settings page never shows the token");
  const audited = await t.db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'phone_provider.set'`;
  assert.deepEqual(audited.map((r) => r.details), [{ provider: "twilio_verify", removed: false }]);
});

Deno.test("phone providers — the project's codes go through its own Twilio account, by SMS and by WhatsApp", async () => {
  const sms = await submitForm(t, project, "/auth/phone", { phone: "0812 5555 0001", channel: "sms" });
  assert.equal(sms.status, 303);
  assert.deepEqual([twilio.inbox.at(-1)?.to, twilio.inbox.at(-1)?.channel], ["+6281255550001", "sms"]);
  const before = whatsapp.inbox.length;
  const wa = await submitForm(t, project, "/auth/phone", { phone: "0812 5555 0002", channel: "whatsapp" });
  assert.equal(wa.status, 303);
  assert.deepEqual([twilio.inbox.at(-1)?.to, twilio.inbox.at(-1)?.channel], ["+6281255550002", "whatsapp"]);
  assert.equal(whatsapp.inbox.length, before, "the deployment's WhatsApp account was not used");
  const log = await listPhoneMessages(t.db.sql, project.id);
  assert.deepEqual(
    log.map((m) => `${m.phone_number} ${m.provider} ${m.status}`).sort(),
    ["+6281255550001 twilio_verify sent", "+6281255550002 twilio_verify sent"],
  );
});

Deno.test("phone providers — another project without its own account cannot send SMS (the deployment has none)", async () => {
  const before = twilio.inbox.length;
  const sms = await submitForm(t, plain, "/auth/phone", { phone: "0812 5555 0003", channel: "sms" });
  assert.notEqual(sms.status, 303);
  assert.match(await sms.text(), /We could not send a code right now/);
  assert.equal(twilio.inbox.length, before);
});

Deno.test("phone providers — removing the account goes back to the deployment's providers (WhatsApp only here)", async () => {
  const removed = await postAs(t, owner, `${base}/settings/phone-providers`, {
    provider: "twilio_verify",
    action: "remove",
  });
  assert.equal(removed.status, 303);
  assert.equal((await stored(project.id)).length, 0);
  const before = twilio.inbox.length;
  const sms = await submitForm(t, project, "/auth/phone", { phone: "0812 5555 0004", channel: "sms" });
  assert.notEqual(sms.status, 303);
  const wa = await submitForm(t, project, "/auth/phone", { phone: "0812 5555 0005", channel: "whatsapp" });
  assert.equal(wa.status, 303);
  assert.ok(whatsapp.inbox.some((d) => d.to.endsWith("81255550005")));
  assert.equal(twilio.inbox.length, before);
});
