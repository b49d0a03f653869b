/** Authorization codes and refresh tokens as SQL: tenant isolation by RLS, and the rules the functions keep. */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { sha256 } from "@/lib/secrets.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const a = await seedProject(db.sql);
const b = await seedProject(db.sql);
const userA = await seedUser(db.sql, a.id);
const codeA = await issueCode(db.sql, a, { userId: userA });
await asApp(
  db.sql,
  a.id,
  async (tx) =>
    tx`select api.redeem_authorization_code(${await sha256(codeA)}, ${a.clientId}, ${a.redirectUri}, null,
                                           ${await sha256("refresh-a")})`,
);

for (const table of ["authorization_codes", "refresh_tokens"]) {
  Deno.test(`${table} — the owning project sees its rows; another project and no project see none`, async () => {
    const count = (project: string | null) =>
      asApp(
        db.sql,
        project,
        async (tx) => (await tx.unsafe(`select count(*)::int as n from astapa.${table}`))[0].n,
      );
    assert.equal(await count(a.id), 1);
    assert.equal(await count(b.id), 0, "even without a where clause");
    assert.equal(await count(null), 0);
  });

  Deno.test(`${table} — another project cannot change or delete them`, async () => {
    const changed = await asApp(db.sql, b.id, async (tx) => {
      const column = table === "refresh_tokens" ? "revoked_at" : "redeemed_at";
      return (await tx.unsafe(`update astapa.${table} set ${column} = now() returning 1`)).length;
    });
    assert.equal(changed, 0);
    await assert.rejects(
      () => asApp(db.sql, a.id, (tx) => tx.unsafe(`delete from astapa.${table}`)),
      /permission denied/,
      "the app role may not delete at all",
    );
  });
}

Deno.test("authorization_codes — a code cannot be issued into another project", async () => {
  await assert.rejects(
    () =>
      asApp(
        db.sql,
        b.id,
        async (tx) =>
          tx`insert into astapa.authorization_codes (project_id, code_hash, client_id, user_id, redirect_uri,
             auth_time, expires_at)
           values (${a.id}, ${await sha256("x")}, ${a.clientId}, ${userA}, ${a.redirectUri}, now(),
             now() + interval '1 minute')`,
      ),
    /row-level security/,
  );
});

Deno.test("api.issue_authorization_code — lifetimes outside 1–600 s raise AS400; the table caps them at 10 min", async () => {
  await assert.rejects(
    () => issueCode(db.sql, a, { userId: userA, ttlSeconds: 601 }),
    (e: { code?: string }) => e.code === "AS400",
  );
  const [row] = rows(
    await db.sql`
    select count(*)::int as n from astapa.authorization_codes where expires_at > created_at + interval '10 minutes'`,
  );
  assert.equal(row.n, 0);
});

Deno.test("api.rotate_refresh_token — unknown tokens raise AS4G0 (invalid_grant)", async () => {
  await assert.rejects(
    () =>
      asApp(
        db.sql,
        a.id,
        async (tx) =>
          tx`select api.rotate_refresh_token(${await sha256("nope")}, ${a.clientId}, ${await sha256(
            "n",
          )}, null)`,
      ),
    (e: { code?: string }) => e.code === "AS4G0",
  );
});

Deno.test("refresh_tokens — found by the lookup id a token carries; the hash indexed only for older tokens (migration 4160)", async () => {
  const indexes = await db.sql`
    select c.relname as name, i.indisunique as unique, pg_catalog.pg_get_indexdef(i.indexrelid) as definition
    from pg_catalog.pg_index i join pg_catalog.pg_class c on c.oid = i.indexrelid
    join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
    where i.indrelid = 'astapa.refresh_tokens'::regclass and a.attname in ('token_hash', 'lookup_id')
    order by c.relname`;
  assert.deepEqual(rows(indexes).map((r) => [r.name, r.unique]), [
    ["refresh_tokens_lookup_id_key", true],
    ["refresh_tokens_token_hash_without_lookup_id_key", true],
  ]);
  assert.match(String(indexes[0].definition), /\(lookup_id\)$/);
  assert.match(String(indexes[1].definition), /\(token_hash\) WHERE \(lookup_id IS NULL\)$/);

  // A redemption's token carries a lookup id; an older one (stored without) is found by its hash.
  const person = await seedUser(db.sql, a.id, "lookup@example.com");
  const grant = await asApp(
    db.sql,
    a.id,
    async (tx) =>
      (await tx`select api.redeem_authorization_code(${await sha256(
        await issueCode(db.sql, a, { userId: person }),
      )},
      ${a.clientId}, ${a.redirectUri}, null, ${await sha256("lookup-new")}) as g`)[0].g,
  );
  const lookupId = grant.refresh_token_id as string;
  assert.match(lookupId, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  const older = await sha256("lookup-old");
  await db
    .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, expires_at)
    values (${a.id}, ${older}, gen_random_uuid(), ${person}, ${a.clientId}, now() + interval '1 day')`;
  const found = (id: string | null, hash: Uint8Array) =>
    asApp(
      db.sql,
      a.id,
      async (tx) =>
        (await tx`select astapa.presented_refresh_token_id(${id}::uuid, ${hash}) as id`)[0].id as
          | string
          | null,
    );
  const [newRow] = await db.sql`select id from astapa.refresh_tokens where lookup_id = ${lookupId}`;
  const [oldRow] = await db.sql`select id from astapa.refresh_tokens where token_hash = ${older}`;
  assert.equal(await found(lookupId, await sha256("lookup-new")), newRow.id);
  assert.equal(await found(null, older), oldRow.id);
  assert.equal(await found(lookupId, older), null, "the lookup id with another secret finds nothing");
  assert.equal(
    await found(null, await sha256("lookup-new")),
    null,
    "a new token's secret alone finds nothing",
  );
  assert.equal(
    await asApp(
      db.sql,
      b.id,
      async (tx) =>
        (await tx`select astapa.presented_refresh_token_id(${lookupId}::uuid, ${await sha256(
          "lookup-new",
        )}) as id`)[0]
          .id,
    ),
    null,
    "another project finds nothing",
  );

  // Not a timing: the plans of the lookups (as the app role, under the policies), the sequential scan priced out.
  const plan = (tx: Tx, query: string, params: unknown[]) =>
    tx.unsafe(`explain ${query}`, params as never[]).then((r) =>
      r.map((row) => row["QUERY PLAN"] as string).join("\n")
    );
  const [byId, byHash] = await asApp(db.sql, a.id, async (tx) => {
    await tx`set local enable_seqscan = off`;
    return [
      await plan(
        tx,
        `select * from astapa.refresh_tokens r where r.lookup_id = $1 and r.token_hash = $2 and r.project_id = '${a.id}'
        for update`,
        [lookupId, await sha256("lookup-new")],
      ),
      await plan(
        tx,
        `select * from astapa.refresh_tokens r where r.lookup_id is null and r.token_hash = $1
          and r.project_id = '${a.id}' for update`,
        [older],
      ),
    ];
  });
  assert.match(byId, /Index Scan using refresh_tokens_lookup_id_key/);
  assert.match(byHash, /Index Scan using refresh_tokens_token_hash_without_lookup_id_key/);

  // An older token's hash cannot be stored again without a lookup id, in this project or another; a lookup id
  // names one token in the deployment.
  const userB = await seedUser(db.sql, b.id);
  for (const [project, owner] of [[a.id, person], [b.id, userB]]) {
    await assert.rejects(
      db.sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id,
        expires_at) values (${project}, ${older}, gen_random_uuid(), ${owner}, 'c', now() + interval '1 day')`,
      (e: { code?: string; constraint_name?: string }) =>
        e.code === "23505" && e.constraint_name === "refresh_tokens_token_hash_without_lookup_id_key",
    );
    await assert.rejects(
      db.sql`insert into astapa.refresh_tokens (project_id, lookup_id, token_hash, family_id, user_id, client_id,
        expires_at) values (${project}, ${lookupId}, ${await sha256(crypto.randomUUID())}, gen_random_uuid(),
        ${owner}, 'c', now() + interval '1 day')`,
      (e: { code?: string; constraint_name?: string }) =>
        e.code === "23505" && e.constraint_name === "refresh_tokens_lookup_id_key",
    );
  }
});

Deno.test("a sign-in's writes leave the project's row unlocked; the user's key still keeps them in a project (migration 4082)", async () => {
  const person = await seedUser(db.sql, a.id, "lock-test@example.com");
  const code = await issueCode(db.sql, a, { userId: person });
  // While a redemption (a new refresh token) and a new code are uncommitted, another session can still lock
  // the project's row outright: nothing holds a KEY SHARE on it (before 4082 each insert's foreign key did, and
  // concurrent sign-ins of one project shared it through a new multixact).
  const locked = await asApp(db.sql, a.id, async (tx) => {
    await tx`select api.redeem_authorization_code(${await sha256(
      code,
    )}, ${a.clientId}, ${a.redirectUri}, null,
                                                  ${await sha256(crypto.randomUUID())})`;
    await tx`select api.issue_authorization_code(${await sha256(
      crypto.randomUUID(),
    )}, ${a.clientId}, ${person},
               ${a.redirectUri}, '', null, null, null, null, now(), 60, '{pwd}', null)`;
    await tx`insert into astapa.consents (project_id, user_id, client_id, resource, scopes)
             values (${a.id}, ${person}, 'dcl_lock_test', 'https://api.example.com', '{read}')`;
    return await db.sql.begin(async (other) =>
      rows(await other`select id from astapa.projects where id = ${a.id} for update nowait`).length
    );
  });
  assert.equal(locked, 1);

  // A token, code or consent for a user that is not the project's own is still refused, by the user's key.
  const userB = await seedUser(db.sql, b.id, "lock-test@example.com");
  const inserts = [
    db.sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, expires_at)
           values (${a.id}, ${await sha256(
      "lock-test",
    )}, gen_random_uuid(), ${userB}, 'c', now() + interval '1 day')`,
    db.sql`insert into astapa.authorization_codes (project_id, code_hash, client_id, user_id, redirect_uri,
           auth_time, expires_at) values ('no_such_project', ${await sha256("lock-test")}, 'c', ${userB},
           'https://x.example/cb', now(), now() + interval '1 minute')`,
    db.sql`insert into astapa.consents (project_id, user_id, client_id, resource, scopes)
           values ('no_such_project', ${userB}, 'dcl_x', 'https://api.example.com', '{read}')`,
  ];
  for (const insert of inserts) {
    await assert.rejects(
      insert,
      (e: { code?: string; constraint_name?: string }) =>
        e.code === "23503" && /_user(_id)?_fkey$/.test(e.constraint_name ?? ""),
    );
  }
});

Deno.test("astapa.new_time_ordered_uuid — a UUID version 7: the time in milliseconds first, random bits after", async () => {
  const before = Date.now();
  const ids = await asApp(
    db.sql,
    a.id,
    async (tx) =>
      (await tx`select astapa.new_time_ordered_uuid()::text as id from generate_series(1, 1000)`).map((r) =>
        r.id as string
      ),
  );
  const after = Date.now();
  assert.equal(new Set(ids).size, 1000);
  for (const id of ids) {
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, id);
    const ms = parseInt(id.replaceAll("-", "").slice(0, 12), 16);
    assert.ok(ms >= before - 1000 && ms <= after + 1000, `${id}: ${ms} outside ${before}..${after}`);
  }
  // Within one millisecond the order is random; across milliseconds it is the clock's.
  const stamps = ids.map((id) => id.slice(0, 13));
  assert.deepEqual(stamps, stamps.toSorted());
  // A redemption starts its family with one.
  const [{ family }] = await db.sql`select family_id::text as family from astapa.refresh_tokens
    where project_id = ${a.id} and parent_id is null order by id limit 1`;
  assert.match(family, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
});

Deno.test("astapa.pkce_s256 — matches RFC 7636 appendix B", async () => {
  const [row] = await db
    .sql`select astapa.pkce_s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk') as challenge`;
  assert.equal(row.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
});

Deno.test("astapa.token_policy — per-project lifetimes, clamped to sane bounds", async () => {
  const policy = async (settings: Record<string, unknown>) => {
    const p = await seedProject(db.sql, { settings });
    return await asApp(
      db.sql,
      p.id,
      async (tx) => ({ ...(await tx`select * from astapa.token_policy()`)[0] }),
    );
  };
  assert.deepEqual(await policy({}), { access_ttl: 3600, refresh_ttl: 2592000, refresh_grace: 10 });
  assert.deepEqual(
    await policy({ access_token_ttl: 900, refresh_token_ttl: 86400, refresh_grace_seconds: 5 }),
    {
      access_ttl: 900,
      refresh_ttl: 86400,
      refresh_grace: 5,
    },
  );
  assert.deepEqual(await policy({ access_token_ttl: 5, refresh_token_ttl: 1, refresh_grace_seconds: 9999 }), {
    access_ttl: 300,
    refresh_ttl: 3600,
    refresh_grace: 60,
  });
  assert.deepEqual(
    await policy({ access_token_ttl: "soon", refresh_token_ttl: null, refresh_grace_seconds: [1] }),
    {
      access_ttl: 3600,
      refresh_ttl: 2592000,
      refresh_grace: 10,
    },
    "junk settings fall back to defaults",
  );
});
