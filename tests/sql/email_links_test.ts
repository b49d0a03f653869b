import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);
await seedUser(db.sql, project.id, "Dewi@Example.com");
await seedUser(db.sql, project.id, "done@example.com", { verified: true });

const link = (email: string, purpose: string, token: string) =>
  asApp(
    db.sql,
    project.id,
    async (tx) =>
      (await tx`select api.mail_email_link(${email}, ${purpose}, ${await sha256(token)}, 'Subject', 'Body',
                                        ${purpose}) as sent`)[0].sent,
  );
const outbox = () => db.sql`select to_address, kind from astapa.mail_outbox order by id`;

Deno.test("api.mail_email_link — mails the registered address, in any case; a token is issued", async () => {
  assert.equal(await link("  DEWI@example.com ", "reset_password", "t1"), true);
  assert.deepEqual((await outbox()).map((r) => ({ ...r })), [{
    to_address: "Dewi@Example.com",
    kind: "reset_password",
  }]);
  const [token] = await db.sql`select purpose from astapa.email_tokens where token_hash = ${await sha256(
    "t1",
  )}`;
  assert.equal(token.purpose, "reset_password");
});

Deno.test("api.mail_email_link — silent for unknown, disabled or (for verification) already verified users", async () => {
  const before = (await outbox()).length;
  assert.equal(await link("nobody@example.com", "reset_password", "t2"), false);
  assert.equal(await link("done@example.com", "verify_email", "t3"), false);
  await db.sql`update astapa.users set disabled = true where lower(email) = 'dewi@example.com'`;
  assert.equal(await link("dewi@example.com", "reset_password", "t4"), false);
  assert.equal((await outbox()).length, before, "nothing queued");
});

Deno.test("api.mail_email_link — another project's user is not found", async () => {
  const other = await seedProject(db.sql);
  const sent = await asApp(
    db.sql,
    other.id,
    async (tx) =>
      (await tx`select api.mail_email_link('done@example.com', 'reset_password', ${await sha256(
        "t5",
      )}, 's', 'b',
                                        'reset_password') as sent`)[0].sent,
  );
  assert.equal(sent, false);
});
