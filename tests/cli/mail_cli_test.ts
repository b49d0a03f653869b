import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

Deno.test("cli mail list — shows a project's outbox, newest first, without SMTP", async () => {
  const project = await seedProject(db.sql);
  await asApp(db.sql, project.id, async (tx) => {
    await tx`select api.queue_mail('ayu@example.com', 'First', 'one', 'verify_email')`;
    await tx`select api.queue_mail('budi@example.com', 'Second', 'two', 'reset_password')`;
  });
  const listed = await run(["cli.ts", "mail", "list", "--project", project.id, "--json"], {
    DATABASE_URL: db.url,
  });
  assert.equal(listed.code, 0, listed.stderr);
  const mails = JSON.parse(listed.stdout);
  assert.deepEqual(mails.map((m: { subject: string }) => m.subject), ["Second", "First"]);
  assert.equal(mails[0].sent_at, null);
  const human = await run(["cli.ts", "mail", "list", "--project", project.id, "--limit", "1"], {
    DATABASE_URL: db.url,
  });
  assert.match(human.stdout, /^waiting budi@example.com {2}Second$/m);
  const bad = await run(["cli.ts", "mail", "list", "--project", project.id, "--limit", "0"], {
    DATABASE_URL: db.url,
  });
  assert.equal(bad.code, 2);
});
