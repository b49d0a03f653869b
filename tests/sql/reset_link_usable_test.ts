/** api.reset_link_usable (db/api/login.sql): the reset page's check that a link is still good, without using it. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);
const other = await seedProject(db.sql);
await seedUser(db.sql, project.id, "ani@example.com", { verified: true });

const mail = async (token: string, purpose = "reset_password") =>
  await asApp(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.mail_email_link('ani@example.com', ${purpose}, ${await sha256(
        token,
      )}, 's', 'b', ${purpose})`,
  );
const usable = async (projectId: string, token: string) =>
  (await asApp(
    db.sql,
    projectId,
    async (tx) => tx`select api.reset_link_usable(${await sha256(token)}) as ok`,
  ))[0].ok;

Deno.test("api.reset_link_usable — true for a fresh link, and asking does not use it up", async () => {
  await mail("fresh");
  assert.equal(await usable(project.id, "fresh"), true);
  assert.equal(await usable(project.id, "fresh"), true);
  const [row] = await db.sql`select used_at from astapa.email_tokens where token_hash = ${await sha256(
    "fresh",
  )}`;
  assert.equal(row.used_at, null);
});

Deno.test("api.reset_link_usable — false once used, once expired, for unknown tokens", async () => {
  await mail("used");
  await asApp(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.reset_password(${await sha256("used")}, '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA')`,
  );
  assert.equal(await usable(project.id, "used"), false);
  await mail("old");
  await db.sql`update astapa.email_tokens set created_at = now() - interval '2 hours',
                 expires_at = now() - interval '1 hour' where token_hash = ${await sha256("old")}`;
  assert.equal(await usable(project.id, "old"), false);
  assert.equal(await usable(project.id, "never-issued"), false);
});

Deno.test("api.reset_link_usable — another project's link and a verification link do not count", async () => {
  await mail("mine");
  assert.equal(await usable(other.id, "mine"), false);
  await db.sql`update astapa.users set email_verified = false where email = 'ani@example.com'`;
  await mail("verify-token", "verify_email");
  assert.equal(await usable(project.id, "verify-token"), false);
});

Deno.test("api.reset_link_usable — no project set: nothing is usable", async () => {
  await mail("orphan");
  const [row] = await asApp(
    db.sql,
    null,
    async (tx) => tx`select api.reset_link_usable(${await sha256("orphan")}) as ok`,
  );
  assert.equal(row.ok, false);
});
