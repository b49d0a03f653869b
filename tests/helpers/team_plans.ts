/**
 * The setting of the team plan tests (tests/sql/organization_*_test.ts): project A sells a per-seat plan,
 * project B is the other project; organizations of owner, admin and member, paying that plan through the
 * stored-callback path. Each test file calls teamPlans on its own database.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import type { TestDatabase } from "./db.ts";
import { appValue, seedProject, seedUser } from "./identity.ts";
import { payCheckout } from "./paid_checkouts.ts";

export type Json = Record<string, unknown>;

export const DAY = 86_400_000;

/** `days` days after `base` (negative: before). */
export const at = (base: Date, days: number): Date => new Date(base.getTime() + days * DAY);

/** An organization of project A: its id and its owner, admin and member (user ids). */
export type Team = { id: string; owner: string; admin: string; member: string };

/** Projects A and B, A's per-seat plan "seat" (50,000 a seat), and the calls the tests make as A's app. */
export async function teamPlans(db: TestDatabase) {
  const a = await seedProject(db.sql, { name: "A", redirectUri: "https://team.example/callback" });
  const b = await seedProject(db.sql, { name: "B" });
  const as = <T>(project: string | null, work: (tx: Tx) => Promise<T>) => asApp(db.sql, project, work);
  const call = <T = Json>(query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>) =>
    appValue<T>(db.sql, a.id, query);

  await as(a.id, async (tx) => {
    await tx`select api.create_plan(${a.id}, '{"key": "seat", "name": "Seat", "price_idr": 50000}')`;
    await tx`select api.set_plan_seats(${a.id}, 'seat', 'per_seat')`;
  });

  const organization = (id: string) => call((tx) => tx`select api.get_organization(${id})`);

  /** A new organization of A with an owner, an admin and a member, addressed `…@<slug>.example`. */
  async function team(slug: string): Promise<Team> {
    const owner = await seedUser(db.sql, a.id, `owner@${slug}.example`);
    const admin = await seedUser(db.sql, a.id, `admin@${slug}.example`);
    const member = await seedUser(db.sql, a.id, `member@${slug}.example`);
    const org = await call((tx) => tx`select api.create_organization(${slug}, ${slug}, ${owner})`);
    const id = org.id as string;
    await as(a.id, async (tx) => {
      await tx`select api.add_organization_member(${id}, ${admin}, 'admin')`;
      await tx`select api.add_organization_member(${id}, ${member}, 'member')`;
    });
    return { id, owner, admin, member };
  }

  /** Opens a checkout of A for organization `org` through the simulator account. */
  const checkout = (org: string, body: Json) =>
    call((tx) =>
      tx`select api.create_organization_checkout(${a.id}, ${org}, ${
        tx.json({ xendit_account: "simulator", ...body } as never)
      })`
    );

  /** Pays a checkout of A (a team plan's, a renewal's) as the Xendit callback and the worker do. */
  const pay = async (checkoutId: string, amount: number) =>
    assert.equal(await payCheckout(db.sql, a.id, checkoutId, amount), "paid");

  /** A team of `slug` paying `seats` seats of the per-seat plan; answers it and its paid-through date. */
  async function paying(slug: string, seats = 3): Promise<Team & { through: Date }> {
    const t = await team(slug);
    await pay(
      (await checkout(t.id, { sub: t.owner, plan: "seat", seats })).checkout_id as string,
      seats * 50_000,
    );
    // Whole seconds, so that the test's Dates (milliseconds) name the paid-through moment exactly.
    await as(
      a.id,
      (tx) =>
        tx`update astapa.organizations set plan_paid_through = date_trunc('second', plan_paid_through)
         where id = ${t.id}`,
    );
    const through = new Date((await organization(t.id)).plan_paid_through as string);
    return { ...t, through };
  }

  return { a, b, as, call, organization, team, checkout, pay, paying };
}
