/**
 * A claim and the payment methods linked before it (astapa.unlink_every_method, db/api/linked_methods.sql):
 * every live method of the claimed account — active or waiting for approval — is marked for unlink as the claim
 * (never charged again, due at once for the billing pass), counted as payment_methods, and ends audited as the
 * unlink audits (billing.method_unlinked, actor claim); an organization that chose one has no method again
 * (astapa.clear_unlinked_billing_methods: in the claim, or when the unlink ends if another transaction held the
 * organization then); Xendit's refusal ends it all the same. Ended methods, other users' and other projects'
 * stay as they were. An erased account's methods go the same way, as the erasure (astapa.erase_user).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import {
  applyMethodCallback,
  cancelMethodUnlink,
  listLinkedMethods,
  nextStalledUnlink,
  startMethodLink,
  unlinkMethod,
} from "@/db/linked_methods.ts";
import { organizationRenewalBilling } from "@/db/organization_renewal_billing.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { organizationBilling } from "@/db/team_plans.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedUser } from "../helpers/identity.ts";
import { waitForLockWaiter } from "../helpers/lock_race.ts";
import { seedShop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string, work: Parameters<typeof asApp<T>>[2]) => asApp(db.sql, projectId, work);
const through = { xendit_account: "simulator", environment: "sandbox" } as const;

/** A shop with linking on, and its unverified user (ayu) with an active DANA and an OVO waiting for approval. */
async function squattedShop(email: string, providerId: string) {
  const shop = await seedShop(db.sql, { email });
  const p = shop.project.id;
  await as(p, (tx) => updateProjectSettings(tx, p, { linked_methods: { enabled: true } }));
  const dana = await linked(p, shop.userId, "DANA", providerId);
  const ovo = await as(
    p,
    (tx) =>
      startMethodLink(tx, p, shop.userId, { channel: "OVO", mobile_number: "+6281234567890", ...through }),
  );
  return { p, user: shop.userId, dana, ovo };
}

/** An active method of `user` (Xendit's activation applied). */
async function linked(p: string, user: string, channel: string, providerId: string) {
  const m = await as(p, (tx) => startMethodLink(tx, p, user, { channel, ...through }));
  await as(
    p,
    (tx) =>
      applyMethodCallback(tx, p, m.method_id, { event: "payment_method.activated", provider_id: providerId }),
  );
  return m;
}

function claim(p: string, user: string, proven = "email") {
  return as(p, async (tx) => {
    const [row] = await tx`select astapa.claim_unproven_account(${p}, ${user}, ${proven}) as result`;
    return row.result as Record<string, number> | null;
  });
}

/** Each method's status and unlink mark, by method id; never_tried: the claim's '-infinity' try. */
async function marks(methodIds: string[]) {
  const found = rows(
    await db.sql`select public_id, status, unlink_actor, unlink_requested_at is not null as marked,
      unlink_attempted_at = '-infinity' as never_tried
    from astapa.linked_methods where public_id = any(${methodIds})`,
  );
  return Object.fromEntries(methodIds.map((id) => {
    const { public_id: _id, ...mark } = found.find((row) => row.public_id === id)!;
    return [id, mark];
  }));
}

/** The method's unlink audit entries, as `action actor`. */
async function unlinkAudit(p: string, methodId: string) {
  return rows(
    await db.sql`select action, actor from astapa.audit_log where project_id = ${p}
      and target = ${`linked_method:${methodId}`} and action = 'billing.method_unlinked' order by id`,
  ).map((r) => `${r.action} ${r.actor}`);
}

Deno.test("claim — active and waiting methods are marked for unlink as the claim, counted, and due at once", async () => {
  const { p, user, dana, ovo } = await squattedShop("claim-methods@example.com", "pm-claim-dana");
  // Ended before the claim: nothing to unlink. Another user's and another project's: not the account's.
  await as(p, (tx) => updateProjectSettings(tx, p, { linked_methods: { enabled: true, shopeepay: true } }));
  const ended = await linked(p, user, "SHOPEEPAY", "pm-claim-shopeepay");
  await as(p, (tx) => unlinkMethod(tx, p, user, ended.method_id));
  const neighbour = await seedUser(db.sql, p, "claim-methods-neighbour@example.com");
  const theirs = await linked(p, neighbour, "DANA", "pm-claim-neighbour");
  const stranger = await squattedShop("claim-methods@example.com", "pm-claim-stranger");
  const untouched = [ended.method_id, theirs.method_id, stranger.dana.method_id, stranger.ovo.method_id];
  const before = await marks(untouched);

  const removed = await claim(p, user);
  assert.equal(removed?.payment_methods, 2);
  assert.deepEqual(await marks([dana.method_id, ovo.method_id]), {
    [dana.method_id]: { status: "active", unlink_actor: "claim", marked: true, never_tried: true },
    [ovo.method_id]: { status: "requires_action", unlink_actor: "claim", marked: true, never_tried: true },
  });
  assert.deepEqual(await marks(untouched), before, "an ended method and other accounts' stay as they were");
  const [audit] = await db.sql`select details from astapa.audit_log where project_id = ${p}
    and action = 'user.claimed' and target = ${`user:${user}`}`;
  assert.equal(audit.details.removed.payment_methods, 2);

  // Listed as being unlinked until the billing pass ends them; the pass takes them at once (no window waited).
  const listed = await as(p, (tx) => listLinkedMethods(tx, p, user));
  assert.ok(listed.every((m) => m.unlink_requested_at !== null));
  const now = new Date();
  const taken = [
    await as(p, (tx) => nextStalledUnlink(tx, p, now, 900)),
    await as(p, (tx) => nextStalledUnlink(tx, p, now, 900)),
  ];
  assert.deepEqual(
    taken.map((m) => [m?.method_id, m?.unlink_actor, m?.expire_at_xendit]).sort(),
    [[dana.method_id, "claim", true], [ovo.method_id, "claim", false]].sort(),
    "only the active one is expired at Xendit first",
  );
  assert.equal(await as(p, (tx) => nextStalledUnlink(tx, p, now, 900)), null, "each taken once");
  for (const m of [dana, ovo]) {
    assert.equal((await as(p, (tx) => unlinkMethod(tx, p, user, m.method_id))).status, "expired");
    assert.deepEqual(await unlinkAudit(p, m.method_id), ["billing.method_unlinked claim"]);
  }
  assert.deepEqual(await as(p, (tx) => listLinkedMethods(tx, p, user)), []);
  assert.equal(await claim(p, user), null, "a second proof claims nothing");
});

Deno.test("claim — an account without linked methods counts none", async () => {
  const shop = await seedShop(db.sql, { email: "claim-methods-none@example.com" });
  const removed = await claim(shop.project.id, shop.userId, "email");
  assert.equal(removed?.payment_methods, 0);
});

/** An organization `user` administers, owned by a verified owner, whose renewals `user`'s method pays. */
async function choosingOrganization(p: string, user: string, methodId: string, slug: string) {
  const owner = await seedUser(db.sql, p, `${slug}-owner@example.com`, { verified: true });
  const org = await as(p, async (tx) => {
    const [row] = await tx`select api.create_organization('Tim', ${slug}) ->> 'id' as id`;
    await tx`select api.add_organization_member(${row.id}, ${owner}, 'owner')`;
    await tx`select api.add_organization_member(${row.id}, ${user}, 'admin')`;
    await tx`select api.set_organization_billing_method(${p}, ${user}, ${row.id}, ${methodId})`;
    return row.id as string;
  });
  return { owner, org };
}

/** The organization's chosen method as the project's backend reads it (null: none). */
const chosenMethod = (p: string, org: string) =>
  as(p, async (tx) => (await organizationRenewalBilling(tx, p, org)).billing_method);

/** The organization's billing-method audit entries' details. */
async function billingMethodAudit(p: string, org: string) {
  return rows(
    await db.sql`select details from astapa.audit_log where project_id = ${p} and target = ${org}
      and action = 'organization.billing_method_set' order by id`,
  ).map((r) => r.details);
}

const clearedByClaim = (methodId: string) => ({
  by: null,
  method_id: null,
  label: null,
  cleared: methodId,
  reason: "claimed",
});

Deno.test("claim — an organization that chose a claimed method has none again, audited, and its owners see none", async () => {
  const { p, user, dana } = await squattedShop("claim-methods-org@example.com", "pm-claim-org");
  const { owner, org } = await choosingOrganization(p, user, dana.method_id, "claim-methods-tim");
  // Another organization paid by the owner's own method: not the claimed account's, so it stays chosen.
  const ownMethod = await linked(p, owner, "DANA", "pm-claim-org-own");
  const other = await as(p, async (tx) => {
    const [row] = await tx`select api.create_organization('Lain', 'claim-methods-lain') ->> 'id' as id`;
    await tx`select api.add_organization_member(${row.id}, ${owner}, 'owner')`;
    await tx`select api.set_organization_billing_method(${p}, ${owner}, ${row.id}, ${ownMethod.method_id})`;
    return row.id as string;
  });
  assert.equal((await chosenMethod(p, org))?.charged, true);

  // One transaction: a claim rolled back leaves the choice as it was.
  await assert.rejects(
    as(p, async (tx) => {
      await tx`select astapa.claim_unproven_account(${p}, ${user}, 'email')`;
      throw new Error("rolled back");
    }),
    /rolled back/,
  );
  assert.equal((await chosenMethod(p, org))?.method_id, dana.method_id);

  await claim(p, user);
  assert.equal(await chosenMethod(p, org), null);
  assert.deepEqual((await billingMethodAudit(p, org)).at(-1), clearedByClaim(dana.method_id));
  const portal = await as(p, (tx) => organizationBilling(tx, owner));
  assert.deepEqual(
    portal.organizations.map((o) => [o.id, o.billing_method?.method_id ?? null]).sort(),
    [[org, null], [other, ownMethod.method_id]].sort(),
    "the owners see no method; the owner's own choice elsewhere stays",
  );
  assert.equal((await chosenMethod(p, other))?.charged, true);
  // Ending the unlinks later finds nothing left to clear: one entry only.
  for (let n = 0; n < 2; n++) {
    const taken = await as(p, (tx) => nextStalledUnlink(tx, p, new Date(), 900));
    await as(p, (tx) => unlinkMethod(tx, p, user, taken!.method_id));
  }
  assert.equal((await billingMethodAudit(p, org)).filter((d) => d.reason === "claimed").length, 1);
});

Deno.test("claim — an organization held by another transaction is skipped without a deadlock, and cleared when the unlink ends", async () => {
  const { p, user, dana } = await squattedShop("claim-methods-held@example.com", "pm-claim-held");
  const { org } = await choosingOrganization(p, user, dana.method_id, "claim-methods-held");
  // A renewal step's shape: the organization's row held, then its payer's checkout refers to the user's row,
  // which the claim holds.
  let held!: () => void;
  const orgHeld = new Promise<void>((resolve) => held = resolve);
  let claimed!: () => void;
  const claimDone = new Promise<void>((resolve) => claimed = resolve);
  const renewal = as(p, async (tx) => {
    await tx`select from astapa.organizations where id = ${org} for update`;
    held();
    // Were the claim to wait for this row, it would be seen waiting, and the step's next lock would close a circle.
    await Promise.race([claimDone, waitForLockWaiter(db.sql)]);
    await tx`select from astapa.users where id = ${user}::bigint for key share`;
  });
  const claiming = as(p, async (tx) => {
    await orgHeld;
    const [row] = await tx`select astapa.claim_unproven_account(${p}, ${user}, 'email') as result`;
    claimed();
    await waitForLockWaiter(db.sql);
    return row.result as Record<string, number>;
  });
  const [step, removed] = await Promise.allSettled([renewal, claiming]);
  assert.equal(step.status, "fulfilled", "no deadlock");
  assert.equal(removed.status === "fulfilled" && removed.value.payment_methods, 2);
  assert.equal((await chosenMethod(p, org))?.method_id, dana.method_id, "skipped while held");
  assert.equal((await chosenMethod(p, org))?.charged, false, "but never charged");

  // The billing pass ends the claim's unlinks, and clears it then.
  for (let n = 0; n < 2; n++) {
    const taken = await as(p, (tx) => nextStalledUnlink(tx, p, new Date(), 900));
    await as(p, (tx) => unlinkMethod(tx, p, user, taken!.method_id));
  }
  assert.equal(await chosenMethod(p, org), null);
  assert.deepEqual((await billingMethodAudit(p, org)).at(-1), clearedByClaim(dana.method_id));
});

Deno.test("astapa.clear_unlinked_billing_methods and unlink_every_method — only inside the acting project, for a claim or an erasure", async () => {
  const { p, user, dana } = await squattedShop("claim-methods-clear-403@example.com", "pm-claim-clear-403");
  const { org } = await choosingOrganization(p, user, dana.method_id, "claim-methods-clear-403");
  const other = await seedShop(db.sql, { email: "claim-methods-clear-403-other@example.com" });
  const [method] = await db.sql`select id from astapa.linked_methods where public_id = ${dana.method_id}`;
  await rejectsAs(
    as(
      other.project.id,
      (tx) => tx`select astapa.clear_unlinked_billing_methods(${p}, ${[method.id]}, false, 'claim')`,
    ),
    "forbidden",
  );
  await rejectsAs(
    as(p, (tx) => tx`select astapa.clear_unlinked_billing_methods(${p}, ${[method.id]}, false, 'support')`),
    "validation_failed",
  );
  await rejectsAs(
    as(p, (tx) => tx`select astapa.unlink_every_method(${p}, ${user}, 'support')`),
    "validation_failed",
  );
  assert.equal((await chosenMethod(p, org))?.method_id, dana.method_id);
});

Deno.test("api.cancel_method_unlink — Xendit's refusal of a claim's unlink ends the method all the same", async () => {
  const { p, user, dana } = await squattedShop("claim-methods-refused@example.com", "pm-claim-refused");
  await claim(p, user);
  const taken = await as(p, (tx) => nextStalledUnlink(tx, p, new Date(), 900));
  assert.equal(taken?.method_id, dana.method_id);
  const ended = await as(
    p,
    (tx) => cancelMethodUnlink(tx, p, user, dana.method_id, taken!.unlink_requested_at!),
  );
  assert.equal(ended.status, "expired");
  assert.deepEqual(await unlinkAudit(p, dana.method_id), ["billing.method_unlinked claim"]);
});

Deno.test("astapa.unlink_every_method — only inside the acting project", async () => {
  const { p, user, dana } = await squattedShop("claim-methods-403@example.com", "pm-claim-403");
  const other = await seedShop(db.sql, { email: "claim-methods-403-other@example.com" });
  await rejectsAs(
    as(other.project.id, (tx) => tx`select astapa.unlink_every_method(${p}, ${user}, 'claim')`),
    "forbidden",
  );
  assert.deepEqual((await marks([dana.method_id]))[dana.method_id], {
    status: "active",
    unlink_actor: null,
    marked: false,
    never_tried: null,
  });
});

Deno.test("erasure — the account's live methods are unlinked as the erasure; an organization that chose one has none", async () => {
  const { p, user, dana, ovo } = await squattedShop("erased-methods@example.com", "pm-erased-dana");
  const { org } = await choosingOrganization(p, user, dana.method_id, "erased-methods-tim");
  const erased = await as(p, async (tx) => {
    const [row] = await tx`select astapa.erase_user(${user}, 'admin') as erased`;
    return row.erased as boolean;
  });
  assert.equal(erased, true);
  assert.deepEqual(await marks([dana.method_id, ovo.method_id]), {
    [dana.method_id]: { status: "active", unlink_actor: "erasure", marked: true, never_tried: true },
    [ovo.method_id]: { status: "requires_action", unlink_actor: "erasure", marked: true, never_tried: true },
  });
  const [audit] = await db.sql`select details from astapa.audit_log where project_id = ${p}
    and action = 'user.deleted' and target = ${`user:${user}`}`;
  assert.equal(audit.details.payment_methods, 2);
  assert.equal(await chosenMethod(p, org), null);
  assert.deepEqual((await billingMethodAudit(p, org)).at(-1), {
    ...clearedByClaim(dana.method_id),
    reason: "account_deleted",
  });
  // The billing pass takes them at once and expires the active one at Xendit; a refusal ends it all the same.
  const now = new Date();
  const first = await as(p, (tx) => nextStalledUnlink(tx, p, now, 900));
  const second = await as(p, (tx) => nextStalledUnlink(tx, p, now, 900));
  const active = [first, second].find((m) => m?.method_id === dana.method_id)!;
  assert.deepEqual([active.unlink_actor, active.expire_at_xendit], ["erasure", true]);
  const refused = await as(
    p,
    (tx) => cancelMethodUnlink(tx, p, user, dana.method_id, active.unlink_requested_at!),
  );
  assert.equal(refused.status, "expired");
  assert.deepEqual(await unlinkAudit(p, dana.method_id), ["billing.method_unlinked erasure"]);
});
