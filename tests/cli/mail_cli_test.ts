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

Deno.test("cli mail texts — replaced from a JSON file, checked as the API checks, shown and cleared", async () => {
  const project = await seedProject(db.sql);
  const env = { DATABASE_URL: db.url };
  const file = await Deno.makeTempFile({ suffix: ".json" });
  const texts = { email_code: { id: { subject: "Kode {code}", closing: "Salam" } } };
  await Deno.writeTextFile(file, JSON.stringify(texts));
  const set = await run(["cli.ts", "mail", "texts", "--project", project.id, "set", file, "--json"], env);
  assert.equal(set.code, 0, set.stderr);
  assert.deepEqual(JSON.parse(set.stdout), texts);
  const shown = await run(["cli.ts", "mail", "texts", "--project", project.id], env);
  assert.match(shown.stdout, /Own mail texts of proj_\w+: email_code/);

  await Deno.writeTextFile(
    file,
    JSON.stringify({ email_code: { en: { subject: "Hi\r\nBcc: x@example.com" } } }),
  );
  const refused = await run(["cli.ts", "mail", "texts", "--project", project.id, "set", file], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /subject must be one line/);
  const [row] = await db
    .sql`select settings -> 'mail_texts' as m from astapa.projects where id = ${project.id}`;
  assert.deepEqual(row.m, texts, "the refused file changed nothing");

  const cleared = await run(["cli.ts", "mail", "texts", "--project", project.id, "clear"], env);
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.match(cleared.stdout, /uses Astapa's wording for every mail/);
  await Deno.remove(file);
});
