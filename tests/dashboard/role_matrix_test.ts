/**
 * Dashboard role matrix, generated from the route table (issue 17): every /dashboard route and method, called
 * as the project's owner, admin and viewer, a developer of another project and no session. Pages of a project
 * are for its members only (others: 404, as if it did not exist); a viewer never changes anything; a refused
 * call of any role changes nothing in the database. A route added later is in the matrix by itself.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { asApp } from "@/db/client.ts";
import { createPlan } from "@/db/plans.ts";
import type { AppEnv } from "@/lib/app_env.ts";
import { ROUTES_DIR } from "@/lib/app.ts";
import { type DeclaredRoute, registerRoutes } from "@/lib/router/routes.ts";
import { testApp } from "../helpers/app.ts";
import {
  addDeveloperTo,
  inviteDeveloper,
  signInDeveloper,
  type TestDeveloper,
} from "../helpers/dashboard.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";
import { seedProject, seedUser } from "../helpers/oauth.ts";
import { changeLog } from "../helpers/change_log.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const changes = await changeLog(sql);

const target = await seedProject(sql, { name: "Target" });
const other = await seedProject(sql, { name: "Other" });
const victimClient = await seedMachineClient(sql, target.id);
await asApp(
  sql,
  target.id,
  (tx) => createPlan(tx, target.id, { key: "victim", name: "Victim", price_idr: 1000 }),
);
const victimUser = await seedUser(sql, target.id, "victim@example.com");

// The deployment's first developer owns the deployment (and may see more), so a bystander signs in first.
await signInDeveloper(t, "deployment-owner@example.com");
const developer = async (email: string, projectId: string, role: "owner" | "admin" | "viewer") => {
  await inviteDeveloper(t, email);
  const signedIn = await signInDeveloper(t, email);
  await addDeveloperTo(t, projectId, signedIn.accountId, role);
  return signedIn;
};
const outsider = await developer("outsider@example.com", other.id, "owner");
const viewer = await developer("viewer@example.com", target.id, "viewer");
const admin = await developer("admin@example.com", target.id, "admin");
const owner = await developer("owner@example.com", target.id, "owner");

type Role = { name: string; developer: TestDeveloper | null; member: "owner" | "admin" | "viewer" | null };
// The owner goes last on each route: its calls may change the project.
const ROLES: Role[] = [
  { name: "no session", developer: null, member: null },
  { name: "another project's developer", developer: outsider, member: null },
  { name: "viewer", developer: viewer, member: "viewer" },
  { name: "admin", developer: admin, member: "admin" },
  { name: "owner", developer: owner, member: "owner" },
];

const PARAMS: Record<string, string> = {
  id: target.id,
  client: victimClient.clientId,
  key: "victim",
  sub: victimUser,
};

function request(route: DeclaredRoute, role: Role): Request {
  const path = route.path.replace(
    /:([A-Za-z_]+)/g,
    (_, name: string) => encodeURIComponent(PARAMS[name] ?? "1"),
  );
  const headers = new Headers({ accept: "text/html" });
  if (role.developer) headers.set("cookie", role.developer.cookie);
  if (route.method === "GET") return new Request(`http://astapa.test${path}`, { headers });
  headers.set("content-type", "application/x-www-form-urlencoded");
  headers.set("origin", "http://astapa.test");
  const body = new URLSearchParams(role.developer ? { csrf: role.developer.csrf } : {});
  return new Request(`http://astapa.test${path}`, { method: route.method, headers, body });
}

const SIGN_IN = new Set(["/dashboard/login", "/dashboard/callback"]);
// Signing out ends the sessions the rest of the matrix uses: it goes last.
const dashboardRoutes = (await registerRoutes(new Hono<AppEnv>(), ROUTES_DIR))
  .filter((r) => r.path.startsWith("/dashboard") && !SIGN_IN.has(r.path))
  .sort((a, b) => Number(a.path === "/dashboard/logout") - Number(b.path === "/dashboard/logout"));

Deno.test("dashboard role matrix — members only, viewers change nothing, refusals change nothing", async () => {
  assert.ok(dashboardRoutes.length >= 40, `the route table lists the dashboard (${dashboardRoutes.length})`);
  const failures: string[] = [];
  let calls = 0;
  for (const route of dashboardRoutes) {
    const ofProject = route.path.startsWith("/dashboard/projects/:id");
    for (const role of ROLES) {
      const before = await changes.mark();
      const res = await t.app.request(request(route, role));
      await res.body?.cancel(); // some pages stream (server-sent events)
      calls++;
      const label = `${route.method} ${route.path} as ${role.name}: ${res.status}`;
      const reads = route.method === "GET";
      if (res.status >= 500) failures.push(`${label} (a server error)`);
      if (!role.developer) {
        if (reads && res.status !== 303) failures.push(`${label} (expected 303 to sign in)`);
        if (!reads && res.status !== 401) failures.push(`${label} (expected 401)`);
      } else if (ofProject && !role.member && res.status !== 404) {
        failures.push(`${label} (expected 404: not a member)`);
      } else if (ofProject && role.member === "viewer" && !reads && res.status !== 403) {
        failures.push(`${label} (expected 403: viewers read)`);
      } else if (ofProject && role.member && reads && res.status !== 200) {
        failures.push(`${label} (expected 200 for a member)`);
      }
      // Sessions are touched by any signed-in request; what the call itself did is the question.
      const changed = (await changes.changedSince(before)).filter((name) => name !== "dashboard_sessions");
      if ((res.status >= 400 || role.member === "viewer" || (ofProject && !role.member)) && changed.length) {
        failures.push(`${label} (changed ${changed.join(", ")})`);
      }
    }
  }
  console.log(
    `dashboard role matrix: ${dashboardRoutes.length} routes × ${ROLES.length} roles = ${calls} calls`,
  );
  assert.deepEqual(failures, []);
});
