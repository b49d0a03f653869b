/**
 * db/api/phone.sql, a project's own phone provider credentials: stored, replaced and removed (audited, never
 * the credentials), an unknown provider or a missing hint refused, and the table seen only by its own project.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { phoneProviderCredentials, setPhoneProviderCredentials } from "@/db/phone_providers.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);
const other = await seedProject(db.sql);
const sealed = (text: string) => ({ credentials: new TextEncoder().encode(text), hint: `hint ${text}` });

Deno.test("api.set_phone_provider_credentials — stores, replaces and removes; audited without the credentials", async () => {
  await asApp(
    db.sql,
    project.id,
    (tx) => setPhoneProviderCredentials(tx, project.id, "zenziva", sealed("one")),
  );
  await asApp(
    db.sql,
    project.id,
    (tx) => setPhoneProviderCredentials(tx, project.id, "zenziva", sealed("two")),
  );
  const [row] = await asApp(db.sql, project.id, (tx) => phoneProviderCredentials(tx, project.id));
  assert.equal(row.provider, "zenziva");
  assert.equal(row.hint, "hint two");
  assert.equal(atob(row.credentials_sealed), "two");
  await asApp(db.sql, project.id, (tx) => setPhoneProviderCredentials(tx, project.id, "zenziva", null));
  assert.deepEqual(await asApp(db.sql, project.id, (tx) => phoneProviderCredentials(tx, project.id)), []);
  const audited = await db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'phone_provider.set' order by id`;
  assert.deepEqual(audited.map((r) => r.details), [
    { provider: "zenziva", removed: false },
    { provider: "zenziva", removed: false },
    { provider: "zenziva", removed: true },
  ]);
});

Deno.test("api.set_phone_provider_credentials — an unknown provider or a missing hint is AS400", async () => {
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      (tx) => tx`select api.set_phone_provider_credentials(${project.id}, 'sinch', '\\x01', 'h')`,
    ),
    "validation_failed",
  );
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      (tx) => tx`select api.set_phone_provider_credentials(${project.id}, 'zenziva', '\\x01', '')`,
    ),
    "validation_failed",
  );
});

Deno.test("phone_provider_credentials — each project sees and writes only its own rows; no project sees none", async () => {
  await asApp(
    db.sql,
    project.id,
    (tx) => setPhoneProviderCredentials(tx, project.id, "twilio_verify", sealed("t")),
  );
  assert.deepEqual(await asApp(db.sql, other.id, (tx) => phoneProviderCredentials(tx, project.id)), []);
  assert.deepEqual(await asApp(db.sql, null, (tx) => phoneProviderCredentials(tx, project.id)), []);
  await rejectsAs(
    asApp(db.sql, other.id, (tx) => setPhoneProviderCredentials(tx, project.id, "zenziva", sealed("x"))),
    "forbidden",
  );
  assert.equal((await asApp(db.sql, project.id, (tx) => phoneProviderCredentials(tx, project.id))).length, 1);
});
