/**
 * The per-address limit on new guests (api.sign_in_anonymously: 30 an hour) counts an IPv6 address by its /64
 * (astapa.address_bucket, tests/sql/address_bucket_test.ts): one subscriber holds a whole /64, so counted address by address a single machine made
 * guests without end and used up the project's hourly cap for everyone. IPv4 addresses, also IPv4-mapped, stay
 * one bucket each.
 */
import assert from "node:assert/strict";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

Deno.test("api.sign_in_anonymously — 30 guests an hour from one IPv6 /64, whichever of its addresses; another /64 and IPv4-mapped addresses count apart", async () => {
  const project = await seedProject(db.sql, { settings: { anonymous_users: { enabled: true } } });
  const signIn = async (address: string) => {
    const hash = await sha256(crypto.randomUUID());
    return await appValue(
      db.sql,
      project.id,
      (tx) => tx`select api.sign_in_anonymously(${project.clientId}, ${address}, ${hash}, 'openid') as r`,
    );
  };
  for (let i = 1; i <= 30; i++) await signIn(`2001:db8:1:2::${i.toString(16)}`);
  await rejectsAs(
    signIn("2001:db8:1:2:ffff:ffff:ffff:ffff"),
    "rate_limited",
    /Too many guests from this address/,
  );
  await signIn("2001:db8:1:3::1");
  for (let i = 1; i <= 30; i++) await signIn(`::ffff:198.51.100.${i}`);
  const [made] = await db.sql`select count(*)::int as n from astapa.users
    where project_id = ${project.id} and is_anonymous`;
  assert.equal(made.n, 61);
});
