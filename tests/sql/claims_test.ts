/** api.set_user_claims and api.token_claims: what tokens say, and the bounds that keep them small. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const project = await seedProject(db.sql);
const claims = (user: string) =>
  appValue(db.sql, project.id, (tx) => tx`select api.token_claims(${project.id}, ${user})`);
const set = (user: string, value: unknown) =>
  appValue(
    db.sql,
    project.id,
    (tx) => tx`select api.set_user_claims(${project.id}, ${user}, ${JSON.stringify(value)}::text::jsonb)`,
  );

Deno.test("api.token_claims — a new user: plan free, no role, no flags", async () => {
  const user = await seedUser(db.sql, project.id, "new@example.com");
  assert.deepEqual(await claims(user), { plan: "free", feature_flags: [] });
});

Deno.test("api.set_user_claims — given keys replace, absent keys stay, null clears; extra keys are custom claims", async () => {
  const user = await seedUser(db.sql, project.id, "claims@example.com");
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.create_plan(${project.id}, '{"key": "pro", "name": "Pro"}')`,
  );
  assert.deepEqual(await set(user, { role: "admin", feature_flags: ["beta", "new-editor"] }), {
    plan: "free",
    role: "admin",
    feature_flags: ["beta", "new-editor"],
  });
  assert.deepEqual(await set(user, { plan: "pro", extra: { team: "core" } }), {
    plan: "pro",
    role: "admin",
    feature_flags: ["beta", "new-editor"],
    team: "core",
  });
  assert.deepEqual(await set(user, { role: null, plan: null, feature_flags: [], extra: {} }), {
    plan: "free",
    feature_flags: [],
  });
  assert.deepEqual(await claims(user), { plan: "free", feature_flags: [] });
  const audited = await appValue(
    db.sql,
    project.id,
    (tx) =>
      tx`select count(*)::int from astapa.audit_log where action = 'user_claims.set' and target = ${
        "user:" + user
      }`,
  );
  assert.equal(audited, 3);
});

Deno.test("api.set_user_claims — refuses unknown keys, long roles, too many flags, big extra", async () => {
  const user = await seedUser(db.sql, project.id, "bounds@example.com");
  const cases: [unknown, RegExp][] = [
    [[], /JSON object/],
    [{ admin: true }, /Unknown claim/],
    [{ role: "r".repeat(65) }, /role must be/],
    [{ role: 7 }, /role must be/],
    [{ plan: "Pro Plan" }, /plan must be/],
    [{ feature_flags: "beta" }, /feature_flags must be/],
    [{ feature_flags: [1] }, /feature_flags must be/],
    [{ feature_flags: ["a", "a"] }, /feature_flags must be/],
    [{ feature_flags: Array.from({ length: 51 }, (_, i) => `f${i}`) }, /feature_flags must be/],
    [{ feature_flags: ["f".repeat(65)] }, /feature_flags must be/],
    [{ extra: [1] }, /extra must be/],
    [{ extra: { blob: "x".repeat(4100) } }, /extra must be/],
  ];
  for (const [value, message] of cases) await rejectsAs(set(user, value), "validation_failed", message);
  assert.deepEqual(await claims(user), { plan: "free", feature_flags: [] }, "nothing was written");
  await rejectsAs(set("999999", { role: "x" }), "not_found");
});

Deno.test("api.set_user_claims — the keys an extra replaces do not count toward the 50-key limit", async () => {
  const user = await seedUser(db.sql, project.id, "many-claims@example.com");
  const keys = (prefix: string, n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i]));
  assert.equal(Object.keys(await set(user, { extra: keys("old", 40) }) as object).length, 42);
  // Replacing extra removes the 40 old keys (null in the merge) while adding 20: 20 remain, well under 50.
  const replaced = await set(user, { extra: keys("new", 20) }) as Record<string, unknown>;
  assert.deepEqual(Object.keys(replaced).filter((k) => k.startsWith("old")), []);
  assert.equal(Object.keys(replaced).filter((k) => k.startsWith("new")).length, 20);
  await rejectsAs(set(user, { extra: keys("big", 51) }), "validation_failed", /50 keys/);
});

Deno.test("user_claims — the table's checks hold even for writes that skip the function", async () => {
  const user = await seedUser(db.sql, project.id, "direct@example.com");
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      (tx) =>
        tx`insert into astapa.user_claims (project_id, user_id, extra) values (${project.id}, ${user}, ${
          JSON.stringify({ blob: "x".repeat(5000) })
        }::text::jsonb)`,
    ),
    "validation_failed",
  );
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      (tx) =>
        tx`insert into astapa.user_claims (project_id, user_id, role) values (${project.id}, ${user}, '')`,
    ),
    "validation_failed",
  );
});

Deno.test("api.token_claims — unknown user not found; disabled user forbidden", async () => {
  const user = await seedUser(db.sql, project.id, "gone@example.com");
  await asApp(db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${user})`);
  await rejectsAs(claims(user), "forbidden", /disabled/);
  await rejectsAs(claims("999999"), "not_found");
  const other = await seedProject(db.sql);
  await rejectsAs(
    asApp(db.sql, other.id, (tx) => tx`select api.token_claims(${project.id}, ${user})`),
    "not_found",
  );
});

Deno.test("astapa.reserved_claim_names — JWT, OIDC and Astapa's own names, refused as custom claims in any case", async () => {
  const [{ names }] = await db.sql`select astapa.reserved_claim_names() as names`;
  for (
    const name of ["iss", "sub", "aud", "exp", "email", "amr", "cnf", "project_id", "plan", "feature_flags"]
  ) {
    assert.ok(names.includes(name), name);
  }
  assert.equal(new Set(names).size, names.length, "each once");
  const valid = async (claims: unknown) =>
    (await db.sql`select astapa.are_valid_custom_claims(${db.sql.json(claims as never)}) as ok`)[0].ok;
  for (const name of names.slice(0, 5)) assert.equal(await valid({ [name.toUpperCase()]: 1 }), false, name);
  assert.equal(await valid({ department: "sales" }), true);
});
