/**
 * The client caches across three Astapa processes on one Postgres (issue 24, docs/performance.md): each instance
 * answers a known client_credentials request, a known client's other grants' authentication, and the hosted
 * login's client (sign-in, sign-out, verification and account pages) from memory; a rotated, disabled or
 * deleted client, a settings change, a lockout counted on another instance, a removed redirect URI, a renamed
 * project or a withdrawn resource reaches every instance through NOTIFY. The
 * cache's maximum age is an hour here, so only the notices can make these pass; each check waits for its
 * condition on every instance (the documented window), never for a fixed time. Before a test caches what it
 * then changes behind the caches' back, every instance has heard every change made so far (`settled`): a
 * notice of the seeding heard late would empty a cache the test relies on.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { deleteMachineClient, rotateMachineClientSecret, updateMachineClient } from "@/db/machine_clients.ts";
import { startServer } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";
import { waitFor } from "../helpers/wait.ts";
import { addResource, removeResource } from "@/db/resources.ts";
import { parsePrometheus, total } from "../helpers/prometheus.ts";

const db = await testDatabase();
const env = {
  DATABASE_URL: db.url,
  ASTAPA_MASTER_KEY: TEST_MASTER_KEY,
  ASTAPA_CLIENT_CACHE_SECONDS: "3600",
  // A test may come from its own address (X-Forwarded-For), clear of the failures other tests count.
  ASTAPA_TRUST_PROXY: "1",
  ASTAPA_METRICS: "1",
};
const servers = await Promise.all([startServer(env), startServer(env), startServer(env)]);

Deno.test.afterAll(async () => {
  for (const server of servers) assert.equal(await server.stop(), 0);
  await db.close();
});

type Credentials = { clientId: string; secret: string; address?: string };

async function token(origin: string, client: Credentials, params: Record<string, string> = {}) {
  const res = await fetch(`${origin}/api/platform/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: basic(client.clientId, client.secret),
      ...(client.address ? { "x-forwarded-for": client.address } : {}),
    },
    body: new URLSearchParams({ grant_type: "client_credentials", ...params }),
  });
  return { status: res.status, body: await res.json() };
}

/**
 * Waits until every instance has heard the latest client change (notices arrive in commit order, so each has
 * then dropped its cache for every change so far and no earlier notice can empty it later).
 */
async function settled() {
  const [{ latest }] = await db
    .sql`select coalesce(max(seq), 0)::integer as latest from astapa.client_changes`;
  await Promise.all(servers.map((server) =>
    waitFor(async () => {
      const families = await parsePrometheus(await (await fetch(`${server.url}/metrics`)).text());
      return total(families, "astapa_client_cache_heard_change") >= latest;
    }, `change ${latest} heard on ${server.url}`)
  ));
}

/** Every instance answers 200 (and so has the client cached), after every change so far reached it. */
async function cachedEverywhere(client: Credentials, params: Record<string, string> = {}) {
  await settled();
  for (const server of servers) {
    const answer = await token(server.url, client, params);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  }
}

/** Waits until every instance gives `status` (each is asked until it does, then left alone). */
async function untilEvery(
  client: Credentials,
  status: number,
  what: string,
  params: Record<string, string> = {},
) {
  return await Promise.all(servers.map((server) =>
    waitFor(async () => {
      const answer = await token(server.url, client, params);
      return answer.status === status && answer.body;
    }, `${what} on ${server.url}`)
  ));
}

Deno.test("client cache — answers from memory; a rotated secret stops on every instance", async () => {
  const project = await seedProject(db.sql);
  const agent = await seedMachineClient(db.sql, project.id);
  await cachedEverywhere(agent);
  // Behind the caches' back (triggers off: no notice), the stored secret changes: every instance still answers
  // from memory, which shows the cache is what serves.
  await db.sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`update astapa.machine_clients set secret_hash = sha256('not the secret')
             where client_id = ${agent.clientId}`;
  });
  await cachedEverywhere(agent);

  const rotated = await asApp(db.sql, project.id, (tx) => rotateMachineClientSecret(tx, agent.clientId));
  const refused = await untilEvery(agent, 401, "the old secret refused");
  for (const body of refused) assert.equal(body.error, "invalid_client");
  await cachedEverywhere({ clientId: agent.clientId, secret: rotated.client_secret });
});

Deno.test("client cache — a disabled client stops on every instance", async () => {
  const project = await seedProject(db.sql);
  const agent = await seedMachineClient(db.sql, project.id);
  await cachedEverywhere(agent);
  await asApp(db.sql, project.id, (tx) => updateMachineClient(tx, agent.clientId, { enabled: false }));
  for (const body of await untilEvery(agent, 401, "the disabled client refused")) {
    assert.match(body.error_description, /disabled/);
  }
});

Deno.test("client cache — a deleted client stops on every instance", async () => {
  const project = await seedProject(db.sql);
  const agent = await seedMachineClient(db.sql, project.id);
  await cachedEverywhere(agent);
  await asApp(db.sql, project.id, (tx) => deleteMachineClient(tx, agent.clientId));
  for (const body of await untilEvery(agent, 401, "the deleted client refused")) {
    assert.equal(body.error, "invalid_client");
  }
});

Deno.test("client cache — a settings change reaches every instance's cached grant", async () => {
  const project = await seedProject(db.sql, { settings: { client_credentials_scopes: ["reports:read"] } });
  const client = { clientId: project.clientId, secret: project.secret };
  await cachedEverywhere(client, { scope: "reports:read" });
  await db
    .sql`update astapa.projects set settings = '{"client_credentials_scopes": []}' where id = ${project.id}`;
  for (
    const body of await untilEvery(client, 400, "the withdrawn scope refused", { scope: "reports:read" })
  ) {
    assert.equal(body.error, "invalid_scope");
  }
});

Deno.test("client cache — a grant that writes runs alone for cached credentials; a rotated secret stops it everywhere", async () => {
  const project = await seedProject(db.sql, { settings: { client_credentials_scopes: ["reports:read"] } });
  // Other tests' refused secrets leave 127.0.0.1's bucket failing, which the cache leaves to Postgres.
  const client = { clientId: project.clientId, secret: project.secret, address: "192.0.2.77" };
  await cachedEverywhere(client, { scope: "reports:read" });
  const refresh = { grant_type: "refresh_token", refresh_token: "not-a-token-of-this-project" };
  // Behind the caches' back the secret changes: the refresh grant still authenticates from memory on every
  // instance and reaches the rotation in Postgres, which refuses the token (invalid_grant, not invalid_client).
  await db.sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`update astapa.projects set client_secret_hash = sha256('not the secret') where id = ${project.id}`;
  });
  for (const server of servers) {
    const answer = await token(server.url, client, refresh);
    assert.deepEqual([answer.status, answer.body.error], [400, "invalid_grant"]);
  }
  await db
    .sql`update astapa.projects set client_secret_hash = sha256('the next secret') where id = ${project.id}`;
  for (const body of await untilEvery(client, 401, "the old secret refused", refresh)) {
    assert.equal(body.error, "invalid_client");
  }
});

Deno.test("client cache — failures counted on one instance lock the right secret out on all of them", async () => {
  const project = await seedProject(db.sql);
  const agent = await seedMachineClient(db.sql, project.id);
  await cachedEverywhere(agent);
  for (let i = 0; i < 10; i++) {
    assert.equal((await token(servers[0].url, { ...agent, secret: "wrong" })).status, 401);
  }
  assert.equal((await token(servers[0].url, agent)).status, 429, "the instance that counted them, at once");
  await untilEvery(agent, 429, "the locked pair waiting");
});

type Project = Awaited<ReturnType<typeof seedProject>>;

/** The hosted login's first page for this project's client, as each instance answers it. */
async function signInPage(origin: string, project: Project, params: Record<string, string> = {}) {
  const query = new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    response_type: "code",
    state: "s1",
    ...params,
  });
  const res = await fetch(`${origin}/auth/login?${query}`, { redirect: "manual" });
  return { status: res.status, location: res.headers.get("location"), body: await res.text() };
}

/** Waits until every instance's sign-in page passes `check`; returns their answers. */
function untilEveryPage(
  project: Project,
  check: (page: Awaited<ReturnType<typeof signInPage>>) => boolean,
  what: string,
  params: Record<string, string> = {},
) {
  return Promise.all(servers.map((server) =>
    waitFor(async () => {
      const page = await signInPage(server.url, project, params);
      return check(page) && page;
    }, `${what} on ${server.url}`)
  ));
}

Deno.test("login client cache — answered from memory; a removed redirect URI stops on every instance", async () => {
  const project = await seedProject(db.sql);
  await settled();
  for (const server of servers) assert.equal((await signInPage(server.url, project)).status, 200);
  // Behind the caches' back (no notice), the redirect URI goes: every instance still shows the page from memory.
  await db.sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`update astapa.projects set redirect_uris = '{}' where id = ${project.id}`;
  });
  for (const server of servers) assert.equal((await signInPage(server.url, project)).status, 200);

  await db.sql`update astapa.projects set redirect_uris = '{https://elsewhere.example/cb}'
               where id = ${project.id}`;
  for (const page of await untilEveryPage(project, (page) => page.status === 400, "the old URI refused")) {
    assert.match(page.body, /redirect_uri/);
    assert.equal(page.location, null, "never redirected to a URI that is no longer registered");
  }
});

Deno.test("login client cache — a renamed project shows its new name on every instance", async () => {
  const project = await seedProject(db.sql, { name: "Warung Lama" });
  for (const server of servers) assert.match((await signInPage(server.url, project)).body, /Warung Lama/);
  await db.sql`update astapa.projects set name = 'Warung Baru' where id = ${project.id}`;
  await untilEveryPage(project, (page) => page.body.includes("Warung Baru"), "the new name");
});

Deno.test("login client cache — a withdrawn resource is invalid_target on every instance", async () => {
  const project = await seedProject(db.sql);
  const resource = `https://mcp-${project.id.slice(5)}.example/mcp`;
  await asApp(db.sql, project.id, (tx) => addResource(tx, resource));
  for (const server of servers) {
    assert.equal((await signInPage(server.url, project, { resource })).status, 200);
  }
  await asApp(db.sql, project.id, (tx) => removeResource(tx, resource));
  for (
    const page of await untilEveryPage(
      project,
      (page) => page.status === 303,
      "the resource refused",
      { resource },
    )
  ) {
    const back = new URL(page.location!);
    assert.equal(back.origin + back.pathname, project.redirectUri);
    assert.equal(back.searchParams.get("error"), "invalid_target");
    assert.equal(back.searchParams.get("state"), "s1");
  }
});

Deno.test("login client cache — the sign-out, verification and account pages answer from it too", async () => {
  const project = await seedProject(db.sql, { name: "Kedai Lama" });
  await settled();
  const page = async (origin: string, path: string) => {
    const res = await fetch(`${origin}${path}`, { redirect: "manual" });
    return { status: res.status, body: await res.text() };
  };
  const signOut = `/auth/logout?client_id=${project.clientId}&lang=en`;
  const verified = `/auth/verify?client_id=${project.clientId}&confirmed=1&lang=en`;
  const account = `/account?${new URLSearchParams({
    client_id: project.clientId,
    return_to: project.redirectUri,
  })}`;
  const shows = async (origin: string, name: string) => {
    const [out, done, acct] = await Promise.all(
      [signOut, verified, account].map((path) => page(origin, path)),
    );
    return out.body.includes(name) && done.body.includes(name) && acct.status === 303;
  };
  for (const server of servers) assert.ok(await shows(server.url, "Kedai Lama"), server.url);
  // Behind the caches' back (no notice): every instance still answers from memory.
  await db.sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`update astapa.projects set name = 'Kedai Baru', redirect_uris = '{}' where id = ${project.id}`;
  });
  for (const server of servers) assert.ok(await shows(server.url, "Kedai Lama"), server.url);

  await db
    .sql`update astapa.projects set name = 'Kedai Sejahtera', redirect_uris = '{https://elsewhere.example/cb}'
               where id = ${project.id}`;
  await Promise.all(servers.map((server) =>
    waitFor(async () => {
      const [out, done, acct] = await Promise.all(
        [signOut, verified, account].map((path) => page(server.url, path)),
      );
      return out.body.includes("Kedai Sejahtera") && done.body.includes("Kedai Sejahtera") &&
        acct.status === 400 && /return_to/.test(acct.body);
    }, `the new name and the removed return_to on ${server.url}`)
  ));
});
