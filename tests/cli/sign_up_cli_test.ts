/** `astapa sign-up …`: show and change settings.sign_up through the real CLI process. */
import assert from "node:assert/strict";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };
const stored = async (id: string) =>
  (await db.sql`select settings -> 'sign_up' as s from astapa.projects where id = ${id}`)[0].s;

Deno.test("cli sign-up — shows the defaults, changes mode, lists, switches and exceptions, clears, refuses bad input", async () => {
  const project = await seedProject(db.sql);
  const shown = await run(["cli.ts", "sign-up", project.id, "--json"], env);
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual(JSON.parse(shown.stdout), {
    project_id: project.id,
    mode: "open",
    allowed_domains: [],
    blocked_domains: [],
    block_disposable_domains: false,
    disposable_allowed_domains: [],
    block_subaddresses: false,
    require_legal_consent: false,
  });
  const changed = await run(
    ["cli.ts", "sign-up", project.id, "--mode", "invitation", "--allow", "Kantor.example,*.cabang.example"],
    env,
  );
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stdout, /invitation; allowed domains: kantor\.example, \*\.cabang\.example/);
  assert.deepEqual(await stored(project.id), {
    mode: "invitation",
    allowed_domains: ["kantor.example", "*.cabang.example"],
  });
  const cleared = await run(["cli.ts", "sign-up", project.id, "--allow", "", "--mode", "open"], env);
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.deepEqual(await stored(project.id), {});
  const switched = await run(
    ["cli.ts", "sign-up", project.id, "--block-disposable", "true", "--block-subaddresses", "true"],
    env,
  );
  assert.equal(switched.code, 0, switched.stderr);
  assert.match(switched.stdout, /disposable domains refused; \+tag addresses refused/);
  assert.deepEqual(await stored(project.id), { block_disposable_domains: true, block_subaddresses: true });
  const excepted = await run(
    ["cli.ts", "sign-up", project.id, "--allow-disposable", "Duck.com,*.mozmail.com", "--json"],
    env,
  );
  assert.equal(excepted.code, 0, excepted.stderr);
  assert.deepEqual(JSON.parse(excepted.stdout).disposable_allowed_domains, ["duck.com", "*.mozmail.com"]);
  const exceptedText = await run(["cli.ts", "sign-up", project.id], env);
  assert.match(exceptedText.stdout, /disposable domains refused but duck\.com, \*\.mozmail\.com; \+tag/);
  const badException = await run(["cli.ts", "sign-up", project.id, "--allow-disposable", "duck_com"], env);
  assert.notEqual(badException.code, 0);
  assert.match(badException.stderr, /disposable_allowed_domains: duck_com is not a domain/);
  assert.equal((await run(["cli.ts", "sign-up", project.id, "--allow-disposable", ""], env)).code, 0);
  const unswitched = await run(
    ["cli.ts", "sign-up", project.id, "--block-disposable", "false", "--block-subaddresses", "false"],
    env,
  );
  assert.equal(unswitched.code, 0, unswitched.stderr);
  assert.deepEqual(await stored(project.id), {});
  assert.equal((await run(["cli.ts", "sign-up", project.id, "--block-disposable", "yes"], env)).code, 2);
  // Consent needs a terms or privacy address: refused with the reason, then taken once branding has one.
  const noTerms = await run(["cli.ts", "sign-up", project.id, "--require-legal-consent", "true"], env);
  assert.notEqual(noTerms.code, 0);
  assert.match(noTerms.stderr, /needs a terms of service or privacy policy address/);
  await db.sql`update astapa.projects set settings = jsonb_set(settings, '{branding}',
    '{"terms_url": "https://cli.example/terms"}') where id = ${project.id}`;
  const consent = await run(["cli.ts", "sign-up", project.id, "--require-legal-consent", "true"], env);
  assert.equal(consent.code, 0, consent.stderr);
  assert.match(consent.stdout, /legal consent required/);
  assert.deepEqual(await stored(project.id), { require_legal_consent: true });
  assert.equal(
    (await run(["cli.ts", "sign-up", project.id, "--require-legal-consent", "false"], env)).code,
    0,
  );
  const badMode = await run(["cli.ts", "sign-up", project.id, "--mode", "members"], env);
  assert.equal(badMode.code, 2);
  const badDomain = await run(["cli.ts", "sign-up", project.id, "--block", "bücher.example"], env);
  assert.notEqual(badDomain.code, 0);
  assert.match(badDomain.stderr, /xn--/);
  assert.deepEqual(await stored(project.id), {});
});

Deno.test("cli waitlist — lists the waiting, approves (the sign-up link mailed) and declines; bad input refused", async () => {
  const project = await seedProject(db.sql);
  assert.equal((await run(["cli.ts", "sign-up", project.id, "--mode", "waitlist"], env)).code, 0);
  for (const email of ["antri@toko.example", "tolak@toko.example"]) {
    await asApp(db.sql, project.id, (tx) => tx`select api.join_waitlist(${email})`);
  }
  const listed = await run(["cli.ts", "waitlist", "list", "--project", project.id, "--json"], env);
  assert.equal(listed.code, 0, listed.stderr);
  const entries = JSON.parse(listed.stdout).entries as { id: string; email: string; status: string }[];
  assert.deepEqual(entries.map((e) => [e.email, e.status]), [
    ["tolak@toko.example", "waiting"],
    ["antri@toko.example", "waiting"],
  ]);
  const id = (email: string) => entries.find((e) => e.email === email)!.id;
  const approved = await run([
    "cli.ts",
    "waitlist",
    "approve",
    "--project",
    project.id,
    id("antri@toko.example"),
  ], env);
  assert.equal(approved.code, 0, approved.stderr);
  assert.equal(approved.stdout.trim(), "antri@toko.example is approved.");
  const [mail] = await db.sql`select to_address, body_text from astapa.mail_outbox
                              where project_id = ${project.id} and to_address = 'antri@toko.example'`;
  assert.match(mail.body_text, /\/auth\/signup\?[^\s]*login_hint=antri%40toko\.example/);
  const declined = await run([
    "cli.ts",
    "waitlist",
    "decline",
    "--project",
    project.id,
    id("tolak@toko.example"),
  ], env);
  assert.equal(declined.stdout.trim(), "tolak@toko.example is declined.");
  const waiting = await run(
    ["cli.ts", "waitlist", "list", "--project", project.id, "--status", "waiting"],
    env,
  );
  assert.equal(waiting.stdout.trim(), "Nobody is on the waitlist.");
  assert.equal(
    (await run(["cli.ts", "waitlist", "list", "--project", project.id, "--status", "maybe"], env)).code,
    2,
  );
  const unknown = await run(["cli.ts", "waitlist", "approve", "--project", project.id, "wle_nobody"], env);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^not_found/);
});
