/**
 * db/api/sealed_values.sql, what `astapa master-key reseal` reads and writes: every project listed (deleted too)
 * only outside any project; a kind's values listed in id order a batch at a time, a project's own only; a value
 * replaced only while it is still the one read (compare-and-set), its row's updated_at untouched; unknown kinds
 * and unpaired arrays refused; and the sandbox accounts' new update policy tried as their project, another
 * project and none. SQL sees sealed bytes only, so the values here are stand-ins.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { projectsToReseal, replaceSealedValues, sealedValues } from "@/db/sealed_values.ts";
import { createSandboxAccount } from "@/db/sandbox_accounts.ts";
import { hex } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const bytes = (text: string) => new TextEncoder().encode(text.padEnd(32, "."));
const project = await seedProject(db.sql, {
  settings: {
    social_login: {
      google: { client_id: "g", client_secret_sealed: "google-sealed" },
      apple: { client_id: "com.example", private_key_sealed: "apple-sealed" },
      microsoft: { client_id: "m", client_secret_sealed: "microsoft-sealed", tenant: "organizations" },
    },
    bot_protection: { provider: "hcaptcha", site_key: "k", secret_key_sealed: "bot-sealed", on: ["sign_up"] },
  },
});
const other = await seedProject(db.sql);
const deleted = await seedProject(db.sql, { name: "Gone" });
await asApp(db.sql, deleted.id, (tx) => tx`select api.delete_project(${deleted.id}, 'Gone')`);

const users = [
  await seedUser(db.sql, project.id, "one@example.com"),
  await seedUser(db.sql, project.id, "two@example.com"),
  await seedUser(db.sql, project.id, "three@example.com"),
];
for (const user of users) {
  await db.sql`insert into astapa.user_factors (project_id, user_id, kind, secret_sealed, confirmed_at)
    values (${project.id}, ${user}, 'totp', ${bytes(`totp ${user}`)}, now())`;
}
const otherUser = await seedUser(db.sql, other.id, "elsewhere@example.com");
await db.sql`insert into astapa.user_factors (project_id, user_id, kind, secret_sealed, confirmed_at)
  values (${other.id}, ${otherUser}, 'totp', ${bytes("elsewhere")}, now())`;

const list = (projectId: string | null, kind: string, after: string | null = null, max = 500) =>
  asApp(db.sql, projectId, (tx) => sealedValues(tx, kind, after, max));
const replace = (
  projectId: string | null,
  kind: string,
  changes: { id: string; before: string; after: string }[],
) => asApp(db.sql, projectId, (tx: Tx) => replaceSealedValues(tx, kind, changes));

Deno.test("api.projects_to_reseal — every project, deleted ones too; refused while acting for a project", async () => {
  const ids = await asApp(db.sql, null, (tx) => projectsToReseal(tx));
  for (const id of [project.id, other.id, deleted.id]) assert.ok(ids.includes(id), id);
  assert.deepEqual(ids, [...ids].sort());
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => projectsToReseal(tx)),
    "forbidden",
    /outside any project/,
  );
});

Deno.test("api.sealed_values — a kind's values in id order after a cursor, the project's own only", async () => {
  const sorted = [...users].sort((a, b) => Number(a) - Number(b));
  const all = await list(project.id, "totp_secret");
  assert.deepEqual(all.map((row) => row.id), sorted);
  assert.equal(all[0].sealed, hex(bytes(`totp ${sorted[0]}`)), "bytea travels as hex");
  const [first, second] = [
    await list(project.id, "totp_secret", null, 2),
    await list(project.id, "totp_secret", sorted[1], 2),
  ];
  assert.deepEqual([...first, ...second].map((row) => row.id), sorted, "batches continue after the cursor");
  assert.deepEqual((await list(other.id, "totp_secret")).map((row) => row.id), [otherUser]);
  assert.deepEqual(await list(null, "totp_secret"), [], "no project: no project's values");
  assert.deepEqual(
    (await list(project.id, "social_provider_secret")).map((row) => [row.id, row.sealed]),
    [["apple", "apple-sealed"], ["google", "google-sealed"], ["microsoft", "microsoft-sealed"]],
  );
  assert.deepEqual(await list(project.id, "bot_protection_secret"), [
    { id: "hcaptcha", detail: null, sealed: "bot-sealed" },
  ]);
  assert.deepEqual(await list(other.id, "social_provider_secret"), []);
  await rejectsAs(
    list(project.id, "passwords"),
    "validation_failed",
    /passwords is not a kind of sealed value/,
  );
});

Deno.test("api.replace_sealed_values — replaces a value only while it is still the one read", async () => {
  const [row] = await list(project.id, "totp_secret", null, 1);
  const [before] = await db.sql`select created_at from astapa.user_factors where project_id = ${project.id}
    and user_id = ${row.id}`;
  const resealed = hex(bytes("resealed"));
  assert.deepEqual(
    await replace(project.id, "totp_secret", [
      { id: row.id, before: hex(bytes("not what is stored")), after: resealed },
    ]),
    [],
    "a value changed since the read stays",
  );
  assert.equal((await list(project.id, "totp_secret", null, 1))[0].sealed, row.sealed);
  assert.deepEqual(
    await replace(other.id, "totp_secret", [{ id: row.id, before: row.sealed, after: resealed }]),
    [],
    "RLS",
  );
  assert.deepEqual(
    await replace(project.id, "totp_secret", [{ id: row.id, before: row.sealed, after: resealed }]),
    [row.id],
  );
  assert.equal((await list(project.id, "totp_secret", null, 1))[0].sealed, resealed);
  const [after] = await db.sql`select created_at from astapa.user_factors where project_id = ${project.id}
    and user_id = ${row.id}`;
  assert.deepEqual(after, before);
  // Audited once, for the batch that replaced one; the two that replaced nothing left no entry.
  const audited = await db.sql`select actor, target, details from astapa.audit_log
    where project_id in (${project.id}, ${other.id}) and action = 'project.secrets_resealed'`;
  assert.deepEqual(audited.map((a) => ({ ...a })), [
    { actor: "app", target: "totp_secret", details: { kind: "totp_secret", count: 1 } },
  ]);
});

Deno.test("api.replace_sealed_values — settings paths: the one provider's, the bot secret only for its provider", async () => {
  assert.deepEqual(
    await replace(project.id, "social_provider_secret", [
      { id: "apple", before: "apple-sealed", after: "apple-resealed" },
      { id: "google", before: "stale", after: "google-resealed" },
      { id: "microsoft", before: "microsoft-sealed", after: "microsoft-resealed" },
    ]),
    ["apple", "microsoft"],
  );
  assert.deepEqual(
    await replace(project.id, "bot_protection_secret", [{
      id: "turnstile",
      before: "bot-sealed",
      after: "x",
    }]),
    [],
    "not the provider configured",
  );
  assert.deepEqual(
    await replace(project.id, "bot_protection_secret", [{
      id: "hcaptcha",
      before: "bot-sealed",
      after: "bot-resealed",
    }]),
    ["hcaptcha"],
  );
  const [{ settings }] = await db.sql`select settings from astapa.projects where id = ${project.id}`;
  assert.deepEqual(settings.social_login, {
    google: { client_id: "g", client_secret_sealed: "google-sealed" },
    apple: { client_id: "com.example", private_key_sealed: "apple-resealed" },
    microsoft: { client_id: "m", client_secret_sealed: "microsoft-resealed", tenant: "organizations" },
  });
  assert.deepEqual(settings.bot_protection.secret_key_sealed, "bot-resealed");
  assert.equal(settings.bot_protection.provider, "hcaptcha");
});

Deno.test("api.replace_sealed_values — unknown kinds and unpaired arrays are refused", async () => {
  await rejectsAs(replace(project.id, "passwords", []), "validation_failed", /not a kind of sealed value/);
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      (tx) => tx`select api.replace_sealed_values('totp_secret', '{a,b}', '{a}', '{a,b}')`,
    ),
    "validation_failed",
    /pair up/,
  );
});

Deno.test("sandbox accounts — a project reseals its own account; another project and none cannot", async () => {
  const account = (text: string) => ({
    keyHash: bytes(`key ${text}`),
    callbackTokenHash: bytes(`cb ${text}`),
    secretKey: bytes(`secret ${text}`),
    callbackToken: bytes(`token ${text}`),
  });
  await asApp(db.sql, project.id, (tx) => createSandboxAccount(tx, account("own")));
  const [row] = await list(project.id, "sandbox_secret_key");
  assert.equal(row.id, project.id);
  const change = { id: project.id, before: row.sealed, after: hex(bytes("resealed secret")) };
  assert.deepEqual(await replace(other.id, "sandbox_secret_key", [change]), []);
  assert.deepEqual(await replace(null, "sandbox_secret_key", [change]), []);
  assert.deepEqual(await replace(project.id, "sandbox_secret_key", [change]), [project.id]);
  const [token] = await list(project.id, "sandbox_callback_token");
  assert.deepEqual(
    await replace(project.id, "sandbox_callback_token", [{ ...change, before: token.sealed }]),
    [project.id],
  );
  const [stored] = await db.sql`select secret_key_sealed, callback_token_sealed from astapa.sandbox_accounts
    where project_id = ${project.id}`;
  assert.deepEqual([hex(stored.secret_key_sealed), hex(stored.callback_token_sealed)], [
    change.after,
    change.after,
  ]);
});
