/**
 * SQL tests for what every outbox of attempts to an outside URL shares (db/api/outbox.sql): the claim's lease
 * and what one attempt's result makes of the row. The outboxes' own tests (webhooks_test, backchannel_logout_test,
 * apple_lifecycle_test) show each uses them.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type AttemptResult = {
  status: string;
  last_status: number | null;
  last_error: string | null;
  /** Seconds after now(), or null. */
  retry_in: number | null;
};

/** astapa.outbox_attempt_result as the app role, its next_attempt_at as seconds after the transaction's now(). */
const attemptResult = (httpStatus: number | null, error: string | null, retryInSeconds: number | null) =>
  asApp(db.sql, null, async (tx) => {
    const [row] = await tx`
      select r.status, r.last_status, r.last_error,
             extract(epoch from r.next_attempt_at - now())::integer as retry_in
      from astapa.outbox_attempt_result(${httpStatus}::integer, ${error}::text, ${retryInSeconds}::integer) as r`;
    return { ...row } as AttemptResult;
  });

Deno.test("astapa.outbox_lease_until — now() plus the lease; AS400 outside 1 to 1000 rows and 1 to 3600 seconds, naming the rows", async () => {
  const [row] = await asApp(
    db.sql,
    null,
    (tx) => tx`select astapa.outbox_lease_until(20, 60, 'rows') = now() + interval '60 seconds' as exact`,
  );
  assert.equal(row.exact, true);
  const leaseUntil = (max: number, lease: number, rows: string) =>
    asApp(db.sql, null, (tx) => tx`select astapa.outbox_lease_until(${max}, ${lease}, ${rows})`);
  await leaseUntil(1000, 3600, "rows");
  await leaseUntil(1, 1, "rows");
  await rejectsAs(
    leaseUntil(0, 60, "deliveries"),
    "validation_failed",
    /^Claim 1 to 1000 deliveries for a lease of 1 to 3600 seconds\.$/,
  );
  await rejectsAs(
    leaseUntil(1001, 60, "logout tokens"),
    "validation_failed",
    /Claim 1 to 1000 logout tokens /,
  );
  await rejectsAs(leaseUntil(20, 0, "revocations"), "validation_failed", /Claim 1 to 1000 revocations /);
  await rejectsAs(leaseUntil(20, 3601, "revocations"), "validation_failed", /lease of 1 to 3600 seconds/);
});

Deno.test("astapa.outbox_attempt_result — a 2xx is delivered, whatever the worker's retry", async () => {
  assert.deepEqual(await attemptResult(200, null, null), {
    status: "delivered",
    last_status: 200,
    last_error: null,
    retry_in: null,
  });
  assert.deepEqual(await attemptResult(299, null, 30), {
    status: "delivered",
    last_status: 299,
    last_error: null,
    retry_in: null,
  });
});

Deno.test("astapa.outbox_attempt_result — otherwise pending again after retry_in_seconds (a negative wait is none), failed without one", async () => {
  assert.deepEqual(await attemptResult(500, "The endpoint answered 500.", 30), {
    status: "pending",
    last_status: 500,
    last_error: "The endpoint answered 500.",
    retry_in: 30,
  });
  assert.deepEqual(await attemptResult(301, "moved", -5), {
    status: "pending",
    last_status: 301,
    last_error: "moved",
    retry_in: 0,
  });
  assert.deepEqual(await attemptResult(404, "gone", null), {
    status: "failed",
    last_status: 404,
    last_error: "gone",
    retry_in: null,
  });
});

Deno.test("astapa.outbox_attempt_result — no answer keeps no status; a status outside 100 to 599 is none; the error is cut to 500", async () => {
  assert.deepEqual(await attemptResult(null, "TypeError: connection refused", 10), {
    status: "pending",
    last_status: null,
    last_error: "TypeError: connection refused",
    retry_in: 10,
  });
  assert.deepEqual(await attemptResult(null, null, null), {
    status: "failed",
    last_status: null,
    last_error: null,
    retry_in: null,
  });
  const long = "x".repeat(600);
  const odd = await attemptResult(700, long, null);
  assert.deepEqual([odd.status, odd.last_status, odd.last_error], ["failed", null, "x".repeat(500)]);
  assert.equal((await attemptResult(99, null, 1)).last_status, null);
  assert.equal((await attemptResult(100, null, 1)).last_status, 100);
  assert.equal((await attemptResult(599, null, 1)).last_status, 599);
});
