/**
 * The mail outbox and audit log pages: what they show (never mail bodies), filters, keyset pages, who may
 * read them.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { queueMail } from "@/db/billing.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
await inviteDeveloper(t, "stranger@dev.example");
const stranger = await signInDeveloper(t, "stranger@dev.example");
const project = await seedProject(t.db.sql, { name: "Shop" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;

const LINK = "https://shop.example/auth/verify?token=very-secret-token";

function queue(to: string, lang = "en") {
  return asApp(t.db.sql, project.id, (tx) =>
    queueMail(tx, project.id, {
      to,
      template: "verify_email",
      subject: "Confirm your address",
      text: `Open ${LINK}`,
      html: `<!doctype html><html lang="${lang}"><body><a href="${LINK}">Confirm</a></body></html>`,
    }));
}

Deno.test("mail page — recipient, kind, locale, status, attempts and errors; never subjects or bodies", async () => {
  const sent = await queue("ayu@example.com", "id");
  const failing = await queue("budi@example.com");
  await queue("citra@example.com");
  await t.db.sql`update astapa.mail_outbox set sent_at = now(), attempts = 1 where id = ${sent}`;
  await t.db
    .sql`update astapa.mail_outbox set attempts = 8, last_error = '550 no such mailbox' where id = ${failing}`;
  const res = await getAs(t, viewer, `${base}/mail`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<h1>Mail<\/h1>/);
  assert.match(html, /aria-current="page"[^>]*>Mail</);
  for (const to of ["ayu@example.com", "budi@example.com", "citra@example.com"]) assert.ok(html.includes(to));
  assert.match(html, /<td data-label="Locale">id<\/td>/, "the locale");
  assert.match(html, /550 no such mailbox/);
  assert.match(html, /mail-sent">sent</);
  assert.match(html, /mail-failed">failed</);
  assert.match(html, /mail-queued">queued</);
  assert.ok(!html.includes("very-secret-token"), "never the link");
  assert.ok(!html.includes("Confirm your address"), "never the subject");
  const failed = await (await getAs(t, viewer, `${base}/mail?status=failed`)).text();
  assert.ok(failed.includes("budi@example.com") && !failed.includes("ayu@example.com"));
  assert.match(failed, /<option value="failed" selected>/);
  assert.match(
    await (await getAs(t, viewer, `${base}/mail?status=sent&before=${sent}`)).text(),
    /No sent mail/,
  );
  assert.equal((await getAs(t, viewer, `${base}/mail?status=lost`)).status, 400);
  assert.equal((await getAs(t, viewer, `${base}/mail?before=abc`)).status, 400);
  assert.equal((await getAs(t, stranger, `${base}/mail`)).status, 404);
  assert.equal((await getAs(t, null, `${base}/mail`)).status, 303, "to sign in");
});

Deno.test("mail page — 50 a page, older pages by keyset", async () => {
  for (let i = 0; i < 52; i++) await queue(`bulk${i}@example.com`);
  const first = await (await getAs(t, owner, `${base}/mail`)).text();
  assert.ok(first.includes("bulk51@example.com") && !first.includes("bulk1@example.com"));
  const older = /href="([^"]*\/mail\?before=\d+)"/.exec(first)?.[1].replaceAll("&amp;", "&");
  assert.ok(older, "a link to older mail");
  const second = await (await getAs(t, owner, older)).text();
  assert.ok(second.includes("bulk1@example.com") && !second.includes("bulk51@example.com"));
});

Deno.test("audit page — time, actor as the developer's email, action, target, details; filters", async () => {
  const ayu = await seedUser(t.db.sql, project.id, "ayu-audit@example.com");
  assert.equal((await postAs(t, owner, `${base}/users/${ayu}/disabled`, { disabled: "true" })).status, 303);
  const res = await getAs(t, viewer, `${base}/audit`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<h1>Audit log<\/h1>/);
  assert.match(html, /aria-current="page"[^>]*>Audit log</);
  assert.match(html, new RegExp(`title="account:${owner.accountId}">owner@dev\\.example<`));
  assert.match(html, /<code>user\.disable<\/code>/);
  assert.ok(html.includes(`href="${base}/users/${ayu}">user:${ayu}</a>`));
  // Details as key/value pairs, not one JSON string that wraps a character a line in a narrow column.
  assert.match(html, /<dl class="details"><div><dt>environment<\/dt><dd>sandbox<\/dd><\/div><\/dl>/);
  const byAction = await (await getAs(t, viewer, `${base}/audit?action=user.disable`)).text();
  assert.match(byAction, /user\.disable/);
  assert.ok(!byAction.includes("<code>user.create</code>"));
  const byActor = await (await getAs(t, viewer, `${base}/audit?actor=owner%40dev.example`)).text();
  assert.ok(byActor.includes("<code>user.disable</code>") && !byActor.includes("<code>user.create</code>"));
  const byUser = await (await getAs(t, viewer, `${base}/audit?user=${ayu}`)).text();
  assert.ok(byUser.includes("<code>user.create</code>") && byUser.includes("<code>user.disable</code>"));
  assert.ok(!byUser.includes("project.create"));
  assert.match(
    await (await getAs(t, viewer, `${base}/audit?actor=cli&action=plan.`)).text(),
    /No entries match/,
  );
  assert.equal((await getAs(t, viewer, `${base}/audit?user=abc`)).status, 400);
  assert.equal((await getAs(t, viewer, `${base}/audit?action=DROP%20TABLE`)).status, 400);
  assert.equal((await getAs(t, stranger, `${base}/audit`)).status, 404);
});

Deno.test("audit page — older entries by keyset, keeping the filters", async () => {
  const created: string[] = []; // in the order the audit entries were written
  for (let i = 0; i < 55; i++) created.push(await seedUser(t.db.sql, project.id, `many${i}@example.com`));
  const first = await (await getAs(t, owner, `${base}/audit?action=user.create`)).text();
  const older = /href="([^"]*\/audit\?action=user.create&amp;before=\d+)"/.exec(first)?.[1].replaceAll(
    "&amp;",
    "&",
  );
  assert.ok(older, "a link to older entries that keeps the filter");
  // Positions in creation order: user ids made in one millisecond are not ordered among themselves.
  const positions = (html: string) =>
    [...html.matchAll(/\/users\/(\d+)">user:/g)].map((m) => created.indexOf(m[1])).filter((i) => i >= 0);
  const second = await (await getAs(t, owner, older)).text();
  assert.ok(positions(second).length > 0);
  assert.ok(Math.max(...positions(second)) < Math.min(...positions(first)), "strictly older");
});
