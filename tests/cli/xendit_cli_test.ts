/** `astapa xendit …`: a project's own Xendit keys through the real CLI process, secrets from stdin or env. */
import assert from "node:assert/strict";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { deriveMasterKeys, open } from "@/lib/tokens/master_key.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };

const SECRET = "xnd_development_cliSecretValue123";
const TOKEN = "cli-callback-token-456";
const LIVE_SECRET = "xnd_production_liveSecretValue789";

/** The stored keys, opened with the payments master key as the server opens them (lib/payments/accounts.ts). */
async function storedKeys(projectId: string, environment: string) {
  const [row] = await db
    .sql`select secret_key_sealed, callback_token_sealed, public_key from astapa.xendit_keys
                             where project_id = ${projectId} and environment = ${environment}`;
  if (!row) return null;
  const { payments } = await deriveMasterKeys(TEST_MASTER_KEY);
  const text = async (sealed: Uint8Array, field: string) =>
    new TextDecoder().decode(
      await open(payments, sealed, `astapa xendit ${projectId} ${environment} ${field}`),
    );
  return {
    secretKey: await text(row.secret_key_sealed, "secret_key"),
    callbackToken: await text(row.callback_token_sealed, "callback_token"),
    publicKey: row.public_key,
  };
}

Deno.test("cli xendit — set from stdin lines, show without secrets, clear; audited as the CLI", async () => {
  const project = await seedProject(db.sql);
  const set = await run(
    [
      "cli.ts",
      "xendit",
      "set",
      "--project",
      project.id,
      "--environment",
      "sandbox",
      "--public-key",
      "xnd_public_development_cliPk1",
    ],
    env,
    `${SECRET}\n${TOKEN}\n`,
  );
  assert.equal(set.code, 0, set.stderr);
  assert.ok(!set.stdout.includes(SECRET) && !set.stdout.includes(TOKEN), set.stdout);
  assert.deepEqual(await storedKeys(project.id, "sandbox"), {
    secretKey: SECRET,
    callbackToken: TOKEN,
    publicKey: "xnd_public_development_cliPk1",
  });

  const shown = await run(["cli.ts", "xendit", "show", "--project", project.id, "--json"], env);
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual(JSON.parse(shown.stdout), {
    project_id: project.id,
    sandbox: { keys_set: true, public_key: "xnd_public_development_cliPk1" },
    production: { keys_set: false, public_key: null },
  });
  const human = await run(["cli.ts", "xendit", "show", "--project", project.id], env);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /sandbox\s+keys set, publishable xnd_public_development_cliPk1/);
  assert.match(human.stdout, /production\s+no keys/);
  for (const output of [shown.stdout, human.stdout]) {
    assert.ok(!output.includes(SECRET) && !output.includes(TOKEN), "no secret in show's output");
  }

  const cleared = await run(
    ["cli.ts", "xendit", "clear", "--project", project.id, "--environment", "sandbox", "--json"],
    env,
  );
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.equal(JSON.parse(cleared.stdout).keys_set, false);
  assert.equal(await storedKeys(project.id, "sandbox"), null);

  const audit = await db.sql`select actor, details from astapa.audit_log where project_id = ${project.id}
                             and action = 'xendit_keys.set' order by id`;
  assert.deepEqual(
    audit.filter((r) => "removed" in r.details).map((
      r,
    ) => [r.actor, r.details.environment, r.details.removed]),
    [["cli", "sandbox", false], ["cli", "sandbox", true]],
  );
});

Deno.test("cli xendit — production keys from a JSON object on stdin, or from the environment", async () => {
  const project = await seedProject(db.sql);
  const json = await run(
    ["cli.ts", "xendit", "set", "--project", project.id, "--environment", "production"],
    env,
    JSON.stringify({
      secret_key: LIVE_SECRET,
      callback_token: TOKEN,
      public_key: "xnd_public_production_cliPk2",
    }),
  );
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(await storedKeys(project.id, "production"), {
    secretKey: LIVE_SECRET,
    callbackToken: TOKEN,
    publicKey: "xnd_public_production_cliPk2",
  });

  const fromEnv = await run(
    ["cli.ts", "xendit", "set", "--project", project.id, "--environment", "sandbox"],
    { ...env, PROJECT_XENDIT_SECRET_KEY: SECRET, PROJECT_XENDIT_CALLBACK_TOKEN: "env-callback-token" },
  );
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.deepEqual(await storedKeys(project.id, "sandbox"), {
    secretKey: SECRET,
    callbackToken: "env-callback-token",
    publicKey: null,
  });
});

Deno.test("cli xendit — refuses missing input, a wrong environment, and a key for the other environment", async () => {
  const project = await seedProject(db.sql);
  const base = ["cli.ts", "xendit", "set", "--project", project.id];

  const noInput = await run([...base, "--environment", "sandbox"], env);
  assert.equal(noInput.code, 2);
  assert.match(noInput.stderr, /secret key and the callback token on stdin/);

  const oneLine = await run([...base, "--environment", "sandbox"], env, `${SECRET}\n`);
  assert.equal(oneLine.code, 2);

  const halfEnv = await run([...base, "--environment", "sandbox"], {
    ...env,
    PROJECT_XENDIT_SECRET_KEY: SECRET,
  });
  assert.equal(halfEnv.code, 2);
  assert.match(halfEnv.stderr, /both PROJECT_XENDIT_SECRET_KEY and PROJECT_XENDIT_CALLBACK_TOKEN/);

  const badEnvironment = await run([...base, "--environment", "staging"], env, `${SECRET}\n${TOKEN}\n`);
  assert.equal(badEnvironment.code, 2);
  assert.match(badEnvironment.stderr, /--environment must be sandbox or production/);

  const noEnvironment = await run(base, env, `${SECRET}\n${TOKEN}\n`);
  assert.equal(noEnvironment.code, 2);
  assert.match(noEnvironment.stderr, /--environment is required/);

  const testKeyLive = await run([...base, "--environment", "production"], env, `${SECRET}\n${TOKEN}\n`);
  assert.equal(testKeyLive.code, 1);
  assert.match(testKeyLive.stderr, /validation_failed: The production secret key must be a Xendit live/);

  const notAKey = await run(
    [...base, "--environment", "sandbox"],
    env,
    `sk_test_stripe_like_123\n${TOKEN}\n`,
  );
  assert.equal(notAKey.code, 1);
  assert.match(notAKey.stderr, /validation_failed: The sandbox secret key must be a Xendit test/);

  const shortToken = await run([...base, "--environment", "sandbox"], env, `${SECRET}\nshort\n`);
  assert.equal(shortToken.code, 1);
  assert.match(shortToken.stderr, /webhook verification token/);

  const secretOption = await run([...base, "--environment", "sandbox", "--secret-key", SECRET], env);
  assert.equal(secretOption.code, 2, "a secret is never taken from argv");
  assert.match(secretOption.stderr, /Unknown option --secret-key/);

  for (const refused of [noInput, oneLine, halfEnv, badEnvironment, testKeyLive, notAKey, shortToken]) {
    assert.ok(!refused.stderr.includes(SECRET) && !refused.stderr.includes(TOKEN), "refusals echo no secret");
  }
  const [{ count }] = await db.sql`select count(*)::int as count from astapa.xendit_keys
                                   where project_id = ${project.id}`;
  assert.equal(count, 0, "nothing was stored");

  const unknown = await run(["cli.ts", "xendit", "show", "--project", "no-such-project"], env);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /not_found/);
});
