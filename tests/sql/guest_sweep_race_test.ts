/**
 * The sweep of abandoned guests (astapa.sweep_abandoned_guests) against what a guest does at the same moment: it
 * picks its guests in one query, then erases them one by one, so a guest who signs up, pays or refreshes between
 * the two (its row locked by that write: the sign-up's lock, the foreign key's share lock of a checkout or a
 * refresh token) must be asked again once the write commits, and kept. Before, astapa.erase_user waited for the
 * write and then erased the account that had just signed up, or the guest with the checkout just made. Also kept:
 * a guest with a payment method still linked (erasure does not unlink it at Xendit) or in an organization (an
 * organization whose only owner it was would be left without one).
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { lockRace } from "../helpers/lock_race.ts";
import { appValue, type SeededProject, seedProject } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const project = await seedProject(db.sql, {
  settings: { anonymous_users: { enabled: true, sweep_after_days: 10 } },
});

/** A guest made 11 days ago whose one refresh token is as old: due for the sweep. */
async function abandonedGuest(p: SeededProject): Promise<string> {
  const hash = await sha256(crypto.randomUUID());
  const grant = await appValue<Record<string, unknown>>(
    db.sql,
    p.id,
    (tx) =>
      tx`select api.sign_in_anonymously(${p.clientId}, '192.0.2.7', ${hash},
                                        'openid') as r`,
  );
  const sub = grant.sub as string;
  await db.sql`update astapa.users set created_at = now() - interval '11 days'
    where project_id = ${p.id} and id = ${sub}::bigint`;
  await db.sql`update astapa.refresh_tokens set created_at = now() - interval '11 days'
    where project_id = ${p.id} and user_id = ${sub}::bigint`;
  return sub;
}

const sweep = () => asApp(db.sql, null, async (tx) => (await tx`select api.sweep_grants() as s`)[0].s);
const deleted = async (sub: string) =>
  (await db.sql`select deleted_at is not null as d from astapa.users
    where project_id = ${project.id} and id = ${sub}::bigint`)[0].d as boolean;

const ARGON = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

/** What a guest does while the sweep is under way, in the transaction that holds the guest's row. */
const WRITES: Record<string, (tx: Tx, sub: string) => Promise<unknown>> = {
  "signs up (api.sign_up_guest)": (tx, sub) =>
    tx`select api.sign_up_guest(${project.id}, ${sub}::bigint, ${`race-${sub}@example.com`}, ${ARGON})`,
  "starts a checkout": (tx, sub) =>
    tx`insert into astapa.checkouts (project_id, user_id, plan_key, amount, xendit_account, environment, expires_at)
       values (${project.id}, ${sub}::bigint, 'free', 10000, 'simulator', 'sandbox', now() + interval '1 day')`,
  "refreshes (a new refresh token)": async (tx, sub) =>
    tx`insert into astapa.refresh_tokens (project_id, lookup_id, token_hash, family_id, user_id, client_id, scope,
                                          auth_time, expires_at, amr)
       values (${project.id}, gen_random_uuid(), ${await sha256(crypto.randomUUID())}, gen_random_uuid(),
               ${sub}::bigint, ${project.clientId}, 'openid', now(), now() + interval '30 days', '{anon}')`,
};

for (const [what, write] of Object.entries(WRITES)) {
  Deno.test(`astapa.sweep_abandoned_guests — a guest who ${what} while the sweep waits for its row is kept`, async () => {
    const sub = await abandonedGuest(project);
    const [first, second] = await lockRace(db.sql, project.id, (tx) => write(tx, sub), sweep);
    assert.equal(first.status, "fulfilled", String((first as PromiseRejectedResult).reason));
    assert.equal(second.status, "fulfilled", String((second as PromiseRejectedResult).reason));
    assert.equal(await deleted(sub), false, "the guest's write committed before the erasure: kept");
    const [ended] = await db.sql`select count(*)::int as n from astapa.refresh_tokens
      where project_id = ${project.id} and user_id = ${sub}::bigint and revoked_reason = 'user_disabled'`;
    assert.equal(ended.n, 0, "no token of the kept guest revoked");
  });
}

Deno.test("astapa.sweep_abandoned_guests — a guest with a live linked payment method or an organization membership is kept; an ended method keeps nobody", async () => {
  const linked = await abandonedGuest(project);
  const unlinked = await abandonedGuest(project);
  const member = await abandonedGuest(project);
  const method = (sub: string, status: string) =>
    db.sql`insert into astapa.linked_methods (project_id, user_id, environment, xendit_account, channel, label,
                                              status)
           values (${project.id}, ${sub}::bigint, 'sandbox', 'simulator', 'OVO', 'OVO ••••1234', ${status})`;
  await method(linked, "active");
  await method(unlinked, "expired");
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.create_organization('Guest team', ${`guest-team-${member}`}, ${member}::bigint)`,
  );
  await sweep();
  assert.deepEqual(
    [await deleted(linked), await deleted(unlinked), await deleted(member)],
    [false, true, false],
  );
});
