/**
 * Authorization matrix, generated from the route table (issue 17): every /api and /scim route and method the
 * router registers, called with every kind of credential, must answer what its `callers` declaration says — and a
 * refused call changes nothing in the database. A route added later is in the matrix without anyone
 * remembering; one that declares no callers stops the router (tested at the end).
 *
 * One database for the whole matrix: the credentials are made once, the target project's objects are named in
 * paths, and the project's own client goes last on each route (its calls may change what it owns).
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { asApp } from "@/db/client.ts";
import { createPlan } from "@/db/plans.ts";
import { updateMachineClient } from "@/db/machine_clients.ts";
import type { AppEnv } from "@/lib/app_env.ts";
import { ROUTES_DIR } from "@/lib/app.ts";
import type { Caller, ClientKind } from "@/lib/router/callers.ts";
import { type DeclaredRoute, registerRoutes } from "@/lib/router/routes.ts";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, inviteDeveloper, signInDeveloper } from "../helpers/dashboard.ts";
import { takeLive } from "../helpers/live_keys.ts";
import { seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";
import { basic, seedProject, seedUser } from "../helpers/oauth.ts";
import { changeLog } from "../helpers/change_log.ts";
import { enableScimDirectory } from "@/db/scim.ts";
import { newScimToken } from "@/lib/scim/caller.ts";
import { sha256 } from "@/lib/secrets.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const changes = await changeLog(sql);

// The project under attack (live), another live project, and a sandbox project.
const target = await seedProject(sql, { name: "Target", settings: { dynamic_clients: true } });
const RESOURCE = "https://target.example/mcp";
await seedRegistry(sql, target.id, { resources: [RESOURCE], scopes: ["notes:read", "victim:scope"] });
await takeLive(sql, target.id);
const other = await seedProject(sql, { name: "Other" });
await takeLive(sql, other.id);
const sandbox = await seedProject(sql, { name: "Sandbox" });
const machine = await seedMachineClient(sql, target.id, { scopes: ["notes:read"], resources: [RESOURCE] });
const disabled = await seedMachineClient(sql, target.id);
await asApp(sql, target.id, (tx) => updateMachineClient(tx, disabled.clientId, { enabled: false }));
// Objects the paths name: a second machine client, a plan, a user.
const victimClient = await seedMachineClient(sql, target.id);
await asApp(
  sql,
  target.id,
  (tx) => createPlan(tx, target.id, { key: "victim", name: "Victim", price_idr: 1000 }),
);
const victimUser = await seedUser(sql, target.id, "victim@example.com");
// SCIM directory tokens (docs/scim.md): the target's organization's, and another project's organization's.
async function scimDirectory(projectId: string, slug: string) {
  const token = newScimToken();
  const directory = await asApp(sql, projectId, async (tx) => {
    const org = await tx`select api.create_organization(${slug}, ${slug}, null) ->> 'id' as id`;
    return await enableScimDirectory(tx, org[0].id, await sha256(token));
  });
  return { id: directory.id, token };
}
const targetScim = await scimDirectory(target.id, "victim-org");
const otherScim = await scimDirectory(other.id, "other-org");

async function registerClient(method: "none" | "client_secret_basic") {
  const res = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: `Agent (${method})`,
      redirect_uris: ["http://127.0.0.1:8976/callback"],
      token_endpoint_auth_method: method,
    }),
  });
  assert.equal(res.status, 201);
  return await res.json() as { client_id: string; client_secret?: string };
}
const publicDcl = await registerClient("none");
const confidentialDcl = await registerClient("client_secret_basic");

// Dashboard sessions: the deployment's first developer owns it, so a bystander signs in first.
await signInDeveloper(t, "deployment-owner@example.com");
await inviteDeveloper(t, "outsider@example.com");
await inviteDeveloper(t, "viewer@example.com");
const outsider = await signInDeveloper(t, "outsider@example.com");
await addDeveloperTo(t, other.id, outsider.accountId, "owner");
const viewer = await signInDeveloper(t, "viewer@example.com");
await addDeveloperTo(t, target.id, viewer.accountId, "viewer");

/** How a credential is presented: HTTP Basic, client_id in the body (public clients), a cookie, or a Bearer token. */
type Credential = { basic?: [string, string]; bodyClientId?: string; cookie?: string; bearer?: string };
type Kind = {
  name: string;
  credential: Credential;
  /** The client kind it authenticates as, when it does; null: it authenticates as no client. */
  client: ClientKind | null;
  /** Its project is not the target's: even where accepted, it must leave the target untouched. */
  foreign?: boolean;
  /** A SCIM directory token: of the directory the SCIM paths name ("target"), or of another project's. */
  scim?: "target" | "foreign";
};

const KINDS: Kind[] = [
  { name: "no credential", credential: {}, client: null },
  {
    name: "another project's client",
    credential: { basic: [other.clientId, other.secret] },
    client: "project",
    foreign: true,
  },
  {
    name: "a sandbox project's client",
    credential: { basic: [sandbox.clientId, sandbox.secret] },
    client: "project",
    foreign: true,
  },
  { name: "machine client", credential: { basic: [machine.clientId, machine.secret] }, client: "machine" },
  {
    name: "disabled machine client",
    credential: { basic: [disabled.clientId, disabled.secret] },
    client: null,
  },
  {
    name: "self-registered public client",
    credential: { bodyClientId: publicDcl.client_id },
    client: "dynamic",
  },
  {
    name: "self-registered confidential client",
    credential: { basic: [confidentialDcl.client_id, confidentialDcl.client_secret!] },
    client: "dynamic",
  },
  {
    name: "dashboard session, another project's developer",
    credential: { cookie: outsider.cookie },
    client: null,
  },
  { name: "dashboard session, the project's viewer", credential: { cookie: viewer.cookie }, client: null },
  {
    name: "another project's SCIM directory token",
    credential: { bearer: otherScim.token },
    client: null,
    foreign: true,
    scim: "foreign",
  },
  {
    name: "the target's SCIM directory token",
    credential: { bearer: targetScim.token },
    client: null,
    scim: "target",
  },
  // Last: it may change what it owns.
  {
    name: "the project's own client",
    credential: { basic: [target.clientId, target.secret] },
    client: "project",
  },
];

const PARAMS: Record<string, string> = {
  client_id: victimClient.clientId,
  key: "victim",
  sub: victimUser,
  name: "victim:scope",
  directory: targetScim.id,
};

/** A request for the route as `kind` presents itself; bodies are minimal (authorization comes first). */
function request(route: DeclaredRoute, kind: Kind): Request {
  const path = route.path.replace(
    /:([A-Za-z_]+)/g,
    (_, name: string) => encodeURIComponent(PARAMS[name] ?? "x"),
  );
  const url = new URL(`http://astapa.test${path}`);
  if (route.path === "/api/platform/resources") url.searchParams.set("uri", RESOURCE);
  const headers = new Headers();
  const { basic: pair, bodyClientId, cookie, bearer } = kind.credential;
  if (pair) headers.set("authorization", basic(...pair));
  if (bearer) headers.set("authorization", `Bearer ${bearer}`);
  if (cookie) headers.set("cookie", cookie);
  const hasBody = route.method !== "GET" && route.method !== "DELETE";
  if (!hasBody) return new Request(url, { method: route.method, headers });
  const fields: Record<string, string> = bodyClientId ? { client_id: bodyClientId } : {};
  if (route.caller?.kind === "clients" && route.caller.authenticatedBy === "handler") {
    fields.grant_type = "client_credentials"; // the token endpoint decides nothing before a grant type
  }
  headers.set("content-type", "application/x-www-form-urlencoded");
  if (route.caller?.kind !== "clients" || route.caller.authenticatedBy === "middleware") {
    headers.set("content-type", "application/json");
    return new Request(url, { method: route.method, headers, body: JSON.stringify(fields) });
  }
  return new Request(url, { method: route.method, headers, body: new URLSearchParams(fields) });
}

/** What the declaration says this kind must get: "refused" statuses exactly, or "accepted" (not 401/403). */
function expected(caller: Caller, kind: Kind, route: DeclaredRoute): number | "accepted" | "as without" {
  // A SCIM route takes its own directory's token only: everything else is 401, as no credential.
  if (caller.kind === "scim_token") return kind.scim === "target" ? "accepted" : 401;
  if (caller.kind !== "clients") return "as without"; // credentials add nothing where no client is asked for
  if (kind.client === null) return 401;
  // A public client names itself in a body; GET and DELETE carry none, so it is just no credential there.
  if (kind.credential.bodyClientId && (route.method === "GET" || route.method === "DELETE")) return 401;
  // A route that refuses public clients (introspection, RFC 7662 §2.1) treats a bare client_id as none.
  if (kind.credential.bodyClientId && caller.publicClients === "refused") return 401;
  return caller.clients.includes(kind.client) ? "accepted" : 403;
}

// The families whose middleware authorizes: the API and SCIM.
const apiRoutes = (await registerRoutes(new Hono<AppEnv>(), ROUTES_DIR)).filter((r) =>
  r.path.startsWith("/api/") || r.path.startsWith("/scim/")
);

const refusals = async (since: number) =>
  (await sql`select actor, target, details from astapa.audit_log
             where action = 'client.refused' and id > ${since} order by id`).map((row) => ({ ...row }));
const lastAuditId = async () =>
  Number((await sql`select coalesce(max(id), 0) as id from astapa.audit_log`)[0].id);

Deno.test("authorization matrix — every /api route declares its callers and answers every kind as declared", async () => {
  assert.ok(apiRoutes.length >= 25, `the route table lists the API (${apiRoutes.length})`);
  const failures: string[] = [];
  let calls = 0;
  for (const route of apiRoutes) {
    const caller = route.caller;
    if (!caller) {
      failures.push(`${route.method} ${route.path}: no callers declared`);
      continue;
    }
    const without = (await t.app.request(request(route, KINDS[0]))).status;
    for (const kind of KINDS) {
      const want = expected(caller, kind, route);
      const guardsTarget = want !== "accepted" || kind.foreign || kind.client !== "project";
      const before = await changes.mark();
      const audited = await lastAuditId();
      const res = await t.app.request(request(route, kind));
      calls++;
      const body = await res.text();
      const label = `${route.method} ${route.path} as ${kind.name}: ${res.status} ${body.slice(0, 160)}`;
      if (res.status >= 500) failures.push(`${label} (a server error)`);
      if (want === "as without" && res.status !== without) {
        failures.push(`${label} (expected ${without}, as without)`);
      }
      if (typeof want === "number" && res.status !== want) failures.push(`${label} (expected ${want})`);
      if (want === "accepted" && (res.status === 401 || res.status === 403)) {
        failures.push(`${label} (expected in)`);
      }
      if (want === 403 && res.status === 403) {
        if (JSON.parse(body).error !== "unauthorized_client") {
          failures.push(`${label} (expected unauthorized_client)`);
        }
        const audit = await refusals(audited);
        if (kind.client !== "dynamic" && audit.length !== 1) {
          failures.push(`${label} (not audited: ${audit.length})`);
        }
      }
      const challenge = caller.kind === "scim_token" ? /^Bearer / : /^Basic /;
      if (want === 401 && res.status === 401 && !challenge.test(res.headers.get("www-authenticate") ?? "")) {
        failures.push(`${label} (no ${caller.kind === "scim_token" ? "Bearer" : "Basic"} challenge)`);
      }
      // A refused call changes nothing anywhere; an accepted one from outside the project changes nothing of it.
      const changed = res.status >= 400
        ? await changes.changedSince(before)
        : guardsTarget
        ? await changes.changedSince(before, target.id)
        : [];
      if (changed.length) failures.push(`${label} (changed ${changed.join(", ")})`);
    }
  }
  console.log(`authorization matrix: ${apiRoutes.length} routes × ${KINDS.length} kinds = ${calls} calls`);
  assert.deepEqual(failures, []);
});

Deno.test("authorization matrix — a management call by a machine client changes nothing and is audited as refused", async () => {
  const audited = await lastAuditId();
  const before = await changes.mark();
  const res = await t.app.request("/api/platform/plans", {
    method: "POST",
    headers: { authorization: basic(machine.clientId, machine.secret), "content-type": "application/json" },
    body: JSON.stringify({ key: "stolen", name: "Stolen", price_idr: 0 }),
  });
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error, "unauthorized_client");
  assert.deepEqual(await changes.changedSince(before), []);
  assert.deepEqual(await refusals(audited), [{
    actor: `client:${machine.clientId}`,
    target: machine.clientId,
    details: { kind: "machine", method: "POST", path: "/api/platform/plans" },
  }]);
});

Deno.test("authorization matrix — the change log sees a write by the app role, and whose project it touched", async () => {
  const before = await changes.mark();
  await asApp(sql, other.id, (tx) => createPlan(tx, other.id, { key: "logged", name: "Logged" }));
  assert.deepEqual(await changes.changedSince(before), ["plans"]);
  assert.deepEqual(await changes.changedSince(before, other.id), ["plans"]);
  assert.deepEqual(await changes.changedSince(before, target.id), [], "another project's row");
  const rowless = await changes.mark();
  await sql`update astapa.plans set name = name where project_id = ${other.id} and key = 'logged'`;
  assert.deepEqual(
    await changes.changedSince(rowless, other.id),
    ["plans"],
    "a rewrite with the same values",
  );
});

Deno.test("router — a route below an authorizing family that declares no callers stops the app from starting", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/api`);
    const lib = new URL("../../lib/", import.meta.url).href;
    await Deno.writeTextFile(
      `${dir}/api/_middleware.ts`,
      `export const middleware = (_c: unknown, next: () => Promise<void>) => next();
       export const authorize = () => (_c: unknown, next: () => Promise<void>) => next();`,
    );
    await Deno.writeTextFile(
      `${dir}/api/declared.ts`,
      `import { publicRoute } from "${lib}router/callers.ts";
      export const callers = publicRoute("test");
      export const handler = { GET: () => new Response("ok") };`,
    );
    const declared = await registerRoutes(new Hono<AppEnv>(), dir);
    assert.deepEqual(declared.map((r) => [r.method, r.path, r.caller?.kind]), [[
      "GET",
      "/api/declared",
      "public",
    ]]);
    await Deno.writeTextFile(
      `${dir}/api/forgotten.ts`,
      `export const handler = { POST: () => new Response("ok") };`,
    );
    await assert.rejects(
      registerRoutes(new Hono<AppEnv>(), dir),
      /forgotten\.ts must declare who may call POST/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
