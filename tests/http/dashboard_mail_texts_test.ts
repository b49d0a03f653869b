/**
 * The dashboard's own mail texts: Settings → Mail saves a subject, intro and closing for any kind (refusing an
 * unknown placeholder readably), the preview shows the mail as it would go (own words escaped, sample values,
 * brand) with its HTML part framed under a policy that runs nothing, and "Send me a test" queues it to the
 * developer's own address. CSRF is required, and a viewer previews but neither saves nor sends.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/oauth.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const settings = async (projectId: string) =>
  (await t.db.sql`select settings from astapa.projects where id = ${projectId}`)[0].settings;

const outbox = (projectId: string) =>
  t.db.sql`select to_address, kind, subject, body_text, body_html from astapa.mail_outbox
    where project_id = ${projectId} order by id`;

/** A developer invited to the deployment (the first one of a parallel run may be another test's) and signed in. */
async function developer(role: string) {
  const email = `${role}-${crypto.randomUUID()}@dev.example`;
  await inviteDeveloper(t, email);
  return await signInDeveloper(t, email);
}

async function setUp(name: string) {
  const admin = await developer("admin");
  const viewer = await developer("viewer");
  const project = await seedProject(t.db.sql, { name });
  await addDeveloperTo(t, project.id, admin.accountId, "admin");
  await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
  return { admin, viewer, project, base: `/dashboard/projects/${project.id}/settings` };
}

Deno.test("dashboard mail texts — any kind saved from Settings; an unknown placeholder refused; viewer and no CSRF refused", async () => {
  const { admin, viewer, project, base } = await setUp("Kopi");
  const form = {
    mail_sender_name: "",
    "email_code.id.subject": "Kode {code} untuk {app}",
    "email_code.id.closing": "Salam, tim {app}",
    "organization_invitation.en.intro": "Join {organization}",
  };
  const page = await (await getAs(t, admin, base)).text();
  assert.match(page, /name="email_code\.id\.closing"/);
  assert.match(page, /Placeholders: \{app\}, \{code\}/);

  assert.equal((await postAs(t, viewer, `${base}/mail`, form)).status, 403);
  assert.equal((await postAs(t, admin, `${base}/mail`, form, null)).status, 403);
  assert.equal("mail_texts" in await settings(project.id), false, "nothing saved by the refused posts");

  assert.equal((await postAs(t, admin, `${base}/mail`, form)).status, 303);
  assert.deepEqual((await settings(project.id)).mail_texts, {
    email_code: { id: { subject: "Kode {code} untuk {app}", closing: "Salam, tim {app}" } },
    organization_invitation: { en: { intro: "Join {organization}" } },
  });

  const refused = await postAs(t, admin, `${base}/mail`, {
    mail_sender_name: "",
    "verify_email.en.intro": "{code}",
  });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /\{code\} is not a placeholder of this mail; it has \{app\}/);
});

Deno.test("dashboard mail preview — the mail as it would go, own words escaped, HTML framed under a policy that runs nothing", async () => {
  const { admin, viewer, project, base } = await setUp("Toko <Kita>");
  await postAs(t, admin, `${base}/mail`, {
    mail_sender_name: "",
    "email_code.en.intro": `<script>alert(1)</script> code {code}`,
    "email_code.en.closing": "Thanks from {app}",
  });
  const res = await getAs(t, viewer, `${base}/mail-preview?kind=email_code&lang=en`);
  assert.equal(res.status, 200);
  const page = await res.text();
  assert.match(page, /Your sign-in code for Toko &lt;Kita>/);
  assert.match(page, /&lt;script>alert\(1\)&lt;\/script> code 123456/);
  assert.match(page, /Thanks from Toko &lt;Kita>/);
  assert.doesNotMatch(page, /<script>alert/);
  assert.match(page, /<iframe[^>]*\ssandbox[\s>]/, "framed with every sandbox flag: nothing runs");
  assert.doesNotMatch(page, /Send me a test/, "a viewer cannot send");

  const html = await getAs(t, viewer, `${base}/mail-preview/html?kind=email_code&lang=en`);
  assert.equal(html.status, 200);
  const policy = html.headers.get("content-security-policy") ?? "";
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /sandbox/);
  assert.match(policy, /frame-ancestors 'self'/);
  assert.equal(html.headers.get("x-frame-options"), "SAMEORIGIN", "no browser needs CSP to override DENY");
  assert.equal(res.headers.get("x-frame-options"), "DENY", "the preview page itself is framed by no one");
  const part = await html.text();
  assert.match(part, /&#60;script&#62;alert\(1\)&#60;\/script&#62; code 123456/);
  assert.match(part, /<p>Thanks from Toko &#60;Kita&#62;<\/p>/);
  assert.doesNotMatch(part, /<script/);

  // A text-only mail has no HTML part; an unknown kind falls back to the first.
  const text = await (await getAs(t, viewer, `${base}/mail-preview?kind=mfa_removed&lang=id`)).text();
  assert.match(text, /This mail is sent as plain text only/);
  assert.match(text, /Administrator Toko &lt;Kita> menghapus/);
  assert.equal((await getAs(t, viewer, `${base}/mail-preview?kind=nope`)).status, 200);
  // Another project's developer sees nothing of it.
  const stranger = await developer("stranger");
  assert.equal((await getAs(t, stranger, `${base}/mail-preview?kind=email_code`)).status, 404);
  assert.equal((await getAs(t, stranger, `${base}/mail-preview/html?kind=email_code`)).status, 404);
  assert.equal(project.id.startsWith("proj_"), true);
});

Deno.test("dashboard mail preview — Send me a test queues the mail to the developer's own address; viewer and no CSRF refused", async () => {
  const { admin, viewer, project, base } = await setUp("Warung");
  await postAs(t, admin, `${base}/mail`, {
    mail_sender_name: "",
    "reset_password.id.subject": "Sandi {app}",
  });
  const fields = { kind: "reset_password", lang: "id" };
  assert.equal((await postAs(t, viewer, `${base}/mail-preview`, fields)).status, 403);
  assert.equal((await postAs(t, admin, `${base}/mail-preview`, fields, null)).status, 403);
  assert.equal((await outbox(project.id)).length, 0);

  const sent = await postAs(t, admin, `${base}/mail-preview`, fields);
  assert.equal(sent.status, 303);
  assert.equal(
    sent.headers.get("location"),
    `${base}/mail-preview?kind=reset_password&lang=id&done=test_sent`,
  );
  const [mail] = await outbox(project.id);
  assert.equal(mail.to_address, admin.email);
  assert.equal(mail.kind, "mail_text_test");
  assert.equal(mail.subject, "[Test] Sandi Warung");
  assert.match(mail.body_text, /Atur kata sandi baru untuk Warung/);
  assert.match(mail.body_html, /<html lang="id">/);
  const after = await (await getAs(t, admin, sent.headers.get("location")!)).text();
  assert.match(after, new RegExp(`A test of this mail was sent to ${admin.email.replace(/[.]/g, "\\.")}`));
});

Deno.test("dashboard mail preview — ten tests an hour to one address; the eleventh is a readable 429", async () => {
  const { admin, project, base } = await setUp("Sepuluh");
  const fields = { kind: "email_code", lang: "en" };
  for (let i = 0; i < 10; i++) {
    assert.equal((await postAs(t, admin, `${base}/mail-preview`, fields)).status, 303);
  }
  const refused = await postAs(t, admin, `${base}/mail-preview`, fields);
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers.get("retry-after")) > 0);
  assert.match(await refused.text(), /Ten test mails an hour to one address: try again in \d+ minutes\./);
  assert.equal((await outbox(project.id)).length, 10);
});
