/**
 * Migration 4349's checkouts_organization_idx: the statements that find an organization's checkouts by
 * organization_id (the organizations' renewal pass, ending a plan, a cancel's or plan change's renewal links, the
 * last buyer) use it, rather than a scan of the project's checkouts. The test database's tables are tiny, so the
 * planner is told to avoid a sequential scan; without the index it took the status or user index instead.
 */
import assert from "node:assert/strict";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

/** The predicates of db/api/team_plans.sql's queries by organization, as each function writes them. */
const statements = {
  "astapa.organization_period_charge_under_way": `select from astapa.checkouts as c
     where c.project_id = $1 and c.organization_id = $2 and c.seats_from is null and c.status <> 'paid'
       and c.created_at >= $3`,
  "astapa.hold_organization_renewal_checkouts": `select from astapa.checkouts as k
     where k.project_id = $1 and k.organization_id = $2 and k.plan_key = $4
       and k.status in ('open', 'pending') and k.seats_from is null
     order by k.id for update`,
  "astapa.end_organization_plan": `select from astapa.checkouts as k
     where k.project_id = $1 and k.organization_id = $2 and k.status in ('open', 'pending')`,
  "astapa.organization_last_buyer": `select c.buyer_name from astapa.checkouts as c
     where c.project_id = $1 and c.organization_id = $2 and c.status = 'paid'
     order by c.paid_at desc nulls last, c.id desc limit 1`,
};

Deno.test("checkouts_organization_idx — an organization's checkouts are found through it", async () => {
  for (const [name, statement] of Object.entries(statements)) {
    const plan = await db.sql.begin(async (tx) => {
      await tx.unsafe("set local enable_seqscan = off");
      await tx.unsafe(
        `prepare by_organization(text, text, timestamptz, text) as ${statement}`,
      );
      // A generic plan, as PL/pgSQL and SQL functions run their statements after a few calls.
      await tx.unsafe("set local plan_cache_mode = force_generic_plan");
      const rows = await tx.unsafe(
        "explain (costs off) execute by_organization('p', 'org', now(), 'team')",
      );
      await tx.unsafe("deallocate by_organization");
      return rows.map((row) => String(row["QUERY PLAN"])).join("\n");
    });
    assert.match(plan, /checkouts_organization_idx/, `${name}:\n${plan}`);
  }
});
