/**
 * The Platform API and a user's phone number (issue 27): PUT /users/{sub}/phone sets it (Indonesian habits
 * accepted, stored E.164) with `verified` explicit, removes it with null unless it is the user's only contact
 * or their last way in (409), refuses a number another user holds (409) and bad input (400), never another
 * project's user (404);
 * GET /users?phone= finds a user by number. A verified number set this way signs in by phone code.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/oauth.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { checkPhoneCode, startPhoneCode } from "@/db/phone.ts";
import { sha256 } from "@/lib/secrets.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Toko", settings: { phone: { enabled: true } } });
const other = await seedProject(t.db.sql, { name: "Other" });

const api = platformApi(t, project);

const ARGON = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

Deno.test("users API — set a phone with verified explicit; find the user by it; it signs in by code", async () => {
  const sub = await seedUser(t.db.sql, project.id, "sari@toko.example");
  // A password too, so the number is not her only way in and may be unverified or removed below.
  await t.db.sql`update astapa.users set password_hash = ${ARGON} where id = ${sub}`;
  const set = await api("PUT", `/users/${sub}/phone`, { phone_number: "0812 6666 0101", verified: true });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal(set.body.phone_number, "+6281266660101");
  assert.equal(set.body.phone_number_verified, true);
  assert.equal(set.body.sub, sub, "answered as every user endpoint answers: {sub, …}");
  assert.equal(set.body.id, undefined);
  const found = await api("GET", `/users?phone=${encodeURIComponent("+62 812-6666-0101")}`);
  assert.equal(found.status, 200);
  assert.equal(found.body.sub, sub);
  assert.equal(found.body.email, "sari@toko.example");
  assert.equal((await api("GET", "/users?phone=081266669999")).status, 404);
  assert.equal((await api("GET", "/users?phone=not-a-number")).status, 404);
  assert.equal((await api("GET", `/users?phone=081266660101`, undefined, other)).status, 404);
  // The number now signs Sari in by code (the same account, not a new one).
  await startPhoneCode(t.db.sql, project.id, {
    phoneNumber: "+6281266660101",
    country: "ID",
    channel: "sms",
    tokenHash: await sha256("api-set"),
    codeHash: await sha256("api-set:123456"),
  }, "10.3.3.3");
  const signedIn = await checkPhoneCode(
    t.db.sql,
    project.id,
    await sha256("api-set"),
    await sha256("api-set:123456"),
  );
  assert.equal(signedIn.user_id, sub);
  // Unverified: stored as such; audited with who did it.
  const unverified = await api("PUT", `/users/${sub}/phone`, {
    phone_number: "+6281266660102",
    verified: false,
  });
  assert.equal(unverified.body.phone_number_verified, false);
  const [audit] = await t.db.sql`select details from astapa.audit_log where target = ${"user:" + sub}
    and action = 'user.profile_updated' order by id desc limit 1`;
  assert.deepEqual(audit.details, {
    fields: ["phone_number"],
    by: "platform_api",
    previous: "+6281266660101",
    verified: false,
  });
  const removed = await api("PUT", `/users/${sub}/phone`, { phone_number: null, verified: false });
  assert.equal(removed.body.phone_number, null);
});

Deno.test("users API — another user's number is 409; a phone-only user keeps theirs; bad input is 400", async () => {
  const holder = await seedUser(t.db.sql, project.id, "holder@toko.example");
  const taker = await seedUser(t.db.sql, project.id, "taker@toko.example");
  assert.equal(
    (await api("PUT", `/users/${holder}/phone`, { phone_number: "081266660201", verified: true })).status,
    200,
  );
  const taken = await api("PUT", `/users/${taker}/phone`, { phone_number: "+6281266660201", verified: true });
  assert.equal(taken.status, 409);
  assert.match(taken.body.error_description, /Another user of this project already has this phone number/);
  const [phoneOnly] = await t.db
    .sql`insert into astapa.users (project_id, phone_number, phone_number_verified,
    environment) values (${project.id}, '+6281266660202', true, 'sandbox') returning id::text`;
  const lastContact = await api("PUT", `/users/${phoneOnly.id}/phone`, {
    phone_number: null,
    verified: false,
  });
  assert.equal(lastContact.status, 409);
  assert.match(lastContact.body.error_description, /no email/);
  for (
    const body of [
      { phone_number: "0812 6666 0203" },
      { phone_number: "0812 6666 0203", verified: "yes" },
      { phone_number: "12<script>", verified: true },
      { phone_number: "0809 1234 5678", verified: true },
      { phone_number: "0812 6666 0203", verified: true, email: "x@example.com" },
    ]
  ) {
    const res = await api("PUT", `/users/${taker}/phone`, body);
    assert.equal(res.status, 400, JSON.stringify(body));
  }
  assert.equal(
    (await api("PUT", `/users/${taker}/phone`, { phone_number: "081266660203", verified: true }, other))
      .status,
    404,
  );
  assert.equal(
    (await api("PUT", `/users/999999999/phone`, { phone_number: "081266660203", verified: true })).status,
    404,
  );
  const [row] = await t.db.sql`select phone_number from astapa.users where id = ${taker}`;
  assert.equal(row.phone_number, null);
  assert.equal((await api("GET", "/users?email=a@b.c&phone=0812")).status, 400);
  // Without email or phone the route pages through the users (tests/http/users_api_test.ts); an empty one is a 400.
  assert.equal((await api("GET", "/users?phone=")).status, 400);
});

Deno.test("users API — the number that is someone's only way in is neither removed nor unverified (409)", async () => {
  // Email, unproven; no password; email codes off: a code to the number is how Wulan signs in.
  const sub = await seedUser(t.db.sql, project.id, "wulan@toko.example");
  assert.equal(
    (await api("PUT", `/users/${sub}/phone`, { phone_number: "081266660301", verified: true })).status,
    200,
  );
  for (
    const body of [{ phone_number: null, verified: false }, { phone_number: "081266660301", verified: false }]
  ) {
    const res = await api("PUT", `/users/${sub}/phone`, body);
    assert.equal(res.status, 409, JSON.stringify(body));
    assert.equal(res.body.error, "conflict");
    assert.match(res.body.error_description, /only way this user can sign in: give them another way/);
  }
  const [row] = await t.db
    .sql`select phone_number, phone_number_verified from astapa.users where id = ${sub}`;
  assert.deepEqual([row.phone_number, row.phone_number_verified], ["+6281266660301", true]);
  // Once she proves her address with email codes on, the number may go.
  await t.db.sql`update astapa.users set email_verified = true where id = ${sub}`;
  await t.db
    .sql`update astapa.projects set settings = settings || '{"email_codes": true}' where id = ${project.id}`;
  try {
    const removed = await api("PUT", `/users/${sub}/phone`, { phone_number: null, verified: false });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(removed.body.phone_number, null);
  } finally {
    await t.db.sql`update astapa.projects set settings = settings - 'email_codes' where id = ${project.id}`;
  }
});
