/**
 * SQL tests for settings.bot_protection (db/api/bot_protection.sql through api.update_project_settings): the
 * setting's validation, the key-by-key merge that keeps the sealed secret, null turning it off, and the audit
 * log holding whether the secret changed, never the sealed value.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { rows, testDatabase } from "../helpers/db.ts";
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
  ).then(([row]) => row.p as { settings: Record<string, unknown> });

const SEALED = "S".repeat(60);
const TURNSTILE = {
  provider: "turnstile",
  site_key: "0x4AAAAAAAtest",
  secret_key_sealed: SEALED,
  on: ["sign_up", "sign_in"],
};

Deno.test("bot_protection — set whole, merged key by key keeping the secret, null turns it off, audited without the secret", async () => {
  const p = await seedProject(db.sql);
  assert.deepEqual(
    (await settingsUpdate(p.id, { bot_protection: TURNSTILE })).settings.bot_protection,
    TURNSTILE,
  );
  const moved = await settingsUpdate(p.id, { bot_protection: { on: ["forgot", "email_code"] } });
  assert.deepEqual(moved.settings.bot_protection, { ...TURNSTILE, on: ["forgot", "email_code"] });
  const other = "T".repeat(50);
  const switched = await settingsUpdate(p.id, {
    bot_protection: {
      provider: "hcaptcha",
      site_key: "10000000-ffff-ffff-ffff-000000000001",
      secret_key_sealed: other,
    },
  });
  assert.deepEqual(switched.settings.bot_protection, {
    provider: "hcaptcha",
    site_key: "10000000-ffff-ffff-ffff-000000000001",
    secret_key_sealed: other,
    on: ["forgot", "email_code"],
  });
  assert.equal((await settingsUpdate(p.id, { bot_protection: null })).settings.bot_protection, undefined);
  const audit = rows(
    await asApp(
      db.sql,
      p.id,
      (tx) => tx`select details from astapa.audit_log where action = 'project.settings' order by id`,
    ),
  );
  assert.deepEqual(audit.map((row) => row.details.bot_protection), [
    { provider: "turnstile", site_key: "0x4AAAAAAAtest", on: ["sign_up", "sign_in"], secret_key: "changed" },
    { on: ["forgot", "email_code"] },
    { provider: "hcaptcha", site_key: "10000000-ffff-ffff-ffff-000000000001", secret_key: "changed" },
    null,
  ]);
  const logged = JSON.stringify(audit);
  assert.ok(!logged.includes(SEALED) && !logged.includes(other), "no sealed secret in the audit log");
});

Deno.test("bot_protection — on takes all eight forms, the passkey sign-up's code, \"send the link again\" and a guest's sign-in among them", async () => {
  const p = await seedProject(db.sql);
  const all = [
    "sign_up",
    "sign_in",
    "forgot",
    "email_code",
    "phone",
    "passkey_sign_up",
    "resend",
    "anonymous",
  ];
  const stored = await settingsUpdate(p.id, { bot_protection: { ...TURNSTILE, on: all } });
  assert.deepEqual(stored.settings.bot_protection, { ...TURNSTILE, on: all });
  const some = await settingsUpdate(p.id, { bot_protection: { on: ["passkey_sign_up", "resend"] } });
  assert.deepEqual(some.settings.bot_protection, { ...TURNSTILE, on: ["passkey_sign_up", "resend"] });
  await rejectsAs(
    settingsUpdate(p.id, { bot_protection: { on: [...all, "resend"] } }),
    "validation_failed",
    /each once/,
  );
});

Deno.test("bot_protection — each refusal names the problem and changes nothing", async () => {
  const p = await seedProject(db.sql);
  const refused: [unknown, RegExp][] = [
    ["turnstile", /takes provider, site_key, secret_key_sealed and on only/],
    [{ ...TURNSTILE, secret_key: "plain" }, /takes provider, site_key, secret_key_sealed and on only/],
    [{ ...TURNSTILE, provider: "recaptcha" }, /provider must be turnstile or hcaptcha/],
    [{ ...TURNSTILE, site_key: "" }, /site_key must be the provider's site key/],
    [{ ...TURNSTILE, site_key: '"><script>' }, /site_key must be the provider's site key/],
    [{ ...TURNSTILE, secret_key_sealed: "my plain secret" }, /sealed by the server/],
    [
      { ...TURNSTILE, on: [] },
      /on must list one or more of sign_up, sign_in, forgot, email_code, phone, passkey_sign_up, resend and anonymous/,
    ],
    [{ ...TURNSTILE, on: ["sign_up", "sign_up"] }, /each once/],
    [{ ...TURNSTILE, on: ["checkout"] }, /one or more of/],
    [{ ...TURNSTILE, on: "sign_up" }, /one or more of/],
    [
      { provider: "turnstile", site_key: "0x4AAA", on: ["sign_up"] },
      /needs provider, site_key, secret_key and on/,
    ],
  ];
  for (const [value, message] of refused) {
    await rejectsAs(settingsUpdate(p.id, { bot_protection: value }), "validation_failed", message);
  }
  await settingsUpdate(p.id, { bot_protection: TURNSTILE });
  await rejectsAs(
    settingsUpdate(p.id, { bot_protection: { provider: "hcaptcha", site_key: "10000000-ffff" } }),
    "validation_failed",
    /a new provider needs its own secret key/,
  );
  const [row] = await db
    .sql`select settings -> 'bot_protection' as b from astapa.projects where id = ${p.id}`;
  assert.deepEqual(row.b, TURNSTILE);
});
