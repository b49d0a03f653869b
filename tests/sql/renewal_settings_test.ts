/**
 * SQL tests for astapa.renewal_settings (db/api/billing.sql), the preamble api.renewal_step and
 * api.organization_renewal_step share: the checks, the settings and their defaults.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);

Deno.test("astapa.renewal_settings — grace, notice and trial reminder days from settings, defaults 3, 7, 3", async () => {
  const shop = await seedShop(db.sql, { email: "renewal-settings@example.com" });
  const p = shop.project.id;
  const read = () =>
    as(
      p,
      async (tx) =>
        (await tx`select extract(day from grace)::int as grace, extract(day from notice)::int as notice,
                       extract(day from trial_notice)::int as trial_notice
                from astapa.renewal_settings(${p}, now(), 'simulator')`)[0],
    );
  assert.deepEqual({ ...(await read()) }, { grace: 3, notice: 7, trial_notice: 3 });
  await db.sql`update astapa.projects set settings = settings || '{"billing_grace_days": 0,
    "billing_renewal_notice_days": 14, "billing_trial_reminder_days": 400}' where id = ${p}`;
  assert.deepEqual(
    { ...(await read()) },
    { grace: 0, notice: 14, trial_notice: 3 },
    "out of 0–365: the default",
  );
});

Deno.test("astapa.renewal_settings — both renewal steps refuse what it refuses, with the same errors", async () => {
  const shop = await seedShop(db.sql, { email: "renewal-settings-errors@example.com" });
  const p = shop.project.id;
  for (const step of ["renewal_step", "organization_renewal_step"]) {
    const call = (project: string, now: string | null, account: string | null) =>
      as(p, (tx) => tx.unsafe(`select api.${step}($1, $2::timestamptz, $3)`, [project, now, account]));
    await rejectsAs(call(p, null, "simulator"), "validation_failed", /needs the time/);
    await rejectsAs(call(p, new Date().toISOString(), "stripe"), "validation_failed", /xendit_account/);
    await rejectsAs(call("prj_unknown", new Date().toISOString(), "simulator"), "not_found");
    const [row] = await call(p, new Date().toISOString(), null);
    assert.equal(row[step], null, `${step}: nothing to do, no error`);
  }
  await rejectsAs(
    as(p, (tx) => tx`select * from astapa.renewal_settings(${p}, null, null)`),
    "validation_failed",
  );
});
