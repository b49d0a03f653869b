/** `astapa subscription cancel|resume`: a paid plan through the real CLI process, audited as the CLI. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { assignPlan } from "@/db/plans.ts";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };
const DAY = 86_400_000;

const shop = await seedShop(db.sql, { email: "owner@example.com" });
const other = await seedShop(db.sql, { email: "neighbour@example.com" });

/** A user of `project` who paid for pro from ten days ago for a month. */
async function payingUser(project: string, email: string): Promise<{ sub: string; paidThrough: string }> {
  const sub = await seedUser(db.sql, project, email);
  const paid = await asApp(db.sql, project, (tx) =>
    assignPlan(tx, project, sub, "pro", "payment", {
      start: new Date(Date.now() - 10 * DAY).toISOString(),
      end: new Date(Date.now() + 20 * DAY).toISOString(),
    }));
  return { sub, paidThrough: paid.paid_through! };
}

async function stored(project: string, sub: string) {
  const [row] = await db.sql`select plan_key as plan, status from astapa.subscriptions
                             where project_id = ${project} and user_id = ${sub} and ended_at is null`;
  return row;
}

Deno.test("cli subscription — cancel runs to paid_through, resume undoes it; audited as cli", async () => {
  const p = shop.project.id;
  const { sub, paidThrough } = await payingUser(p, "cancel@example.com");
  const canceled = await run(["cli.ts", "subscription", "cancel", "--project", p, sub, "--json"], env);
  assert.equal(canceled.code, 0, canceled.stderr);
  const body = JSON.parse(canceled.stdout);
  assert.deepEqual([body.sub, body.plan, body.status], [sub, "pro", "canceled"]);
  assert.equal(new Date(body.current_period_end).getTime(), new Date(paidThrough).getTime());
  assert.equal((await stored(p, sub)).status, "canceled");

  const again = await run(["cli.ts", "subscription", "cancel", "--project", p, sub], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /status\s+canceled/);
  assert.match(again.stdout, /ends\s+\S+/);

  const resumed = await run(["cli.ts", "subscription", "resume", "--project", p, sub], env);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /plan\s+pro/);
  assert.match(resumed.stdout, /status\s+active/);
  assert.deepEqual({ ...await stored(p, sub) }, { plan: "pro", status: "active" });

  const target = `user:${sub}`;
  const audit = await db.sql`select actor, action from astapa.audit_log where project_id = ${p}
                             and target = ${target} and action in ('subscription.cancel', 'subscription.resume')
                             order by id`;
  // Canceling again is a no-op, audited once.
  assert.deepEqual(audit.map((r) => [r.actor, r.action]), [
    ["cli", "subscription.cancel"],
    ["cli", "subscription.resume"],
  ]);
});

Deno.test("cli subscription — refusals: nothing paid, nothing canceled, unknown or foreign user, bad usage", async () => {
  const p = shop.project.id;
  const free = await seedUser(db.sql, p, "free@example.com");
  const nothingPaid = await run(["cli.ts", "subscription", "cancel", "--project", p, free], env);
  assert.equal(nothingPaid.code, 1);
  assert.match(nothingPaid.stderr, /conflict: There is no paid subscription to cancel/);

  const { sub } = await payingUser(p, "active@example.com");
  const nothingCanceled = await run(["cli.ts", "subscription", "resume", "--project", p, sub], env);
  assert.equal(nothingCanceled.code, 1);
  assert.match(nothingCanceled.stderr, /conflict: There is no canceled subscription still running/);
  assert.equal((await stored(p, sub)).status, "active", "a refused resume changes nothing");

  const foreign = await payingUser(other.project.id, "foreign@example.com");
  const notHere = await run(["cli.ts", "subscription", "cancel", "--project", p, foreign.sub], env);
  assert.equal(notHere.code, 1);
  assert.match(notHere.stderr, /not_found/);
  assert.equal(
    (await stored(other.project.id, foreign.sub)).status,
    "active",
    "another project's user untouched",
  );

  const notANumber = await run(["cli.ts", "subscription", "cancel", "--project", p, "ayu"], env);
  assert.equal(notANumber.code, 2);
  assert.match(notANumber.stderr, /SUB is a number/);
  const noProject = await run(["cli.ts", "subscription", "cancel", sub], env);
  assert.equal(noProject.code, 2);
  assert.match(noProject.stderr, /--project is required/);
  const unknownAction = await run(["cli.ts", "subscription", "pause", "--project", p, sub], env);
  assert.equal(unknownAction.code, 2);
  assert.match(unknownAction.stderr, /Unknown subscription command "pause"/);
});
