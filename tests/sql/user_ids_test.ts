/**
 * A sub read from text (astapa.user_id_of), and the users whose ids have 19 digits: astapa.new_user_id reaches
 * 10^18 in July 2027 (milliseconds since 2020 shifted left 22 bits), after which every new user has such an id.
 * Checks that allowed only 18 digits refused them: token exchange, checkouts, the audit log's user filter and
 * its environment join.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { createCheckout } from "@/db/payments.ts";
import { appValue, rejectsAs } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedShop } from "../helpers/payments.ts";
import { seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";
import { isUserId, UserIdSchema } from "@/lib/http/user_id.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const userIdOf = (text: string | null) =>
  appValue<string | null>(db.sql, null, (tx) => tx`select astapa.user_id_of(${text})::text`);

Deno.test("astapa.user_id_of — a sub as issued: decimal, no sign, no leading zero, 1 to 2^63 - 1", async () => {
  for (const sub of ["1", "42", "916849418218398173", "1000000000000000000", "9223372036854775807"]) {
    assert.equal(await userIdOf(sub), sub);
  }
  for (
    const text of ["0", "007", "-1", "+1", " 1", "1 ", "", "1e3", "1.0", "0x1f", "٣", "9223372036854775808"]
  ) {
    assert.equal(await userIdOf(text), null, JSON.stringify(text));
  }
  assert.equal(await userIdOf("9".repeat(20)), null);
  assert.equal(await userIdOf(null), null);
});

Deno.test("isUserId and UserIdSchema — the TypeScript twin of astapa.user_id_of: the same texts, one message", async () => {
  const texts = [
    "1",
    "42",
    "1000000000000000000",
    "9223372036854775807",
    "9223372036854775808",
    "9".repeat(20),
    "0",
    "007",
    "-1",
    "+1",
    " 1",
    "1 ",
    "",
    "1e3",
    "٣",
    "abc",
  ];
  for (const text of texts) {
    const sql = (await userIdOf(text)) !== null;
    assert.equal(isUserId(text), sql, JSON.stringify(text));
    const parsed = UserIdSchema.safeParse(text);
    assert.equal(parsed.success, sql, JSON.stringify(text));
    if (!parsed.success) {
      assert.equal(parsed.error.issues.length, 1, `one message for ${JSON.stringify(text)}`);
    }
  }
});

/** The first id astapa.new_user_id hands out in July 2027, and after. */
const NINETEEN_DIGITS = "1000000000012345678";

/** A user of `projectId` whose id has 19 digits, as every new user's will. */
async function nineteenDigitUser(projectId: string, email: string, id = NINETEEN_DIGITS): Promise<string> {
  await db.sql`insert into astapa.users (project_id, id, email, email_verified, environment)
               values (${projectId}, ${id}, ${email}, true, 'sandbox')`;
  return id;
}

Deno.test("19-digit users — a checkout is created for them, and the payments list filters by them", async () => {
  const shop = await seedShop(db.sql);
  const sub = await nineteenDigitUser(shop.project.id, "july2027@example.com");
  const checkout = await asApp(
    db.sql,
    shop.project.id,
    (tx) => createCheckout(tx, shop.project.id, { sub, plan: "pro", xendit_account: "simulator" }),
  );
  assert.equal(checkout.sub, sub);
  const listed = await appValue<{ sub: string }[]>(
    db.sql,
    shop.project.id,
    (tx) => tx`select api.list_payments(${shop.project.id}, ${JSON.stringify({ user: sub })}::text::jsonb)`,
  );
  assert.deepEqual(listed.map((row) => row.sub), [sub]);
  await rejectsAs(
    asApp(
      db.sql,
      shop.project.id,
      (tx) =>
        createCheckout(tx, shop.project.id, { sub: `0${sub}`, plan: "pro", xendit_account: "simulator" }),
    ),
    "validation_failed",
  );
});

Deno.test("19-digit users — the audit log names them, filters by them, and keeps environments apart", async () => {
  const shop = await seedShop(db.sql);
  const sub = await nineteenDigitUser(shop.project.id, "audit2027@example.com", "1000000000087654321");
  await asApp(
    db.sql,
    shop.project.id,
    (tx) => tx`select astapa.audit(${shop.project.id}, 'user.update', ${"user:" + sub}, '{}'::jsonb)`,
  );
  assert.equal(
    await appValue(db.sql, null, (tx) => tx`select astapa.audit_user_id(${"user:" + sub})::text`),
    sub,
  );
  const filtered = await appValue<{ target: string }[]>(
    db.sql,
    shop.project.id,
    (tx) => tx`select api.list_audit(${shop.project.id}, ${JSON.stringify({ user: sub })}::text::jsonb)`,
  );
  assert.deepEqual(filtered.map((entry) => entry.target), [`user:${sub}`]);
  // Once the project is live, its sandbox users' entries leave the view (the join on the user's id).
  await db.sql`update astapa.projects set mode = 'production' where id = ${shop.project.id}`;
  const live = await appValue<{ target: string }[]>(
    db.sql,
    shop.project.id,
    (tx) => tx`select api.list_audit(${shop.project.id}, '{}'::jsonb)`,
  );
  assert.equal(live.some((entry) => entry.target === `user:${sub}`), false);
});

Deno.test("19-digit users — token exchange grants for them", async () => {
  const shop = await seedShop(db.sql);
  const project = shop.project;
  await seedRegistry(db.sql, project.id, { resources: ["https://one.example", "https://two.example"] });
  const actor = await seedMachineClient(db.sql, project.id);
  const sub = await nineteenDigitUser(project.id, "agent2027@example.com", "1000000000011223344");
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.allow_token_exchange(${actor.clientId}, 'https://two.example')`,
  );
  const granted = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) =>
      tx`select api.exchange_token(${project.id}, ${sub}, ${project.clientId}, '', 'https://one.example',
         ${actor.clientId}, 'https://two.example', null)`,
  );
  assert.equal(granted.error, undefined, JSON.stringify(granted));
  assert.equal(granted.sub, sub);
  assert.equal(granted.resource, "https://two.example");
});

Deno.test("api.search_environment_users — a sub finds its user; a spelling with a leading zero is only text", async () => {
  const shop = await seedShop(db.sql);
  const sub = await nineteenDigitUser(shop.project.id, "search2027@example.com", "1000000000099887766");
  const search = (query: string) =>
    appValue<{ id: string }[]>(
      db.sql,
      shop.project.id,
      (tx) => tx`select api.search_environment_users(${shop.project.id}, ${query})`,
    );
  assert.deepEqual((await search(sub)).map((user) => user.id), [sub]);
  assert.deepEqual(await search(`0${sub}`), []);
});
