/**
 * SQL tests of a project's own mail wording (settings.mail_texts): astapa.mail_text_kinds() is the registry
 * lib/mail/own_texts.ts holds too, and astapa.mail_texts_problem refuses what could not be mailed as written —
 * an unknown kind or placeholder, a line break in a subject, an over-long text, a part Astapa keeps.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { MAIL_TEXT_KINDS, MAIL_TEXT_LIMITS } from "@/lib/mail/own_texts.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const settingsUpdate = (projectId: string, changes: unknown) =>
  asApp(
    db.sql,
    projectId,
    (tx) =>
      tx`select api.update_project_settings(${projectId}, ${JSON.stringify(changes)}::text::jsonb) as p`,
    { actor: "test" },
  ).then(([row]) => row.p.settings as Record<string, unknown>);

Deno.test("astapa.mail_text_kinds — the same kinds, descriptions and placeholders as lib/mail/own_texts.ts", async () => {
  const [row] = await asApp(db.sql, null, (tx) => tx`select astapa.mail_text_kinds() as kinds`);
  assert.deepEqual(row.kinds, JSON.parse(JSON.stringify(MAIL_TEXT_KINDS)));
});

Deno.test("astapa.mail_texts_problem — every kind takes subject, intro and closing with its own placeholders", async () => {
  const p = await seedProject(db.sql);
  const texts = Object.fromEntries(
    Object.entries(MAIL_TEXT_KINDS).map(([kind, { placeholders }]) => [kind, {
      en: {
        subject: `Hi from {app}`,
        intro: placeholders.map((name) => `{${name}}`).join(" "),
        closing: "Bye",
      },
      id: { closing: "Salam, {app}" },
    }]),
  );
  const saved = await settingsUpdate(p.id, { mail_texts: texts });
  assert.deepEqual(saved.mail_texts, texts);
});

Deno.test("astapa.mail_texts_problem — refuses what cannot be mailed as written, naming the problem", async () => {
  const p = await seedProject(db.sql);
  const refused: [unknown, RegExp][] = [
    [
      { email_code: { en: { intro: "Your {token}" } } },
      /\{token\} is not a placeholder of this mail; it has \{app\}, \{code\}/,
    ],
    // {code} belongs to the code mails only: a link mail has no code to show.
    [
      { verify_email: { en: { subject: "Code {code}" } } },
      /verify_email\.en\.subject: \{code\} is not a placeholder/,
    ],
    [
      { organization_invitation: { id: { closing: "{ organization }" } } },
      /\{ organization \} is not a placeholder/,
    ],
    [{ email_code: { en: { subject: "Hi\r\nBcc: victim@example.com" } } }, /subject must be one line/],
    [{ email_code: { en: { subject: "Hi\u2028there" } } }, /subject must be one line/],
    [{ email_code: { en: { closing: "Thanks\nBye" } } }, /closing must be one line/],
    [{ email_code: { en: { subject: "x".repeat(MAIL_TEXT_LIMITS.subject + 1) } } }, /at most 150 characters/],
    [
      { waitlist_approved: { id: { closing: "x".repeat(MAIL_TEXT_LIMITS.closing + 1) } } },
      /at most 300 characters/,
    ],
    [{ waitlist_approved: { id: { closing: 5 } } }, /closing must be one line of text/],
    [
      { email_code: { en: { note: "No note" } } },
      /only subject, intro and closing.*security note stay Astapa's/,
    ],
    [{ email_code: { en: { action: "Go" } } }, /only subject, intro and closing/],
    [
      { invoice: { en: { subject: "x" } } },
      /mail_texts\.invoice: the kinds are account_claimed, account_deleted, .*, verify_email, waitlist_approved, each/,
    ],
  ];
  for (const [texts, message] of refused) {
    await rejectsAs(settingsUpdate(p.id, { mail_texts: texts }), "validation_failed", message);
  }
  const [row] = await db.sql`select settings from astapa.projects where id = ${p.id}`;
  assert.equal("mail_texts" in row.settings, false);
});

Deno.test("astapa.mail_texts_problem — markup is kept as text (escaped when mailed, not refused)", async () => {
  const p = await seedProject(db.sql);
  const texts = { email_code: { en: { intro: `<script>alert(1)</script> & "{app}"` } } };
  const saved = await settingsUpdate(p.id, { mail_texts: texts });
  assert.deepEqual(saved.mail_texts, texts);
});

Deno.test("astapa.settings_size_problem — every kind worded in both languages at full length fits; the rest stays 16 KiB", async () => {
  const p = await seedProject(db.sql);
  const full = (letter: string) =>
    Object.fromEntries(
      Object.keys(MAIL_TEXT_KINDS).map((kind) => {
        const parts = Object.fromEntries(
          Object.entries(MAIL_TEXT_LIMITS).map(([part, longest]) => [part, letter.repeat(longest)]),
        );
        return [kind, { en: parts, id: parts }];
      }),
    );
  const ascii = full("a");
  assert.ok(JSON.stringify(ascii).length > 16384, "more than the other settings' budget");
  assert.deepEqual((await settingsUpdate(p.id, { mail_texts: ascii })).mail_texts, ascii);
  // Beside them, the other settings still have their 16 KiB, and no more.
  const origins = Array.from({ length: 50 }, (_, i) => `https://${"x".repeat(280)}${i}.example`);
  await settingsUpdate(p.id, { allowed_origins: origins });
  const bigApp = { client_id: "g".repeat(500), client_secret_sealed: "A".repeat(3000) };
  await rejectsAs(
    settingsUpdate(p.id, { social_login: { google: bigApp, github: bigApp } }),
    "validation_failed",
    /16 KiB \(the mail texts aside\)/,
  );
  // In a four-byte script at full length they pass their own 128 KiB: refused, saying which budget.
  await rejectsAs(
    settingsUpdate(p.id, { mail_texts: full("😀") }),
    "validation_failed",
    /mail texts .* 128 KiB/,
  );
  const [row] = await db.sql`select settings -> 'mail_texts' = ${JSON.stringify(ascii)}::text::jsonb as kept
                             from astapa.projects where id = ${p.id}`;
  assert.equal(row.kept, true, "the refused change left the saved texts");
});
