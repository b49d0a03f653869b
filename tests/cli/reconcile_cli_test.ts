/**
 * `astapa payment reconcile` and `astapa refund reconcile`: a stopped reconciliation resumed through the real CLI
 * process — a server's listener in another process hears the wake-up — audited as the CLI; refusals exit 1 with
 * the catalogue's code, bad usage 2; `payment show` of a charge ended here says when, its horizon and why.
 */
import assert from "node:assert/strict";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { listenTo } from "../helpers/notify.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { abandonedCharge } from "../helpers/abandoned_charge.ts";
import { seedShop } from "../helpers/payments.ts";
import { stoppedCharge, stoppedRefund } from "../helpers/stopped_reconciliation.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };

const shop = await seedShop(db.sql, { email: "cli-resume@example.com" });
const other = await seedShop(db.sql, { email: "cli-resume-other@example.com" });
const p = shop.project.id;

const stopped = async (table: "payments" | "refunds", column: string, id: string) =>
  (await db.sql`select reconcile_errors, reconcile_stopped_at is not null as stopped from astapa.${
    db.sql(table)
  }
                where project_id = ${p} and ${db.sql(column)} = ${id}`).map((r) => ({ ...r }));

Deno.test("cli payment reconcile — resumes a stopped payment, wakes a listening server, audited as cli", async () => {
  const checkoutId = await stoppedCharge(db.sql, shop, "pr-cli-resume");
  const wakeups = await listenTo(db.sql, "astapa_reconcile");
  try {
    const resumed = await run(["cli.ts", "payment", "reconcile", "--project", p, checkoutId, "--json"], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const body = JSON.parse(resumed.stdout);
    assert.deepEqual([body.checkout_id, body.reconcile_errors, body.reconcile_stopped_at], [
      checkoutId,
      0,
      null,
    ]);
    const woken = await wakeups.heard("the CLI's wake-up");
    assert.equal(JSON.parse(woken).project_id, p, "the wake-up crossed processes");
  } finally {
    await wakeups.unlisten();
  }
  assert.deepEqual(await stopped("payments", "provider_id", "pr-cli-resume"), [{
    reconcile_errors: 0,
    stopped: false,
  }]);
  const audit = await db.sql`select actor, target from astapa.audit_log where project_id = ${p}
                             and action = 'payment.reconcile_resumed'`;
  assert.deepEqual(audit.map((r) => [r.actor, r.target]), [["cli", `checkout:${checkoutId}`]]);

  const again = await run(["cli.ts", "payment", "reconcile", "--project", p, checkoutId], env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /reconciliation_not_stopped: Reconciliation of this payment has not stopped/);
});

Deno.test("cli refund reconcile — resumes a stopped refund (human output); refusals and bad usage", async () => {
  const refundId = await stoppedRefund(db.sql, shop, "pr-cli-resume-refund");
  const foreign = await run(["cli.ts", "refund", "reconcile", "--project", other.project.id, refundId], env);
  assert.equal(foreign.code, 1);
  assert.match(foreign.stderr, /not_found: This refund was not found/);
  assert.deepEqual(await stopped("refunds", "public_id", refundId), [{ reconcile_errors: 3, stopped: true }]);

  const resumed = await run(["cli.ts", "refund", "reconcile", "--project", p, refundId], env);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`refund\\s+${refundId}`));
  assert.match(resumed.stdout, /reconciliation\s+resumed/);
  assert.deepEqual(await stopped("refunds", "public_id", refundId), [{
    reconcile_errors: 0,
    stopped: false,
  }]);

  const usage = await run(["cli.ts", "refund", "retry", "--project", p, refundId], env);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /Unknown refund command "retry"/);
  const missing = await run(["cli.ts", "payment", "reconcile", "--project", p], env);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Expected CHECKOUT_ID/);
});

Deno.test("cli payment show / refund show — the reconciliation, why it stopped and when it resumed; another project's is not found", async () => {
  const checkoutId = await stoppedCharge(db.sql, shop, "pr-cli-show");
  const shown = await run(["cli.ts", "payment", "show", "--project", p, checkoutId], env);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`payment\\s+${checkoutId}`));
  assert.match(shown.stdout, /reconciliation\s+stopped after 3 errors \(\d{4}-/);
  assert.match(
    shown.stdout,
    /last error\s+internal_error: An error on Astapa's side \(TypeError\) while asking Xendit; the server log has its stack\. \(\d{4}-/,
  );
  assert.match(shown.stdout, /resumed at\s+never/);
  const json = JSON.parse(
    (await run(["cli.ts", "payment", "show", "--project", p, checkoutId, "--json"], env)).stdout,
  );
  assert.deepEqual([json.reconcile_errors, json.reconcile_last_error.code], [3, "internal_error"]);

  const refundId = await stoppedRefund(db.sql, shop, "pr-cli-show-refund");
  const resumed = await run(["cli.ts", "refund", "reconcile", "--project", p, refundId], env);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /stopped by\s+internal_error: /, "the resume says what had stopped it");
  const refund = await run(["cli.ts", "refund", "show", "--project", p, refundId], env);
  assert.equal(refund.code, 0, refund.stderr);
  assert.match(refund.stdout, /reconciliation\s+0 errors counted, resumed/);
  assert.match(refund.stdout, /last error\s+internal_error: /, "kept for the record");
  assert.match(refund.stdout, /resumed at\s+\d{4}-/);

  const foreign = await run(["cli.ts", "refund", "show", "--project", other.project.id, refundId], env);
  assert.equal(foreign.code, 1);
  assert.match(foreign.stderr, /not_found: This refund was not found/);
  const unknown = await run(["cli.ts", "payment", "show", "--project", p, "chk_unknown"], env);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /not_found: This payment was not found/);
});

Deno.test("cli payment show — a charge ended here (Xendit still called it pending past its horizon): which, when, its horizon and why", async () => {
  const ended = await abandonedCharge(db.sql, shop, "pr-cli-abandoned", new Date("2031-05-04T03:02:00Z"));
  const shown = await run(["cli.ts", "payment", "show", "--project", p, ended.checkoutId], env);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(
    shown.stdout,
    /ended here\s+pr-cli-abandoned \(ovo\) at 2031-05-04T03:02:00[^,]*, past its horizon \d{4}-/,
  );
  assert.ok(shown.stdout.includes(ended.reason), shown.stdout);
  const json = JSON.parse(
    (await run(["cli.ts", "payment", "show", "--project", p, ended.checkoutId, "--json"], env)).stdout,
  );
  assert.deepEqual([json.abandoned.provider_id, json.abandoned.reason], ["pr-cli-abandoned", ended.reason]);
  const other = await stoppedCharge(db.sql, shop, "pr-cli-not-abandoned");
  const plain = await run(["cli.ts", "payment", "show", "--project", p, other], env);
  assert.doesNotMatch(plain.stdout, /ended here/);
});
