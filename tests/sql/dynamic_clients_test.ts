/** SQL tests for dynamic clients and resource-bound grants (db/api/clients.sql, db/api/tokens.sql). */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { newRefreshSecret } from "@/lib/tokens/refresh_tokens.ts";
import { pkcePair } from "../helpers/oauth.ts";
import { sha256 } from "@/lib/secrets.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const a = await seedProject(db.sql, { name: "A", settings: { dynamic_clients: true } });
const b = await seedProject(db.sql, { name: "B" });
await seedRegistry(db.sql, a.id, { resources: ["https://mcp.a.example/mcp"], scopes: ["notes:read"] });
// Codes name notes:read, which each project must declare (db/api/tokens.sql).
await seedRegistry(db.sql, b.id, { resources: ["https://mcp.b.example"], scopes: ["notes:read"] });
const userA = await seedUser(db.sql, a.id, "ayu@example.com");
const userB = await seedUser(db.sql, b.id, "budi@example.com");

const digest = (secret: string) => sha256(secret);
const CLIENT = {
  client_name: "Agent",
  redirect_uris: ["http://127.0.0.1:9000/cb"],
  grant_types: ["authorization_code", "refresh_token"],
  token_endpoint_auth_method: "none",
  metadata: { software_id: "agent-1" },
};

type Registered = Record<string, unknown> & { client_id: string };

function register(client: unknown, secretHash: Uint8Array | null = null, address = "10.0.0.1", max = 5) {
  return asApp(
    db.sql,
    null,
    async (tx) =>
      (await tx`select api.register_dynamic_client(${
        tx.json(client as never)
      }, ${secretHash}, ${address}, ${max})
                as r`)[0].r as Registered,
  );
}

const publicClient = await register(CLIENT, null, "10.9.9.9");
const secret = "acs_confidential";
const confidential = await register(
  { ...CLIENT, token_endpoint_auth_method: "client_secret_post" },
  await digest(secret),
  "10.9.9.9",
);

Deno.test("api.register_dynamic_client — stores and echoes the metadata; the address's hourly allowance", async () => {
  const first = await register(CLIENT, null, "10.0.0.2", 2);
  assert.match(first.client_id, /^dcl_[a-z2-7]{24}$/);
  assert.equal(typeof first.client_id_issued_at, "number");
  const { client_id: _, client_id_issued_at: __, ...echoed } = first;
  assert.deepEqual(echoed, {
    client_name: "Agent",
    redirect_uris: ["http://127.0.0.1:9000/cb"],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
    software_id: "agent-1",
  });
  const defaults = await register(
    { redirect_uris: ["https://agent.example/cb"] },
    await digest("s"),
    "10.0.0.2",
    2,
  );
  assert.deepEqual(defaults.grant_types, ["authorization_code"]);
  assert.equal(defaults.token_endpoint_auth_method, "client_secret_basic");
  const refused = await register(CLIENT, null, "10.0.0.2", 2);
  assert.ok((refused.wait as number) > 0, "the third from one address waits");
  assert.ok(!("client_id" in refused));
  assert.match(
    (await register(CLIENT, null, "10.0.0.3", 2)).client_id,
    /^dcl_/,
    "other addresses are not affected",
  );
});

Deno.test("api.register_dynamic_client — malformed or disallowed clients are refused", async () => {
  for (
    const bad of [null, [], { redirect_uris: "x" }, { ...CLIENT, grant_types: "x" }, {
      ...CLIENT,
      metadata: [],
    }]
  ) {
    await rejectsAs(register(bad), "validation_failed", /client must be an object/);
  }
  const cases: [Record<string, unknown>, Uint8Array | null][] = [
    [{ ...CLIENT, redirect_uris: ["http://agent.example/cb"] }, null],
    [{ ...CLIENT, redirect_uris: ["https://agent.example/cb#x"] }, null],
    [{ ...CLIENT, redirect_uris: [] }, null],
    [{ ...CLIENT, grant_types: ["client_credentials"] }, null],
    [{ ...CLIENT, grant_types: ["refresh_token"] }, null],
    [{ ...CLIENT, token_endpoint_auth_method: "private_key_jwt" }, null],
    [CLIENT, await digest("a public client has no secret")],
    [{ ...CLIENT, token_endpoint_auth_method: "client_secret_basic" }, null],
    [{ ...CLIENT, client_name: "x".repeat(101) }, null],
  ];
  for (const [client, secretHash] of cases) {
    await rejectsAs(register(client, secretHash, "10.0.0.4", 100), "validation_failed");
  }
});

Deno.test("api.dynamic_client — the metadata or null; the app role never reads a secret hash", async () => {
  const found = await appValue<Registered>(
    db.sql,
    null,
    (tx) => tx`select api.dynamic_client(${confidential.client_id})`,
  );
  assert.equal(found.token_endpoint_auth_method, "client_secret_post");
  assert.ok(!("secret_hash" in found) && !("client_id_issued_at" in found));
  assert.equal(await appValue(db.sql, null, (tx) => tx`select api.dynamic_client('dcl_unknown')`), null);
  assert.equal(
    (await appValue<Registered>(
      db.sql,
      b.id,
      (tx) => tx`select api.dynamic_client(${publicClient.client_id})`,
    ))
      .client_id,
    publicClient.client_id,
    "deployment-wide: any project's transaction sees the same client",
  );
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select secret_hash from astapa.dynamic_clients`),
    "forbidden",
  );
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`update astapa.dynamic_clients set client_name = 'x'`),
    "forbidden",
  );
  await rejectsAs(asApp(db.sql, null, (tx) => tx`delete from astapa.dynamic_clients`), "forbidden");
});

Deno.test("api.store_dynamic_client_jwks — replaces a jwks_uri client's keys, stamped; nothing else, public keys only", async () => {
  const key = { kty: "EC", crv: "P-256", x: "x1", y: "y1", kid: "one" };
  const keyed = (metadata: Record<string, unknown>) =>
    register(
      {
        ...CLIENT,
        token_endpoint_auth_method: "private_key_jwt",
        metadata: { ...CLIENT.metadata, ...metadata },
      },
      null,
      "10.0.0.40",
      50,
    );
  const byUri = await keyed({ jwks: { keys: [key] }, jwks_uri: "https://agent.example/jwks" });
  const inline = await keyed({ jwks: { keys: [key] } });
  assert.ok(typeof byUri.jwks_fetched_at === "string", "registration stamps keys fetched from a jwks_uri");
  assert.equal(inline.jwks_fetched_at, undefined);
  const store = (clientId: string, jwks: unknown, project: string | null = null) =>
    appValue<boolean>(
      db.sql,
      project,
      (tx) => tx`select api.store_dynamic_client_jwks(${clientId}, ${tx.json(jwks as never)})`,
    );
  const rotated = { keys: [{ ...key, kid: "two", x: "x2" }] };
  assert.equal(await store(byUri.client_id, rotated), true);
  const after = await appValue<Record<string, unknown>>(
    db.sql,
    null,
    (tx) => tx`select api.dynamic_client(${byUri.client_id})`,
  );
  assert.deepEqual(after.jwks, rotated);
  assert.ok(String(after.jwks_fetched_at) >= String(byUri.jwks_fetched_at));
  assert.equal(after.software_id, "agent-1", "the rest of the metadata is kept");
  assert.equal(await store(inline.client_id, rotated), false, "keys registered inline are not replaced");
  assert.equal(await store("dcl_aaaaaaaaaaaaaaaaaaaaaaaa", rotated), false);
  await rejectsAs(store(byUri.client_id, { keys: [{ ...key, d: "secret" }] }), "validation_failed");
  await rejectsAs(store(byUri.client_id, { keys: [] }), "validation_failed");
  await rejectsAs(store(byUri.client_id, rotated, a.id), "forbidden");
});

Deno.test("api.verify_dynamic_client — id and secret hash match, or false", async () => {
  const verify = async (clientId: string, value: string) =>
    await appValue(
      db.sql,
      null,
      async (tx) => tx`select api.verify_dynamic_client(${clientId}, ${await digest(value)})`,
    );
  assert.equal(await verify(confidential.client_id, secret), true);
  assert.equal(await verify(confidential.client_id, "acs_wrong"), false);
  assert.equal(await verify(publicClient.client_id, secret), false, "a public client has no secret to match");
  assert.equal(await verify("dcl_unknown", secret), false);
  await rejectsAs(
    asApp(
      db.sql,
      null,
      (tx) => tx`select api.verify_dynamic_client(${confidential.client_id}, '\\x01'::bytea)`,
    ),
    "validation_failed",
  );
});

Deno.test("api.authenticate_dynamic_client — the shared lockout: wait first, a wrong secret counts in every bucket", async () => {
  const buckets = [
    { name: "t:dcl:client", max: 2, window_seconds: 60 },
    { name: "t:dcl:address", max: 3, window_seconds: 60 },
  ];
  const attempt = async (value: string) =>
    await appValue<Record<string, unknown>>(
      db.sql,
      null,
      async (tx) =>
        tx`select api.authenticate_dynamic_client(${confidential.client_id}, ${await digest(value)}, ${
          tx.json(buckets)
        })`,
    );
  const hits = async (bucket: string) =>
    (await db.sql`select hits from astapa.rate_limits where bucket = ${bucket}`)[0]?.hits ?? 0;
  assert.deepEqual(await attempt(secret), { verified: true });
  assert.equal(await hits("t:dcl:client"), 0, "a right secret counts nothing");
  assert.deepEqual(await attempt("acs_wrong"), { verified: false });
  assert.deepEqual(await attempt("acs_wrong"), { verified: false });
  assert.deepEqual([await hits("t:dcl:client"), await hits("t:dcl:address")], [2, 2]);
  const locked = await attempt(secret);
  assert.ok(typeof locked.wait === "number" && locked.wait > 0, JSON.stringify(locked));
  assert.equal(await hits("t:dcl:client"), 2, "a locked attempt is not counted again");
  await rejectsAs(
    asApp(
      db.sql,
      null,
      (tx) => tx`select api.authenticate_dynamic_client('dcl_x', ${new Uint8Array(32)}, '{}')`,
    ),
    "validation_failed",
  );
});

Deno.test("api.resource_owner — the project owning a resource, its switch and scopes; refused once a project is set", async () => {
  const owner = await appValue<Record<string, unknown>>(
    db.sql,
    null,
    (tx) => tx`select api.resource_owner('https://mcp.a.example/mcp')`,
  );
  assert.deepEqual(
    { ...owner, settings: undefined },
    {
      project_id: a.id,
      name: "A",
      mode: "sandbox",
      settings: undefined,
      resource: "https://mcp.a.example/mcp",
      resource_name: "",
      dynamic_clients: true,
      scopes: ["notes:read"],
    },
  );
  const closed = await appValue<Record<string, unknown>>(
    db.sql,
    null,
    (tx) => tx`select api.resource_owner('https://mcp.b.example')`,
  );
  assert.equal(closed.project_id, b.id);
  assert.equal(closed.dynamic_clients, false, "off unless the project turns it on");
  for (const unknown of ["https://nobody.example", "https://mcp.b.example/", "not a uri", ""]) {
    assert.equal(
      await appValue(db.sql, null, (tx) => tx`select api.resource_owner(${unknown})`),
      null,
      unknown,
    );
  }
  const after = await asApp(db.sql, null, async (tx) => {
    await tx`select api.resource_owner('https://mcp.a.example/mcp')`;
    const [row] = await tx`select astapa.current_project_id() as project,
                                  current_setting('astapa.lookup_resource', true) as lookup`;
    return { ...row };
  });
  assert.deepEqual(after, { project: null, lookup: "" }, "it lets go of the project and the lookup");
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.resource_owner('https://mcp.b.example')`),
    "forbidden",
    /before a project is chosen/,
  );
});

Deno.test('policy "definer functions find the resource a lookup names" — the owner role only, one resource', async () => {
  const seen = (role: string, project: string) =>
    db.sql.begin(async (tx) => {
      await tx`select set_config('role', ${role}, true), set_config('astapa.project_id', ${project}, true),
                      set_config('astapa.lookup_resource', 'https://mcp.b.example', true)`;
      return rows(await tx`select uri from astapa.resources order by uri`).map((r) => r.uri);
    });
  assert.deepEqual(
    await seen("astapa_owner", ""),
    ["https://mcp.b.example"],
    "no project: the named one only",
  );
  assert.deepEqual(await seen("astapa_owner", a.id), ["https://mcp.a.example/mcp", "https://mcp.b.example"]);
  assert.deepEqual(await seen("astapa_owner", b.id), ["https://mcp.b.example"]);
  assert.deepEqual(await seen("astapa_app", ""), [], "the app role gains nothing by setting the lookup");
  assert.deepEqual(await seen("astapa_app", a.id), ["https://mcp.a.example/mcp"]);
  assert.deepEqual(await seen("astapa_app", b.id), ["https://mcp.b.example"]);
});

Deno.test("astapa.assert_dynamic_client_allowed — dynamic clients need the project's switch; others pass", async () => {
  const check = (project: string, clientId: string) =>
    asApp(db.sql, project, (tx) => tx`select astapa.assert_dynamic_client_allowed(${clientId})`);
  await check(a.id, publicClient.client_id);
  await check(b.id, b.clientId);
  await rejectsAs(check(b.id, publicClient.client_id), "unauthorized_client", /does not accept/);
  await rejectsAs(check("", publicClient.client_id), "unauthorized_client");
});

Deno.test("astapa.client_kind_allowed — the one rule: dcl_ needs dynamic_clients, a URL client_metadata_documents", async () => {
  const allowed = (clientId: string, settings: Record<string, unknown> | null) =>
    appValue<boolean>(
      db.sql,
      null,
      (tx) =>
        tx`select astapa.client_kind_allowed(${clientId}, ${
          settings && JSON.stringify(settings)
        }::text::jsonb)`,
    );
  const url = "https://agent.example/client.json";
  const cases: [string, Record<string, unknown> | null, boolean][] = [
    ["dcl_abc", null, false],
    ["dcl_abc", {}, false],
    ["dcl_abc", { dynamic_clients: "true" }, false],
    ["dcl_abc", { dynamic_clients: true }, true],
    ["dcl_abc", { client_metadata_documents: true }, false],
    [url, { dynamic_clients: true }, false],
    [url, { client_metadata_documents: true }, true],
    ["http://localhost:3000/client.json", {}, false],
    [b.clientId, null, true],
  ];
  for (const [clientId, settings, expected] of cases) {
    assert.equal(await allowed(clientId, settings), expected, `${clientId} ${JSON.stringify(settings)}`);
  }
  // Both forms of the check and the boolean apply it: with settings given, and with the project's own.
  const assertWith = (clientId: string, settings: Record<string, unknown>) =>
    asApp(
      db.sql,
      null,
      (tx) =>
        tx`select astapa.assert_dynamic_client_allowed(${clientId}, ${
          JSON.stringify(settings)
        }::text::jsonb)`,
    );
  await assertWith("dcl_abc", { dynamic_clients: true });
  await rejectsAs(assertWith("dcl_abc", {}), "unauthorized_client", /dynamically registered/);
  await rejectsAs(assertWith(url, {}), "unauthorized_client", /metadata document URL/);
  const kindAllowed = (project: string, clientId: string) =>
    appValue<boolean>(db.sql, project, (tx) => tx`select astapa.dynamic_client_allowed(${clientId})`);
  assert.equal(await kindAllowed(a.id, publicClient.client_id), true);
  assert.equal(await kindAllowed(b.id, publicClient.client_id), false);
  assert.equal(await kindAllowed(b.id, b.clientId), true);
  assert.equal(await kindAllowed("", publicClient.client_id), false, "no project accepts no dynamic client");
  assert.equal(await kindAllowed("", b.clientId), true);
});

async function issue(
  project: string,
  userId: string,
  clientId: string,
  resource: string | null,
  challenge?: string,
) {
  const code = crypto.randomUUID();
  await asApp(
    db.sql,
    project,
    async (tx) =>
      tx`select api.issue_authorization_code(${await digest(
        code,
      )}, ${clientId}, ${userId}, 'http://127.0.0.1:9000/cb',
      'notes:read', ${resource}, ${challenge ?? null}, ${challenge ? "S256" : null}, null, now(), 60)`,
  );
  return code;
}

async function redeem(
  project: string,
  code: string,
  clientId: string,
  verifier: string | null,
  resource?: string,
) {
  const refresh = newRefreshSecret();
  const result = await appValue<Record<string, unknown>>(
    db.sql,
    project,
    async (tx) =>
      tx`select api.redeem_authorization_code(${await digest(code)}, ${clientId}, 'http://127.0.0.1:9000/cb',
                                             ${verifier}, ${await digest(refresh)}, ${resource ?? null})`,
  );
  return { result, refresh };
}

Deno.test("api.redeem_authorization_code — the resource must be the authorized one; dynamic clients need PKCE and the switch", async () => {
  const pkce = await pkcePair();
  const RESOURCE = "https://mcp.a.example/mcp";
  const code = await issue(a.id, userA, publicClient.client_id, RESOURCE, pkce.challenge);
  await rejectsAs(
    redeem(a.id, code, publicClient.client_id, pkce.verifier, "https://mcp.b.example"),
    "invalid_target",
    /differs from the one the authorization request named/,
  );
  const { result } = await redeem(a.id, code, publicClient.client_id, pkce.verifier, RESOURCE);
  assert.equal(result.resource, RESOURCE);
  assert.equal(result.project_id, a.id);

  const unnamed = await issue(a.id, userA, a.clientId, null);
  await rejectsAs(redeem(a.id, unnamed, a.clientId, null, RESOURCE), "invalid_target", /differs/);
  assert.equal(
    (await redeem(a.id, unnamed, a.clientId, null)).result.sub,
    userA,
    "no resource asked: none checked",
  );

  const withoutPkce = await issue(a.id, userA, publicClient.client_id, RESOURCE);
  await rejectsAs(redeem(a.id, withoutPkce, publicClient.client_id, null, RESOURCE), "invalid_grant", /PKCE/);

  const inB = await issue(b.id, userB, publicClient.client_id, "https://mcp.b.example", pkce.challenge);
  await rejectsAs(
    redeem(b.id, inB, publicClient.client_id, pkce.verifier, "https://mcp.b.example"),
    "unauthorized_client",
    /does not accept dynamically registered clients/,
  );
  await rejectsAs(redeem(a.id, inB, publicClient.client_id, pkce.verifier), "invalid_grant", /unknown/);
});

Deno.test("api.rotate_refresh_token — keeps the resource; naming another is invalid_target", async () => {
  const pkce = await pkcePair();
  const RESOURCE = "https://mcp.a.example/mcp";
  const code = await issue(a.id, userA, publicClient.client_id, RESOURCE, pkce.challenge);
  const { result, refresh } = await redeem(a.id, code, publicClient.client_id, pkce.verifier, RESOURCE);
  const rotate = (resource: string | null, project = a.id) =>
    appValue<Record<string, unknown>>(
      db.sql,
      project,
      async (tx) =>
        tx`select api.rotate_refresh_token(${await digest(refresh)}, ${publicClient.client_id},
                                           ${await digest(newRefreshSecret())}, null, ${resource},
                                           ${result.refresh_token_id as string})`,
    );
  await rejectsAs(
    rotate("https://mcp.b.example"),
    "invalid_target",
    /differs from the one this refresh token/,
  );
  await rejectsAs(rotate(RESOURCE, b.id), "unauthorized_client");
  const rotated = await rotate(RESOURCE);
  assert.equal(rotated.resource, RESOURCE);
});
