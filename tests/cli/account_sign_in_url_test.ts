/** Issue 17 #12: `account create` prints a sign-in URL at the deployment's address, not localhost:8000. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { ensureConsole } from "@/lib/dashboard/console.ts";
import { testDatabase } from "../helpers/db.ts";
import { consoleBaseUrls } from "@/db/dashboard.ts";
import { rejectsAs } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const CLI = new URL("../../cli.ts", import.meta.url).pathname;

async function accountCreate(email: string, env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "account", "create", "--email", email, "--json"],
    env: { DATABASE_URL: db.url, NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout)).sign_in_url as string;
}

Deno.test("cli account create — the sign-in URL is where the deployment is served, not localhost", async () => {
  assert.equal(await asApp(db.sql, null, (tx) => consoleBaseUrls(tx)).then((urls) => urls.length), 0);
  // Servers booted at a local address first, then at the public one.
  await ensureConsole(db.sql, "http://localhost:8000");
  await ensureConsole(db.sql, "https://auth.team.example");
  assert.deepEqual(await asApp(db.sql, null, (tx) => consoleBaseUrls(tx)), [
    "http://localhost:8000",
    "https://auth.team.example",
  ]);
  assert.equal(await accountCreate("a@team.example"), "https://auth.team.example/dashboard");
  assert.equal(
    await accountCreate("b@team.example", { ASTAPA_BASE_URL: "https://login.team.example" }),
    "https://login.team.example/dashboard",
    "the CLI's own configuration wins",
  );
});

Deno.test("api.console_base_urls — refused while acting for a project", async () => {
  await rejectsAs(asApp(db.sql, "proj_aaaaaaaaaaaaaaaa", (tx) => consoleBaseUrls(tx)), "forbidden");
});
