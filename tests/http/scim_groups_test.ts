/**
 * SCIM Groups mapped to organization roles (docs/scim.md), driven as Okta's Group Push and Microsoft Entra ID's
 * group provisioning drive them: the Platform API maps a group to a role, members gained and lost change roles
 * (highest wins, owners untouched), a group deleted hands its members back; and the attacks: another directory's
 * group, another organization's or project's user, huge member arrays, filter injection.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { organizationWithDomain, platformApi } from "../helpers/platform_api.ts";
import { seedProject } from "../helpers/identity.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const project = await seedProject(sql, { name: "Kantor" });
const other = await seedProject(sql, { name: "Other" });

type Json = Record<string, unknown>;
type Answer = { status: number; headers: Headers; body: Json };

const api = platformApi(t, project);
const orgWithDomain = (slug: string, domain: string, as?: typeof project) =>
  organizationWithDomain(api, slug, domain, as);

const acmeId = await orgWithDomain("acme", "acme.test");
await orgWithDomain("beta", "beta.test");
await orgWithDomain("gamma", "gamma.test", other);
const acme = (await api("POST", "/organizations/acme/scim")).body as Json;
const beta = (await api("POST", "/organizations/beta/scim")).body as Json;
const gamma = (await api("POST", "/organizations/gamma/scim", undefined, other)).body as Json;
assert.equal(
  (await api("PUT", "/organization-roles", {
    key: "billing",
    name: "Billing",
    permissions: ["invoices:read"],
  })).status,
  200,
);

/** A SCIM request as an IdP sends it: bearer token, application/scim+json. */
async function scim(method: string, path: string, body?: unknown, dir: Json = acme): Promise<Answer> {
  const res = await t.app.request(`/scim/v2/${dir.id}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${dir.token}`,
      ...(body === undefined ? {} : { "content-type": "application/scim+json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

function assertScimError(res: Answer, status: number, scimType?: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.deepEqual(res.body.schemas, ["urn:ietf:params:scim:api:messages:2.0:Error"]);
  assert.equal(res.body.status, String(status));
  assert.equal(res.body.scimType, scimType, JSON.stringify(res.body));
}

const patchOp = (...Operations: Json[]) => ({
  schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  Operations,
});

/** Provisions a person through /Users; returns the SCIM resource id and the account's id (the sub). */
async function person(email: string, dir: Json = acme): Promise<{ resource: string; sub: string }> {
  const created = await scim("POST", "/Users", { userName: email, active: true }, dir);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const [row] = await sql`select id::text from astapa.users where email_lower = lower(${email})`;
  return { resource: created.body.id as string, sub: row.id as string };
}

const roleOf = async (sub: string) =>
  (await sql`select role from astapa.organization_memberships where project_id = ${project.id}
             and organization_id = ${acmeId} and user_id = ${sub}`)[0]?.role ?? null;
const roleEvents = async (sub: string) =>
  (await sql`select data from astapa.events where project_id = ${project.id} and type = 'membership.updated'
             order by id`)
    .map((r) => r.data as { membership: Json; reason: string })
    .filter((e) => e.membership.user_id === sub)
    .map((e) => `${e.membership.role}:${e.reason}`);
const mapGroup = (group: string, role: string | null, p = project, org = "acme") =>
  api("PUT", `/organizations/${org}/scim/groups/${group}`, { role }, p);

Deno.test("scim groups — Okta Group Push: find, create, map, add members, rename, remove a member: roles follow", async () => {
  const dewi = await person("dewi@acme.test");
  const budi = await person("budi@acme.test");
  const search = await scim("GET", `/Groups?filter=${encodeURIComponent('displayName eq "Engineering"')}`);
  assert.deepEqual([search.status, search.body.totalResults, search.body.Resources], [200, 0, []]);

  const created = await scim("POST", "/Groups", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    displayName: "Engineering",
    members: [],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const group = created.body.id as string;
  assert.equal(created.headers.get("location"), `${t.origin}/scim/v2/${acme.id}/Groups/${group}`);
  assert.deepEqual(created.body.members, []);
  assert.equal((created.body.meta as Json).resourceType, "Group");

  // Unmapped, it changes nothing.
  const added = patchOp({
    op: "add",
    path: "members",
    value: [{ value: dewi.resource, display: "dewi@acme.test" }],
  });
  assert.equal((await scim("PATCH", `/Groups/${group}`, added)).status, 200);
  assert.equal(await roleOf(dewi.sub), "member");

  // The organization's admins map it (Platform API): its members become admins, reason scim.
  const listed = await api("GET", "/organizations/acme/scim/groups");
  assert.deepEqual(
    listed.body.data.map((g: Json) => [g.display_name, g.role, g.members]),
    [["Engineering", null, 1]],
  );
  const mapped = await mapGroup(group, "admin");
  assert.equal(mapped.status, 200, JSON.stringify(mapped.body));
  assert.equal(mapped.body.role, "admin");
  assert.equal(await roleOf(dewi.sub), "admin");
  assert.deepEqual(await roleEvents(dewi.sub), ["admin:scim"]);
  const [audit] = await sql`select actor, details from astapa.audit_log where project_id = ${project.id}
                            and action = 'scim.group_mapped'`;
  assert.deepEqual([audit.details.role, audit.details.previous, audit.details.roles_changed], [
    "admin",
    null,
    1,
  ]);

  // Okta adds a member (with display), renames with a path-less replace of {id, displayName}.
  const more = await scim(
    "PATCH",
    `/Groups/${group}`,
    patchOp({ op: "add", path: "members", value: [{ value: budi.resource, display: "budi@acme.test" }] }),
  );
  assert.deepEqual(
    (more.body.members as Json[]).map((m) => [m.value, m.display, m.$ref]),
    [
      [dewi.resource, "dewi@acme.test", `${t.origin}/scim/v2/${acme.id}/Users/${dewi.resource}`],
      [budi.resource, "budi@acme.test", `${t.origin}/scim/v2/${acme.id}/Users/${budi.resource}`],
    ],
  );
  assert.equal(await roleOf(budi.sub), "admin");
  const renamed = await scim(
    "PATCH",
    `/Groups/${group}`,
    patchOp({ op: "replace", value: { id: group, displayName: "Eng Team" } }),
  );
  assert.equal(renamed.body.displayName, "Eng Team");
  assert.equal((await api("GET", "/organizations/acme/scim/groups")).body.data[0].role, "admin", "kept");

  // Okta removes one member with a filter path: they go back to member; the other stays admin.
  const removal = patchOp({ op: "remove", path: `members[value eq "${dewi.resource}"]` });
  assert.equal((await scim("PATCH", `/Groups/${group}`, removal)).status, 200);
  assert.deepEqual([await roleOf(dewi.sub), await roleOf(budi.sub)], ["member", "admin"]);
  assert.deepEqual(await roleEvents(dewi.sub), ["admin:scim", "member:scim"]);
  // A repeat (IdPs retry) changes and says nothing.
  assert.equal((await scim("PATCH", `/Groups/${group}`, removal)).status, 200);
  assert.deepEqual(await roleEvents(dewi.sub), ["admin:scim", "member:scim"]);

  // Okta's PUT replaces the whole group; the next token carries the role the membership holds.
  const put = await scim("PUT", `/Groups/${group}`, {
    displayName: "Eng Team",
    members: [{ value: dewi.resource }],
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.deepEqual([await roleOf(dewi.sub), await roleOf(budi.sub)], ["admin", "member"]);
  assert.equal((await scim("DELETE", `/Groups/${group}`)).status, 204);
  assert.equal(await roleOf(dewi.sub), "member");
  assertScimError(await scim("GET", `/Groups/${group}`), 404);
});

Deno.test("scim groups — Entra ID: excludedAttributes=members, capitalised Add/Remove with value arrays, Replace displayName", async () => {
  const ayu = await person("ayu@acme.test");
  const created = await scim("POST", "/Groups", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
    displayName: "Finance",
    meta: { resourceType: "Group" },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const group = created.body.id as string;
  assert.equal((await mapGroup(group, "billing")).status, 200);

  const found = await scim(
    "GET",
    `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "finance"')}`,
  );
  assert.equal(found.body.totalResults, 1, "displayName compares without case");
  assert.equal((found.body.Resources as Json[])[0].members, undefined);
  assert.equal((found.body.Resources as Json[])[0].externalId, "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
  const one = await scim("GET", `/Groups/${group}?excludedAttributes=members`);
  assert.deepEqual([one.status, one.body.members, one.body.displayName], [200, undefined, "Finance"]);

  const add = patchOp({ op: "Add", path: "members", value: [{ $ref: null, value: ayu.resource }] });
  assert.equal((await scim("PATCH", `/Groups/${group}`, add)).status, 200);
  assert.equal(await roleOf(ayu.sub), "billing");
  const rename = patchOp({ op: "Replace", path: "displayName", value: "Finance & Tax" });
  assert.equal((await scim("PATCH", `/Groups/${group}`, rename)).body.displayName, "Finance & Tax");
  const remove = patchOp({ op: "Remove", path: "members", value: [{ $ref: null, value: ayu.resource }] });
  assert.equal(
    (await scim("PATCH", `/Groups/${group}?excludedAttributes=members`, remove)).body.members,
    undefined,
  );
  assert.equal(await roleOf(ayu.sub), "member");

  // Deprovisioned while in a mapped group, re-activated: they come back with the group's role.
  assert.equal((await scim("PATCH", `/Groups/${group}`, add)).status, 200);
  const off = patchOp({ op: "Replace", path: "active", value: "False" });
  assert.equal((await scim("PATCH", `/Users/${ayu.resource}`, off)).status, 200);
  assert.equal(await roleOf(ayu.sub), null);
  const on = patchOp({ op: "Replace", path: "active", value: "True" });
  assert.equal((await scim("PATCH", `/Users/${ayu.resource}`, on)).status, 200);
  assert.equal(await roleOf(ayu.sub), "billing");
  // A User deleted leaves every group.
  assert.equal((await scim("DELETE", `/Users/${ayu.resource}`)).status, 204);
  assert.deepEqual((await scim("GET", `/Groups/${group}`)).body.members, []);
});

Deno.test("scim groups — two mapped groups: the highest role wins; owners are never changed nor mappable", async () => {
  const rina = await person("rina@acme.test");
  const boss = await person("boss@acme.test");
  const admins = (await scim("POST", "/Groups", { displayName: "Admins" })).body.id as string;
  const billing = (await scim("POST", "/Groups", { displayName: "Billing" })).body.id as string;
  const social = (await scim("POST", "/Groups", { displayName: "Social club" })).body.id as string;
  await mapGroup(admins, "admin");
  await mapGroup(billing, "billing");
  const members = [{ value: rina.resource }, { value: boss.resource }];
  for (const group of [admins, billing, social]) {
    assert.equal(
      (await scim("PATCH", `/Groups/${group}`, patchOp({ op: "add", path: "members", value: members })))
        .status,
      200,
    );
  }
  assert.equal(await roleOf(rina.sub), "admin");
  // Leaving admins: the billing group's role; leaving the unmapped group changes nothing.
  await scim(
    "PATCH",
    `/Groups/${admins}`,
    patchOp({ op: "remove", path: `members[value eq "${rina.resource}"]` }),
  );
  assert.equal(await roleOf(rina.sub), "billing");
  await scim("PATCH", `/Groups/${social}`, patchOp({ op: "remove", path: "members" }));
  assert.equal(await roleOf(rina.sub), "billing");
  // Unmapping billing: back to member (the role SCIM provisions with).
  assert.equal((await mapGroup(billing, null)).body.role, null);
  assert.equal(await roleOf(rina.sub), "member");

  // An owner stays owner whatever their groups say, and owner is no group's role.
  assert.equal(
    (await api("PATCH", `/organizations/acme/members/${boss.sub}`, { role: "owner" })).status,
    200,
  );
  await scim("PATCH", `/Groups/${admins}`, patchOp({ op: "remove", path: "members" }));
  await mapGroup(billing, "billing");
  assert.equal(await roleOf(boss.sub), "owner");
  const owner = await mapGroup(admins, "owner");
  assert.equal(owner.status, 400, JSON.stringify(owner.body));
  assert.equal((await mapGroup(admins, "nonexistent")).status, 400);
  // A role a group maps to cannot be deleted from under it.
  assert.equal((await api("DELETE", "/organization-roles?key=billing")).status, 409);
});

Deno.test("scim groups — attacks: other directories' groups and users, huge member arrays, filter injection", async () => {
  const mine = await person("mine@acme.test");
  const betaUser = await person("stranger@beta.test", beta);
  const gammaUser = await person("far@gamma.test", gamma);
  const group = (await scim("POST", "/Groups", { displayName: "Ops" })).body.id as string;
  const betaGroup = (await scim("POST", "/Groups", { displayName: "Ops" }, beta)).body.id as string;
  assert.ok(betaGroup, "displayName is unique per directory only");

  // Another directory's group id is no group here; another directory's token is no token here.
  assertScimError(await scim("GET", `/Groups/${betaGroup}`), 404);
  assertScimError(
    await scim("PATCH", `/Groups/${betaGroup}`, patchOp({ op: "remove", path: "members" })),
    404,
  );
  assertScimError(await scim("DELETE", `/Groups/${betaGroup}`), 404);
  assert.equal((await mapGroup(betaGroup, "admin")).status, 404, "acme cannot map beta's group");
  assert.equal((await mapGroup(group, "admin", other)).status, 404, "another project's client");
  assert.equal((await scim("GET", `/Groups/${betaGroup}`, undefined, beta)).status, 200, "still there");

  // Only this directory's Users can be members: another organization's, another project's, a made-up id.
  for (const value of [betaUser.resource, gammaUser.resource, crypto.randomUUID(), "1 or 1=1", mine.sub]) {
    const add = patchOp({ op: "add", path: "members", value: [{ value }] });
    assertScimError(await scim("PATCH", `/Groups/${group}`, add), 400, "invalidValue");
    assertScimError(
      await scim("POST", "/Groups", { displayName: `G ${value}`, members: [{ value }] }),
      400,
      "invalidValue",
    );
  }
  assert.deepEqual((await scim("GET", `/Groups/${group}`)).body.members, []);

  // Huge member arrays are refused before any work; a remove without a path has no target.
  const many = Array.from({ length: 1001 }, () => ({ value: mine.resource }));
  assertScimError(
    await scim("PATCH", `/Groups/${group}`, patchOp({ op: "add", path: "members", value: many })),
    400,
    "invalidValue",
  );
  assertScimError(
    await scim("PUT", `/Groups/${group}`, { displayName: "Ops", members: many }),
    400,
    "invalidValue",
  );
  const split = patchOp(
    { op: "add", path: "members", value: many.slice(0, 600) },
    { op: "add", path: "members", value: many.slice(0, 600) },
  );
  assertScimError(await scim("PATCH", `/Groups/${group}`, split), 400, "invalidValue");
  assertScimError(await scim("PATCH", `/Groups/${group}`, patchOp({ op: "remove" })), 400, "noTarget");
  assertScimError(
    await scim("PATCH", `/Groups/${group}`, patchOp({ op: "move", path: "members" })),
    400,
    "invalidSyntax",
  );
  assertScimError(
    await scim(
      "PATCH",
      `/Groups/${group}`,
      patchOp({ op: "replace", path: 'members[value eq "x"]', value: "y" }),
    ),
    400,
    "invalidPath",
  );
  assertScimError(
    await scim("PATCH", `/Groups/${group}`, patchOp({ op: "remove", path: "displayName" })),
    400,
    "invalidValue",
  );
  assertScimError(await scim("POST", "/Groups", { displayName: "OPS" }), 409, "uniqueness");
  assertScimError(await scim("POST", "/Groups", { members: [] }), 400, "invalidValue");

  // Filters: anything but one equality is invalidFilter; a quote inside the value stays inside it.
  for (
    const filter of [
      'displayName eq "Ops" or id pr',
      'displayName co "O"',
      'members[value eq "x"]',
      'displayName eq "Ops',
    ]
  ) {
    assertScimError(await scim("GET", `/Groups?filter=${encodeURIComponent(filter)}`), 400, "invalidFilter");
  }
  const quoted = await scim(
    "GET",
    `/Groups?filter=${encodeURIComponent('displayName eq "Ops\\" or \\"1\\"=\\"1"')}`,
  );
  assert.deepEqual([quoted.status, quoted.body.totalResults], [200, 0]);
  const paged = await scim("GET", "/Groups?startIndex=1&count=1");
  assert.equal((paged.body.Resources as Json[]).length, 1);
  assert.ok((paged.body.totalResults as number) > 1);
});

Deno.test("scim groups — two IdP workers changing mapped groups at once: both land, roles agree, no deadlock", async () => {
  const [x, y] = [await person("x1@acme.test"), await person("y1@acme.test")];
  const admins = (await scim("POST", "/Groups", { displayName: "Race admins" })).body.id as string;
  const billing = (await scim("POST", "/Groups", { displayName: "Race billing" })).body.id as string;
  await mapGroup(admins, "admin");
  await mapGroup(billing, "billing");
  const both = [{ value: x.resource }, { value: y.resource }];
  const answers = await Promise.all([
    scim("PATCH", `/Groups/${admins}`, patchOp({ op: "add", path: "members", value: both })),
    scim("PATCH", `/Groups/${billing}`, patchOp({ op: "add", path: "members", value: both })),
    scim(
      "PATCH",
      `/Groups/${admins}?excludedAttributes=members`,
      patchOp({ op: "Replace", path: "displayName", value: "Race root" }),
    ),
  ]);
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
  assert.deepEqual([await roleOf(x.sub), await roleOf(y.sub)], ["admin", "admin"]);
  // A User deleted cannot be added back by its old id.
  assert.equal((await scim("DELETE", `/Users/${y.resource}`)).status, 204);
  const again = patchOp({ op: "add", path: "members", value: [{ value: y.resource }] });
  assertScimError(await scim("PATCH", `/Groups/${billing}`, again), 400, "invalidValue");
});
