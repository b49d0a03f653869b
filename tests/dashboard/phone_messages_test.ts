/**
 * The dashboard for phone sign-in (issue 27): the message log with provider, status and sandbox codes for
 * members only, and a phone-only user in the users list and on their page (phone shown, no email).
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { getAs, inviteDeveloper, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { submitForm } from "../helpers/login.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { logPhoneMessage } from "@/db/phone.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "outsider@dev.example");
const outsider = await signInDeveloper(t, "outsider@dev.example");
const project = await seedProject(t.db.sql, { name: "Warung", settings: { phone: { enabled: true } } });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
const base = `/dashboard/projects/${project.id}`;

Deno.test("phone messages — a sandbox code shows in the log, with failures and their provider's reason", async () => {
  const sent = await submitForm(t, project, "/auth/phone", { phone: "0812 5555 0001" });
  assert.equal(sent.status, 303);
  await logPhoneMessage(t.db.sql, project.id, {
    phoneNumber: "+6281255550002",
    channel: "sms",
    provider: "twilio_verify",
    status: "failed",
    error: "HTTP 403: 60410 Verification delivery attempt blocked",
  }, "10.0.0.1");
  const res = await getAs(t, owner, `${base}/phone-messages`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<h1>Phone messages<\/h1>/);
  assert.match(html, /\+6281255550001/);
  assert.match(html, /<code class="sandbox-code">Warung: \d{6}<\/code>/);
  assert.match(html, /60410 Verification delivery attempt blocked/);
  const foreign = await getAs(t, outsider, `${base}/phone-messages`);
  assert.equal(foreign.status, 404);
  assert.doesNotMatch(await foreign.text(), /Warung: \d{6}/);
});

Deno.test("phone messages — a phone-only user is listed and shown by their number", async () => {
  const [user] = await t.db.sql`select id::text from astapa.users where phone_number = '+6281255550001'`;
  assert.equal(user, undefined, "no account before the code is entered");
  const id = await asApp(t.db.sql, project.id, async (tx) => {
    const [row] =
      await tx`insert into astapa.users (project_id, phone_number, phone_number_verified, environment)
      values (${project.id}, '+6281255550009', true, 'sandbox') returning id::text`;
    return row.id as string;
  });
  const list = await (await getAs(t, owner, `${base}/users`)).text();
  assert.match(list, new RegExp(`<a href="${base}/users/${id}">\\+6281255550009</a>`));
  const page = await getAs(t, owner, `${base}/users/${id}`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<h1>\+6281255550009<\/h1>/);
  assert.match(html, /\+6281255550009 \(verified\)/);
});
