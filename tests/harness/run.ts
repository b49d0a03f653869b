/**
 * The test command (`deno task test`): one Postgres and one browser for the whole run, then `deno test`.
 *
 * - Postgres: TEST_DATABASE_URL when set (a superuser URL; the run's databases get unique names), else an
 *   embedded cluster in a temp folder. The migrated schema becomes a template database; each test file
 *   clones it (tests/helpers/db.ts), which takes milliseconds.
 * - Browser: Debian's chromium behind a Playwright server; e2e tests connect to it.
 * - Islands are bundled once.
 * Extra arguments go to `deno test` (e.g. a file path or --filter). Ends with "N passed, N failed".
 */
import postgres from "postgres";
import { startEmbeddedPostgres, takeOverSignals } from "@/db/embedded.ts";
import { migrate } from "@/db/migrate.ts";
import { buildIslands } from "@/lib/islands/build.ts";
import { launchBrowserServer } from "./browser.ts";
import { STUCK_AFTER, stuckTest, summarise } from "./summary.ts";
import { withDatabase } from "../helpers/db.ts";

const runId = `${Date.now().toString(36)}${Deno.pid.toString(36)}`;
const cleanups: (() => Promise<unknown>)[] = [];
const cleanup = async () => {
  for (const step of cleanups.reverse()) await step().catch((error) => console.error("cleanup:", error));
};
takeOverSignals();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => cleanup().finally(() => Deno.exit(130)));
}

let exitCode = 1;
try {
  const adminUrl = await startDatabase();
  const template = `astapa_template_${runId}`;
  await createTemplate(adminUrl, template);
  const assets = await buildIslands();
  const browser = await launchBrowserServer();
  cleanups.push(() => browser.close());

  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--parallel", ...Deno.args],
    env: {
      ASTAPA_TEST_ADMIN_URL: adminUrl,
      ASTAPA_TEST_TEMPLATE: template,
      ASTAPA_TEST_CLIENT_SCRIPT: assets.clientScript,
      ASTAPA_TEST_BROWSER_WS: browser.wsEndpoint,
      // Servers the tests start never look chosen passwords up on the internet; the lookup's own tests serve
      // a range of their own (tests/http/breached_passwords_test.ts).
      PWNED_PASSWORDS_URL: "off",
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const output = await tee(child.stdout, (stuck) => {
    // A hung test must not hold CI until its own time limit: stop the run and count it as failed.
    console.log(`\nstopping the run: '${stuck}' has been running for ${STUCK_AFTER}; counted as failed`);
    child.kill("SIGKILL");
  });
  const status = await child.status;
  const counts = summarise(output, status.success);
  console.log(`\n${counts.passed} passed, ${counts.failed} failed`);
  exitCode = status.success && counts.failed === 0 ? 0 : 1;
} catch (error) {
  console.error(error);
  console.log("\n0 passed, 1 failed");
} finally {
  await cleanup();
}
Deno.exit(exitCode);

async function startDatabase(): Promise<string> {
  const external = Deno.env.get("TEST_DATABASE_URL");
  if (external) return external;
  const dir = await Deno.makeTempDir({ prefix: "astapa-test-pg-" });
  const cluster = await startEmbeddedPostgres(dir, { durable: false, maxConnections: 300 });
  cleanups.push(() => Deno.remove(dir, { recursive: true }));
  cleanups.push(() => cluster.stop());
  return cluster.url;
}

async function createTemplate(adminUrl: string, template: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${template}`);
    cleanups.push(() => dropDatabases(adminUrl, template));
    const db = postgres(withDatabase(adminUrl, template), { max: 1, onnotice: () => {} });
    try {
      await migrate(db);
    } finally {
      await db.end();
    }
    await admin.unsafe(`alter database ${template} is_template true allow_connections false`);
  } finally {
    await admin.end();
  }
}

/** Drops the template and every database cloned from it during this run. */
async function dropDatabases(adminUrl: string, template: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const prefix = template.replace("astapa_template_", "astapa_test_");
    const clones = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like ${prefix + "%"}`;
    for (const { datname } of clones) await admin.unsafe(`drop database if exists ${datname} with (force)`);
    await admin.unsafe(`alter database ${template} is_template false`);
    await admin.unsafe(`drop database if exists ${template} with (force)`);
  } finally {
    await admin.end();
  }
}

/**
 * Streams the child's stdout through to ours while keeping a copy to read the summary from; calls `onStuck`
 * with a test's name once deno reports it running for STUCK_AFTER.
 */
async function tee(stream: ReadableStream<Uint8Array>, onStuck: (name: string) => void): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  let reported = false;
  for await (const chunk of stream) {
    await Deno.stdout.write(chunk);
    const piece = decoder.decode(chunk, { stream: true });
    // Only the new text and the line it may continue: the whole output is megabytes by the end.
    const recent = text.slice(text.lastIndexOf("\n", text.length - 1) + 1) + piece;
    text += piece;
    const name = reported ? null : stuckTest(recent);
    if (name !== null) {
      reported = true;
      onStuck(name);
    }
  }
  return text;
}
