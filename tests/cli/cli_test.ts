/**
 * The admin CLI as a DBA runs it: a subprocess (`deno run -A cli.ts …`) against this file's database, so the
 * real argument parsing, transactions, exit codes and output are what is tested.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { verifyClientCredentials } from "@/db/projects.ts";
import { type TestDatabase, testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
const fresh = await testDatabase({ empty: true });
Deno.test.afterAll(async () => {
  await db.close();
  await fresh.close();
});

const CLI = new URL("../../cli.ts", import.meta.url).pathname;

type Run = { code: number; stdout: string; stderr: string; json: () => Record<string, unknown> };

async function astapa(
  args: string[],
  database: TestDatabase = db,
  env: Record<string, string> = {},
): Promise<Run> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env: { DATABASE_URL: database.url, NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  return {
    code: output.code,
    stdout,
    stderr: new TextDecoder().decode(output.stderr),
    json: () => JSON.parse(stdout),
  };
}

const verify = (projectId: string | null, clientId: string, secret: string) =>
  asApp(db.sql, projectId, (tx) => verifyClientCredentials(tx, clientId, secret));

Deno.test("cli project create — prints credentials that verify; rotate-secret makes the old one fail", async () => {
  const created = await astapa([
    "project",
    "create",
    "--name",
    "Shop",
    "--redirect-uri",
    "https://shop.example/callback",
    "--redirect-uri",
    "http://localhost:5173/callback",
    "--json",
  ]);
  assert.equal(created.code, 0, created.stderr);
  const project = created.json() as Record<string, string>;
  assert.deepEqual(Object.keys(project).sort(), ["client_id", "client_secret", "mode", "project_id"]);
  assert.match(project.project_id, /^proj_[a-z2-7]{16}$/);
  assert.match(project.client_secret, /^acs_[A-Za-z0-9_-]{43}$/);
  assert.equal(project.mode, "sandbox");
  assert.equal(await verify(null, project.client_id, project.client_secret), project.project_id);

  const rotated = await astapa(["project", "rotate-secret", project.project_id, "--json"]);
  assert.equal(rotated.code, 0, rotated.stderr);
  const secret = (rotated.json() as Record<string, string>).client_secret;
  assert.notEqual(secret, project.client_secret);
  assert.equal(await verify(null, project.client_id, project.client_secret), null);
  assert.equal(await verify(null, project.client_id, secret), project.project_id);

  const shown = await astapa(["project", "show", project.project_id, "--json"]);
  assert.deepEqual((shown.json() as { redirect_uris: string[] }).redirect_uris, [
    "https://shop.example/callback",
    "http://localhost:5173/callback",
  ]);
  assert.ok(!shown.stdout.includes(secret), "show never prints the secret");
});

Deno.test("cli project — list, mode, redirect-uri add/remove, human output", async () => {
  const id = (await astapa([
    "project",
    "create",
    "--name",
    "Blog",
    "--redirect-uri",
    "https://b.example/cb",
    "--json",
  ]))
    .json().project_id as string;
  const listed = await astapa(["project", "list", "--json"]);
  assert.ok((listed.json() as unknown as { project_id: string }[]).some((p) => p.project_id === id));

  const refused = await astapa(["project", "mode", id, "production", "--json"]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /Add live Xendit keys before going live/);
  // The deployment's default live keys are enough to go live.
  const live = {
    XENDIT_SECRET_KEY: "xnd_production_deployment_default",
    XENDIT_CALLBACK_TOKEN: "live-token",
  };
  const mode = await astapa(["project", "mode", id, "production", "--json"], db, live);
  assert.equal(mode.json().mode, "production");

  const added = await astapa(["project", "redirect-uri", "add", id, "https://b.example/other", "--json"]);
  assert.deepEqual(added.json().redirect_uris, ["https://b.example/cb", "https://b.example/other"]);
  const removed = await astapa(["project", "redirect-uri", "remove", id, "https://b.example/cb", "--json"]);
  assert.deepEqual(removed.json().redirect_uris, ["https://b.example/other"]);

  const human = await astapa(["project", "show", id]);
  assert.equal(human.code, 0);
  assert.match(human.stdout, new RegExp(`^project_id +${id}$`, "m"));
  assert.match(human.stdout, /^mode +production$/m);
});

Deno.test("cli — bad arguments print usage and exit 2; failures from SQL exit 1 with a readable message", async () => {
  for (
    const args of [
      ["project", "create", "--name", "X"],
      ["project", "mode", "proj_aaaaaaaaaaaaaaaa", "staging"],
      ["project", "show"],
      ["project", "frobnicate"],
      ["user", "show", "--project", "proj_aaaaaaaaaaaaaaaa", "not-a-number"],
      ["user", "claims", "--project", "proj_aaaaaaaaaaaaaaaa", "1", "--set", "{nope"],
      ["account", "create"],
      ["project", "list", "--colour"],
      ["nonsense"],
    ]
  ) {
    const run = await astapa(args);
    assert.equal(run.code, 2, `${args.join(" ")} → ${run.stderr}`);
    assert.match(run.stderr, /Usage: deno task astapa/);
  }
  const bad = await astapa(["project", "create", "--name", "X", "--redirect-uri", "http://evil.example/cb"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^validation_failed: Redirect URI http:\/\/evil\.example\/cb is not allowed/);
  const missing = await astapa(["project", "show", "proj_aaaaaaaaaaaaaaaa"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^not_found: Project proj_aaaaaaaaaaaaaaaa was not found\./);
});

Deno.test("cli — nothing half-written: a failing command leaves no project behind", async () => {
  const before = await astapa(["project", "list", "--json"]);
  const failed = await astapa([
    "project",
    "create",
    "--name",
    "Half",
    "--redirect-uri",
    "https://ok.example/cb",
    "--redirect-uri",
    "ftp://x",
  ]);
  assert.equal(failed.code, 1);
  const after = await astapa(["project", "list", "--json"]);
  assert.deepEqual(after.json(), before.json());
});

Deno.test("cli user — list, show and claims for a project's users", async () => {
  const id = (await astapa([
    "project",
    "create",
    "--name",
    "Users",
    "--redirect-uri",
    "https://u.example/cb",
    "--json",
  ]))
    .json().project_id as string;
  const sub = await asApp(db.sql, id, async (tx) => {
    const [row] = await tx`select api.create_user(${id}, 'Ada@Example.com') ->> 'id' as id`;
    return row.id as string;
  });
  const listed = await astapa(["user", "list", "--project", id, "--json"]);
  assert.deepEqual((listed.json() as unknown as { email: string }[]).map((u) => u.email), [
    "Ada@Example.com",
  ]);

  const set = await astapa([
    "user",
    "claims",
    "--project",
    id,
    sub,
    "--set",
    '{"role":"editor","feature_flags":["beta"]}',
    "--json",
  ]);
  assert.equal(set.code, 0, set.stderr);
  assert.deepEqual(set.json(), { plan: "free", role: "editor", feature_flags: ["beta"] });

  const shown = await astapa(["user", "show", "--project", id, sub, "--json"]);
  assert.deepEqual(shown.json().token_claims, { plan: "free", role: "editor", feature_flags: ["beta"] });
  const invalid = await astapa(["user", "claims", "--project", id, sub, "--set", '{"role":""}']);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /^validation_failed: role must be null or a string of 1 to 64 characters\./);
  const elsewhere = await astapa(["user", "show", "--project", "proj_aaaaaaaaaaaaaaaa", sub]);
  assert.equal(elsewhere.code, 1, "another project's id does not reach this user");

  const disabled = await astapa(["user", "disable", "--project", id, sub]);
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.equal(disabled.stdout.trim(), "Ada@Example.com is disabled.");
  assert.equal((await astapa(["user", "enable", "--project", id, sub, "--json"])).json().disabled, false);
  const signedOut = await astapa(["user", "sign-out", "--project", id, sub, "--json"]);
  assert.equal(signedOut.json().sessions, 0);
  assert.equal((await astapa(["user", "delete", "--project", "proj_aaaaaaaaaaaaaaaa", sub])).code, 1);
  const erased = await astapa(["user", "delete", "--project", id, sub]);
  assert.equal(erased.stdout.trim(), `Erased user ${sub}.`);
  const again = await astapa(["user", "delete", "--project", id, sub]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^not_found: User \d+ was not found/);
});

Deno.test("cli account create — invites a developer without a password, as a member of the project", async () => {
  const id = (await astapa([
    "project",
    "create",
    "--name",
    "Team",
    "--redirect-uri",
    "https://t.example/cb",
    "--json",
  ]))
    .json().project_id as string;
  const run = await astapa(["account", "create", "--email", "Dev@Team.example", "--project", id, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const out = run.json() as Record<string, string>;
  assert.equal(out.role, "owner");
  assert.equal(out.project_id, id);
  assert.match(out.sign_in_url, /^http.*\/dashboard$/);
  assert.equal("one_time_password" in out, false);
  const [row] = await db.sql`select password_hash, password_reset_required, console_user_id
    from astapa.accounts where id = ${out.account_id}`;
  assert.deepEqual(row, { password_hash: null, password_reset_required: false, console_user_id: null });
  const again = await astapa(["account", "create", "--email", "dev@team.EXAMPLE", "--json"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.json().account_id, out.account_id, "the existing account, not a conflict");
  const twice = await astapa(["account", "create", "--email", "dev@team.example", "--project", id]);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /^conflict: This account is already a member of this project\./);
});

Deno.test("cli account create — an existing account is attached to another (CLI-made) project", async () => {
  const project = async (name: string) =>
    (await astapa(["project", "create", "--name", name, "--redirect-uri", "https://c.example/cb", "--json"]))
      .json().project_id as string;
  const first = await project("Claimed one");
  const second = await project("Claimed two");
  const joined = await astapa([
    "account",
    "create",
    "--email",
    "lead@claim.example",
    "--project",
    first,
    "--json",
  ]);
  assert.equal(joined.code, 0, joined.stderr);
  const accountId = joined.json().account_id as string;
  const claimed = await astapa([
    "account",
    "create",
    "--email",
    "LEAD@claim.example",
    "--project",
    second,
    "--role",
    "admin",
    "--json",
  ]);
  assert.equal(claimed.code, 0, claimed.stderr);
  assert.deepEqual(
    { ...claimed.json(), sign_in_url: undefined },
    {
      account_id: accountId,
      email: "lead@claim.example",
      sign_in_url: undefined,
      project_id: second,
      role: "admin",
    },
  );
  const memberships = await db.sql`select project_id, role from astapa.memberships
    where account_id = ${accountId} order by role`;
  assert.deepEqual(memberships.map((m) => ({ ...m })), [
    { project_id: second, role: "admin" },
    { project_id: first, role: "owner" },
  ]);
});

Deno.test("cli — migrates a fresh database before the first command", async () => {
  const run = await astapa([
    "project",
    "create",
    "--name",
    "First",
    "--redirect-uri",
    "https://f.example/cb",
    "--json",
  ], fresh);
  assert.equal(run.code, 0, run.stderr);
  const status = await astapa(["db", "status", "--json"], fresh);
  assert.deepEqual((status.json() as { pending: unknown[] }).pending, []);
  const api = (status.json() as { current_files: { pending: boolean; changed: string[] } }).current_files;
  assert.deepEqual(api, { pending: false, changed: [], problem: null }, "db/api applied too");
});

Deno.test("cli — db schema prints the schema from the catalogs, as db/schema.sql holds it", async () => {
  const run = await astapa(["db", "schema"], fresh);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^-- The whole schema of an Astapa database/);
  assert.match(run.stdout, /create table astapa\.projects \(/);
  assert.match(run.stdout, /alter table astapa\.users force row level security;/);
});
