/**
 * GET/PATCH /api/platform/mail-texts and the SDK's mailTexts: the kinds with their placeholders, a set replaced
 * and read back, refused texts (a line break in a subject, an unknown placeholder, too long) an RFC-shaped 400
 * that changes nothing, audited. (Who may call it: authorization_matrix_test.ts; the mails using the texts:
 * lib/mail/own_texts_test.ts.)
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { createAstapa } from "@/sdk/mod.ts";
import { MAIL_TEXT_KINDS } from "@/lib/mail/own_texts.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());

async function call(method: string, p: SeededProject, body?: unknown) {
  const res = await t.app.request("/api/platform/mail-texts", {
    method,
    headers: {
      authorization: basic(p.clientId, p.secret),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

const stored = async (p: SeededProject) =>
  (await t.db.sql`select settings -> 'mail_texts' as m from astapa.projects where id = ${p.id}`)[0].m;

const TEXTS = {
  email_code: { id: { subject: "Kode {code} untuk {app}", closing: "Salam hangat, tim {app}" } },
  organization_invitation: { en: { intro: "Join {organization} on {app} <today>" } },
};

Deno.test("GET/PATCH /api/platform/mail-texts — kinds and placeholders, a set replaced and cleared, audited", async () => {
  const project = await seedProject(t.db.sql, { name: "Kopi" });
  const read = await call("GET", project);
  assert.equal(read.res.status, 200);
  assert.equal(read.res.headers.get("cache-control"), "no-store");
  assert.deepEqual(read.body.mail_texts, {});
  assert.deepEqual(read.body.kinds, JSON.parse(JSON.stringify(MAIL_TEXT_KINDS)));
  assert.deepEqual(read.body.languages, ["en", "id"]);

  const saved = await call("PATCH", project, { mail_texts: TEXTS });
  assert.equal(saved.res.status, 200, JSON.stringify(saved.body));
  assert.deepEqual(saved.body.mail_texts, TEXTS);
  assert.deepEqual(await stored(project), TEXTS);

  const cleared = await call("PATCH", project, { mail_texts: {} });
  assert.deepEqual(cleared.body.mail_texts, {});
  assert.equal(await stored(project), null);

  const [audit] = await t.db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'project.settings' order by id limit 1`;
  assert.deepEqual(audit.details.mail_texts, TEXTS);
});

Deno.test("PATCH /api/platform/mail-texts — header injection, unknown placeholders and long texts: 400, nothing changed", async () => {
  const project = await seedProject(t.db.sql, { name: "Salah" });
  await call("PATCH", project, { mail_texts: TEXTS });
  const cases: [unknown, RegExp][] = [
    [{ mail_texts: { email_code: { en: { subject: "Hi\r\nBcc: all@example.com" } } } }, /one line/],
    [
      { mail_texts: { verify_email: { en: { intro: "Your code {code}" } } } },
      /\{code\} is not a placeholder/,
    ],
    [{ mail_texts: { reset_password: { en: { closing: "x".repeat(301) } } } }, /at most 300/],
    [{ mail_texts: { reset_password: { en: { note: "gone" } } } }, /only subject, intro and closing/],
    [{ mail_texts: { reset_password: { en: { subject: 5 } } } }, /./],
    [{ texts: {} }, /./],
    ["{not json", /./],
  ];
  for (const [body, reason] of cases) {
    const { res, body: problem } = await call("PATCH", project, body);
    assert.equal(res.status, 400, JSON.stringify(problem));
    assert.ok(["validation_failed", "invalid_json"].includes(problem.error), JSON.stringify(problem));
    assert.match(JSON.stringify(problem), reason);
  }
  assert.deepEqual(await stored(project), TEXTS);
});

Deno.test("sdk — mailTexts: update and get; a refused update is a typed error that changes nothing", async () => {
  const project = await seedProject(t.db.sql, { name: "Toko" });
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: project.clientId,
    clientSecret: project.secret,
  });
  const updated = await astapa.mailTexts.update(TEXTS);
  assert.deepEqual(updated.mail_texts, TEXTS);
  assert.deepEqual((await astapa.mailTexts.get()).mail_texts, TEXTS);
  await assert.rejects(
    () => astapa.mailTexts.update({ email_code: { en: { subject: "{token}" } } }),
    /placeholder/,
  );
  assert.deepEqual((await astapa.mailTexts.get()).mail_texts, TEXTS);
  assert.deepEqual((await astapa.mailTexts.update(null)).mail_texts, {});
});
