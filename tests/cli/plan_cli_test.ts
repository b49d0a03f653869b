/** `deno task astapa plan|webhook …` as an operator runs it: a subprocess against this file's database. */
import assert from "node:assert/strict";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { takeLive } from "../helpers/live_keys.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const CLI = new URL("../../cli.ts", import.meta.url).pathname;

async function astapa(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env: { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY, NO_COLOR: "1", ...env },
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

Deno.test("cli plan — create, list, assign, archive; the user's claims follow", async () => {
  const project = await seedProject(db.sql);
  const user = await seedUser(db.sql, project.id, "buyer@example.com");
  const created = await astapa([
    "plan",
    "create",
    "--project",
    project.id,
    "--key",
    "pro",
    "--name",
    "Pro",
    "--price",
    "99000",
    "--flag",
    "export_csv",
    "--flag",
    "beta",
    "--claims",
    '{"seats": 5}',
    "--default",
    "--json",
  ]);
  assert.equal(created.code, 0, created.stderr);
  assert.deepEqual(created.json().claims, { seats: 5, feature_flags: ["export_csv", "beta"] });
  assert.equal(created.json().default, true);

  const listed = await astapa(["plan", "list", "--project", project.id]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^pro +Rp 99\.000 \/ month +Pro {2}\(default\)$/m);
  assert.match(listed.stdout, /^free /m);

  assert.equal(
    (await astapa(["plan", "create", "--project", project.id, "--key", "team", "--name", "Team"])).code,
    0,
  );
  const assigned = await astapa(["plan", "assign", "--project", project.id, user, "team", "--json"]);
  assert.equal(assigned.code, 0, assigned.stderr);
  assert.equal(assigned.json().source, "cli");
  const shown = await astapa(["user", "show", "--project", project.id, user, "--json"]);
  assert.equal(shown.json().token_claims.plan, "team");

  const archived = await astapa(["plan", "archive", "--project", project.id, "team", "--json"]);
  assert.equal(archived.code, 0, archived.stderr);
  assert.equal(archived.json().archived, true);
  const visible = await astapa(["plan", "list", "--project", project.id, "--json"]);
  assert.deepEqual(visible.json().map((p: { key: string }) => p.key).sort(), ["free", "pro"]);
  const all = await astapa(["plan", "list", "--project", project.id, "--all", "--json"]);
  assert.equal(all.json().length, 3);
});

Deno.test("cli plan — bad usage exits 2; refusals from SQL exit 1 naming the problem", async () => {
  const project = await seedProject(db.sql);
  for (
    const args of [
      ["plan", "create", "--project", project.id, "--name", "No key"],
      ["plan", "create", "--project", project.id, "--key", "x", "--name", "X", "--price", "9.5"],
      ["plan", "create", "--project", project.id, "--key", "x", "--name", "X", "--interval", "weekly"],
      ["plan", "archive", "--project", project.id],
      ["plan", "assign", "--project", project.id, "abc", "pro"],
      ["plan", "upgrade"],
    ]
  ) {
    const run = await astapa(args);
    assert.equal(run.code, 2, `${args.join(" ")} → ${run.stderr}`);
  }
  const reserved = await astapa([
    "plan",
    "create",
    "--project",
    project.id,
    "--key",
    "x",
    "--name",
    "X",
    "--claims",
    '{"sub": 1}',
  ]);
  assert.equal(reserved.code, 1);
  assert.match(reserved.stderr, /^validation_failed: sub is a reserved claim name/);
  const archiveDefault = await astapa(["plan", "archive", "--project", project.id, "free"]);
  assert.equal(archiveDefault.code, 1);
  assert.match(archiveDefault.stderr, /default plan cannot be archived/);
});

Deno.test("cli webhook — set prints the secret once; show hides it; deliveries list what waits; rotate, remove", async () => {
  const project = await seedProject(db.sql);
  const set = await astapa([
    "webhook",
    "set",
    "--project",
    project.id,
    "--url",
    "https://app.example/hooks",
    "--event",
    "user.created",
    "--json",
  ]);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.json().secret, /^whsec_/);
  assert.deepEqual(set.json().events, ["user.created"]);
  const again = await astapa([
    "webhook",
    "set",
    "--project",
    project.id,
    "--url",
    "https://app.example/v2",
    "--json",
  ]);
  assert.equal(again.json().secret, undefined, "changing the url keeps the secret, so none is printed");
  const shown = await astapa(["webhook", "show", "--project", project.id]);
  assert.match(shown.stdout, /^url +https:\/\/app\.example\/v2$/m);
  assert.ok(!shown.stdout.includes(set.json().secret));

  await seedUser(db.sql, project.id, "hooked@example.com");
  const deliveries = await astapa(["webhook", "deliveries", "--project", project.id, "--status", "pending"]);
  assert.match(deliveries.stdout, /user\.created +pending +attempts 0/);

  const rotated = await astapa(["webhook", "rotate-secret", "--project", project.id, "--json"]);
  assert.notEqual(rotated.json().secret, set.json().secret);
  assert.equal((await astapa(["webhook", "remove", "--project", project.id])).code, 0);
  const failed = await astapa(["webhook", "deliveries", "--project", project.id, "--json"]);
  assert.equal(failed.json()[0].status, "failed");
  const bad = await astapa([
    "webhook",
    "set",
    "--project",
    project.id,
    "--url",
    "https://x.example",
    "--event",
    "x",
  ]);
  assert.equal(bad.code, 2);
  const http = await astapa(["webhook", "set", "--project", project.id, "--url", "http://x.example/h"]);
  assert.equal(http.code, 1);
  assert.match(http.stderr, /^validation_failed: Use an absolute https URL/);
});

Deno.test("cli webhook — a production project's URL must reach a public address, as on the API and dashboard", async () => {
  const live = await seedProject(db.sql);
  await takeLive(db.sql, live.id);
  const set = (project: string, url: string) =>
    astapa(["webhook", "set", "--project", project, "--url", url]);
  for (
    const [url, reason] of [
      ["https://127.0.0.1/hooks", "127.0.0.1 is an internal address."],
      ["https://10.0.0.7/hooks", "10.0.0.7 is an internal address."],
      ["https://[::1]/h", "[::1] is an internal address."],
      ["https://169.254.169.254/", "169.254.169.254 is an internal address."],
      ["https://localhost/hooks", "localhost is this server itself."],
    ]
  ) {
    const refused = await set(live.id, url);
    assert.equal(refused.code, 1, url);
    assert.equal(
      refused.stderr.trim(),
      `validation_failed: A production webhook must reach a public address: ${reason}`,
    );
  }
  assert.match((await astapa(["webhook", "show", "--project", live.id])).stdout, /No webhook endpoint/);
  const created = await set(live.id, "https://93.184.215.14/hooks");
  assert.equal(created.code, 0, created.stderr);
  // A single-tenant deployment that delivers to its own network turns the check off, for the CLI too.
  const own = await astapa(
    ["webhook", "set", "--project", live.id, "--url", "https://10.0.0.7/hooks", "--json"],
    { ASTAPA_WEBHOOK_ALLOW_PRIVATE: "true" },
  );
  assert.equal(own.code, 0, own.stderr);
  assert.equal(own.json().url, "https://10.0.0.7/hooks");
  // A sandbox project may point at a receiver on this machine while developing.
  const sandbox = await seedProject(db.sql);
  const local = await set(sandbox.id, "http://127.0.0.1:9/hooks");
  assert.equal(local.code, 0, local.stderr);
});

Deno.test("cli webhook — new endpoints get all events; --all-events and --event switch; both at once is refused", async () => {
  const project = await seedProject(db.sql);
  const set = (...more: string[]) =>
    astapa(["webhook", "set", "--project", project.id, "--url", "https://app.example/hooks", ...more]);
  const created = await set("--json");
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.json().events, "*");
  assert.match(
    (await astapa(["webhook", "show", "--project", project.id])).stdout,
    /^events +all events, including future ones$/m,
  );
  assert.deepEqual((await set("--event", "payment.refund_failed", "--json")).json().events, [
    "payment.refund_failed",
  ]);
  assert.deepEqual((await set("--json")).json().events, ["payment.refund_failed"], "no flag keeps the list");
  assert.equal((await set("--all-events", "--json")).json().events, "*");

  const both = await set("--all-events", "--event", "user.created");
  assert.equal(both.code, 2);
  assert.match(both.stderr, /Give --all-events or --event types, not both/);
  const star = await set("--event", "*");
  assert.equal(star.code, 2);
  assert.match(star.stderr, /not "\*" \(--all-events: every type, including future ones\)/);
  assert.equal((await set("--json")).json().events, "*", "refused commands changed nothing");
});

Deno.test("cli webhook — add two endpoints (each its secret once), list them, rotate and remove one by id", async () => {
  const project = await seedProject(db.sql);
  const add = (url: string, ...more: string[]) =>
    astapa(["webhook", "add", "--project", project.id, "--url", url, ...more, "--json"]);
  const first = await add("https://one.example/hooks");
  assert.equal(first.code, 0, first.stderr);
  const second = await add("https://two.example/hooks", "--event", "user.created");
  assert.equal(second.code, 0, second.stderr);
  const [a, b] = [first.json(), second.json()];
  assert.match(a.id, /^wep_[a-z2-7]{24}$/);
  assert.match(b.secret, /^whsec_/);
  assert.notEqual(a.secret, b.secret);

  const listed = await astapa(["webhook", "list", "--project", project.id]);
  assert.match(listed.stdout, new RegExp(`^${a.id}  enabled  https://one\\.example/hooks  all events`, "m"));
  assert.match(
    listed.stdout,
    new RegExp(`^${b.id}  enabled  https://two\\.example/hooks  user\\.created$`, "m"),
  );
  assert.ok(!listed.stdout.includes(a.secret), "never the secret");

  const rotated = await astapa([
    "webhook",
    "rotate-secret",
    "--project",
    project.id,
    "--endpoint",
    b.id,
    "--json",
  ]);
  assert.equal(rotated.json().id, b.id);
  assert.notEqual(rotated.json().secret, b.secret);

  assert.equal((await astapa(["webhook", "remove", "--project", project.id, "--endpoint", b.id])).code, 0);
  const left = await astapa(["webhook", "list", "--project", project.id, "--json"]);
  assert.deepEqual(left.json().map((e: { id: string }) => e.id), [a.id]);
  const again = await astapa(["webhook", "remove", "--project", project.id, "--endpoint", b.id]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^not_found: This project has no webhook endpoint with this id/);
});

Deno.test("cli webhook add — --description is stored and shown; over 200 characters is refused", async () => {
  const project = await seedProject(db.sql);
  const add = (...more: string[]) =>
    astapa(["webhook", "add", "--project", project.id, "--url", "https://d.example/hooks", ...more]);
  const described = await add("--description", "Billing service", "--json");
  assert.equal(described.code, 0, described.stderr);
  assert.equal(described.json().description, "Billing service");
  const shown = await add("--description", "CRM sync");
  assert.match(shown.stdout, /^description\s+CRM sync$/m);
  const tooLong = await add("--description", "x".repeat(201));
  assert.equal(tooLong.code, 1);
  assert.match(tooLong.stderr, /200 characters/);
  const set = await astapa([
    "webhook",
    "set",
    "--project",
    project.id,
    "--url",
    "https://d.example/x",
    "--description",
    "no",
  ]);
  assert.equal(set.code, 2, "set (the oldest endpoint, deprecated) takes no description");
  const listed = await astapa(["webhook", "list", "--project", project.id, "--json"]);
  assert.deepEqual(listed.json().map((e: { description: string | null }) => e.description), [
    "Billing service",
    "CRM sync",
  ]);
});

Deno.test("cli webhook update / show --endpoint / test — one endpoint changed by id, shown, sent a test event", async () => {
  const project = await seedProject(db.sql);
  const add = await astapa([
    "webhook",
    "add",
    "--project",
    project.id,
    "--url",
    "https://one.example/hooks",
    "--description",
    "CRM",
    "--json",
  ]);
  const other = await astapa([
    "webhook",
    "add",
    "--project",
    project.id,
    "--url",
    "https://two.example/h",
    "--json",
  ]);
  const [a, b] = [add.json(), other.json()];
  const update = (...more: string[]) =>
    astapa(["webhook", "update", "--project", project.id, "--endpoint", b.id, ...more]);

  const changed = await update(
    "--url",
    "https://three.example/h",
    "--event",
    "user.created",
    "--description",
    "Billing",
    "--enabled",
    "false",
    "--json",
  );
  assert.equal(changed.code, 0, changed.stderr);
  assert.deepEqual(
    [
      changed.json().id,
      changed.json().url,
      changed.json().events,
      changed.json().description,
      changed.json().enabled,
    ],
    [b.id, "https://three.example/h", ["user.created"], "Billing", false],
  );
  assert.ok(!("secret" in changed.json()), "an update never shows the secret");
  // Only what is given changes; an empty description removes it.
  const cleared = await update("--description", "", "--json");
  assert.deepEqual([cleared.json().url, cleared.json().description], ["https://three.example/h", null]);

  const shown = await astapa(["webhook", "show", "--project", project.id, "--endpoint", b.id]);
  assert.match(shown.stdout, /^url\s+https:\/\/three\.example\/h$/m);
  assert.match(shown.stdout, /^enabled\s+false$/m);
  const oldest = await astapa(["webhook", "show", "--project", project.id]);
  assert.match(oldest.stdout, new RegExp(`^id\\s+${a.id}$`, "m"), "no --endpoint: the oldest, as before");
  assert.match(oldest.stdout, /^description\s+CRM$/m);

  // A paused endpoint still gets its test event, and only it.
  const sent = await astapa(["webhook", "test", "--project", project.id, "--endpoint", b.id, "--json"]);
  assert.equal(sent.code, 0, sent.stderr);
  assert.deepEqual([sent.json().event_type, sent.json().status, sent.json().endpoint_id], [
    "webhook.test",
    "pending",
    b.id,
  ]);
  const text = await astapa(["webhook", "test", "--project", project.id, "--endpoint", b.id]);
  assert.match(text.stdout, new RegExp(`^Test event queued: delivery \\d+, pending, to ${b.id}\\.$`, "m"));
  const deliveries = (await astapa(["webhook", "deliveries", "--project", project.id, "--json"])).json();
  assert.deepEqual(
    deliveries.map((d: { event_type: string; endpoint_id: string }) => [d.event_type, d.endpoint_id]),
    [["webhook.test", b.id], ["webhook.test", b.id]],
  );
});

Deno.test("cli webhook update / test — refusals: unknown endpoint, bad flags, an internal production URL, a sixth test a minute", async () => {
  const live = await seedProject(db.sql);
  await takeLive(db.sql, live.id);
  const added = await astapa([
    "webhook",
    "add",
    "--project",
    live.id,
    "--url",
    "https://93.184.215.14/h",
    "--json",
  ]);
  const id = added.json().id;
  const missing = await astapa([
    "webhook",
    "update",
    "--project",
    live.id,
    "--endpoint",
    "wep_" + "a".repeat(24),
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^not_found: This project has no webhook endpoint with this id/);
  const noEndpoint = await astapa(["webhook", "test", "--project", live.id]);
  assert.equal(noEndpoint.code, 2);
  assert.match(noEndpoint.stderr, /--endpoint is required/);
  const enabled = await astapa([
    "webhook",
    "update",
    "--project",
    live.id,
    "--endpoint",
    id,
    "--enabled",
    "no",
  ]);
  assert.equal(enabled.code, 2);
  assert.match(enabled.stderr, /--enabled must be true or false/);
  const internal = await astapa([
    "webhook",
    "update",
    "--project",
    live.id,
    "--endpoint",
    id,
    "--url",
    "https://10.0.0.7/h",
    "--description",
    "moved",
  ]);
  assert.equal(internal.code, 1);
  assert.equal(
    internal.stderr.trim(),
    "validation_failed: A production webhook must reach a public address: 10.0.0.7 is an internal address.",
  );
  const kept = (await astapa(["webhook", "show", "--project", live.id, "--endpoint", id, "--json"])).json();
  assert.deepEqual([kept.url, kept.description], ["https://93.184.215.14/h", null], "all or nothing");

  for (let i = 0; i < 5; i++) {
    const sent = await astapa(["webhook", "test", "--project", live.id, "--endpoint", id]);
    assert.equal(sent.code, 0, sent.stderr);
  }
  const sixth = await astapa(["webhook", "test", "--project", live.id, "--endpoint", id]);
  assert.equal(sixth.code, 1);
  assert.match(sixth.stderr, /^rate_limited: /);
});
