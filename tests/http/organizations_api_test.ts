/**
 * The Platform API for organizations (issue 28 item 4): organizations, members, roles, invitations (mailed in
 * en or id with the app's accept link) and domains, through the project's own client; readable errors, never a
 * 5xx; the events apps get; and the SDK's requireOrgRole / requireOrgPermission gates on the tokens that follow.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import { issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { createAstapa } from "@/sdk/mod.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Toko", redirectUri: "http://localhost:3000/callback" });
const other = await seedProject(t.db.sql, { name: "Other" });

const api = platformApi(t, project);

Deno.test("organizations API — create, read, list, change, roles, members, transfer, delete", async () => {
  const owner = await seedUser(t.db.sql, project.id, "owner@toko.example");
  const clerk = await seedUser(t.db.sql, project.id, "clerk@toko.example");
  const created = await api("POST", "/organizations", { name: "Toko Maju", slug: "maju", owner });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  const read = (await api("GET", "/organizations/maju")).body;
  assert.deepEqual([read.id, read.open_change], [id, null], "no plan change scheduled");
  assert.equal((await api("GET", `/organizations/${id}`, undefined, other)).status, 404);
  assert.deepEqual(
    (await api("GET", "/organizations?search=maj")).body.map((o: { slug: string }) => o.slug),
    ["maju"],
  );
  assert.equal(
    (await api("PATCH", `/organizations/${id}`, { name: "Toko Maju Jaya" })).body.name,
    "Toko Maju Jaya",
  );
  await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`select api.create_plan(${project.id}, '{"key": "team", "name": "Team"}')`,
  );
  // A personal plan is refused with the field (issue 28); made a team plan, it is taken.
  const personal = await api("PATCH", `/organizations/${id}`, { plan: "team", seat_limit: 5 });
  assert.equal(personal.status, 400);
  assert.match(
    personal.body.error_description,
    /Plan team is a personal plan: an organization takes a team plan/,
  );
  assert.deepEqual(personal.body.fields, { plan: ["A personal plan: an organization takes a team plan."] });
  assert.equal((await api("GET", `/organizations/${id}`)).body.plan, null);
  assert.equal((await api("PUT", "/plans/team/seats", { seat_pricing: "per_seat" })).status, 200);
  const planned = await api("PATCH", `/organizations/${id}`, { plan: "team", seat_limit: 5 });
  assert.deepEqual([planned.status, planned.body.plan, planned.body.seat_limit], [200, "team", 5]);
  const unknownPlan = await api("PATCH", `/organizations/${id}`, { plan: "gold" });
  assert.equal(unknownPlan.status, 400);
  assert.match(unknownPlan.body.error_description, /plan must be/);
  const role = await api("PUT", "/organization-roles", {
    key: "cashier",
    name: "Cashier",
    permissions: ["sales:write"],
  });
  assert.equal(role.status, 200);
  const added = await api("POST", `/organizations/${id}/members`, { user_id: clerk, role: "cashier" });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.deepEqual(added.body.permissions, ["sales:write"]);
  assert.equal((await api("DELETE", "/organization-roles?key=cashier")).status, 409);
  const lastOwner = await api("DELETE", `/organizations/${id}/members/${owner}?left=true`);
  assert.equal(lastOwner.status, 409);
  assert.match(lastOwner.body.error_description, /at least one owner/);
  const transferred = await api("POST", `/organizations/${id}/transfer`, { from: owner, to: clerk });
  assert.deepEqual(transferred.body.map((m: { role: string }) => m.role), ["admin", "owner"]);
  assert.equal(
    (await api("PATCH", `/organizations/${id}/members/${owner}`, { role: "member" })).body.role,
    "member",
  );
  assert.equal((await api("DELETE", `/organizations/${id}/members/${owner}?left=true`)).status, 204);
  assert.equal((await api("GET", `/organizations/${id}/members`)).body.length, 1);
  assert.equal((await api("DELETE", `/organizations/${id}`)).status, 204);
  assert.equal((await api("GET", `/organizations/${id}`)).status, 404);
  const events = await asApp(
    t.db.sql,
    project.id,
    async (tx) =>
      (await tx`select type from astapa.events where type like 'organization.%' or type like 'membership.%'
              order by id`).map((r) => r.type),
  );
  assert.deepEqual(events, [
    "organization.created",
    "membership.created",
    "organization.updated",
    "organization.updated",
    "membership.created",
    "membership.updated",
    "membership.updated",
    "membership.updated",
    "membership.deleted",
    "organization.deleted",
  ]);
});

Deno.test("organizations API — bad input gets readable 4xx answers, never a 5xx", async () => {
  const cases: [string, string, unknown, number][] = [
    ["POST", "/organizations", { name: "", slug: "x" }, 400],
    ["POST", "/organizations", { name: "X", slug: "Bad Slug" }, 400],
    ["POST", "/organizations", { name: "X", slug: "ok", surprise: 1 }, 400],
    ["POST", "/organizations", { name: "X", slug: "ok", owner: "999999999" }, 404],
    ["GET", "/organizations/NOT%20AN%20ID", undefined, 404],
    ["PATCH", "/organizations/org_aaaaaaaaaaaaaaaaaaaaaaaa", { name: "X" }, 404],
    ["POST", "/organizations/org_aaaaaaaaaaaaaaaaaaaaaaaa/members", { user_id: "abc" }, 400],
    [
      "DELETE",
      "/organizations/org_aaaaaaaaaaaaaaaaaaaaaaaa/invitations/oin_aaaaaaaaaaaaaaaaaaaaaaaa",
      undefined,
      404,
    ],
    ["PUT", "/organization-roles", { key: "Bad Key", name: "X" }, 400],
    ["DELETE", "/organization-roles?key=nobody", undefined, 404],
  ];
  for (const [method, path, body, status] of cases) {
    const res = await api(method, path, body);
    assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
    assert.equal(typeof res.body.error_description, "string", `${method} ${path}`);
  }
});

Deno.test("organizations API — an invitation is mailed with the app's link; the seat limit refuses the next one", async () => {
  const owner = await seedUser(t.db.sql, project.id, "boss@seat.example");
  const { body: org } = await api("POST", "/organizations", { name: "Warung Seat", slug: "seat", owner });
  await t.db.sql`update astapa.organizations set seat_limit = 2 where id = ${org.id}`;
  const invited = await api("POST", `/organizations/${org.id}/invitations`, {
    email: "new@seat.example",
    role: "admin",
    accept_url: "http://localhost:3000/join?from=mail",
    lang: "id",
  });
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  assert.equal(invited.body.status, "pending");
  const link = new URL(invited.body.link);
  assert.equal(link.searchParams.get("invitation"), invited.body.token);
  assert.equal(link.searchParams.get("from"), "mail");
  const [mail] = await t.db
    .sql`select subject, body_text from astapa.mail_outbox where to_address = 'new@seat.example'`;
  assert.equal(mail.subject, "Anda diundang bergabung dengan Warung Seat di Toko");
  assert.ok(mail.body_text.includes(invited.body.link));
  const full = await api("POST", `/organizations/${org.id}/invitations`, {
    email: "more@seat.example",
    accept_url: "http://localhost:3000/join",
  });
  assert.equal(full.status, 409);
  assert.match(full.body.error_description, /all of its 2 seats taken/);
  const [{ count }] = await t.db
    .sql`select count(*)::int from astapa.mail_outbox where to_address = 'more@seat.example'`;
  assert.equal(count, 0, "a refused invitation sends nothing");
  const listed = await api("GET", `/organizations/${org.id}/invitations`);
  assert.equal(listed.body.length, 1);
  assert.equal(
    (await api("DELETE", `/organizations/${org.id}/invitations/${invited.body.id}`)).body.status,
    "revoked",
  );
});

Deno.test("organizations API — domains: claim, verify, one organization per domain, remove", async () => {
  const { body: one } = await api("POST", "/organizations", { name: "Dom One", slug: "dom-one" });
  const { body: two } = await api("POST", "/organizations", { name: "Dom Two", slug: "dom-two" });
  const claimed = await api("POST", `/organizations/${one.id}/domains`, { domain: "toko.example" });
  assert.equal(claimed.status, 201);
  assert.match(claimed.body.verification_token, /^astapa-domain-verification=/);
  assert.equal((await api("PUT", `/organizations/${one.id}/domains/toko.example`)).body.verified, true);
  await api("POST", `/organizations/${two.id}/domains`, { domain: "toko.example" });
  assert.equal((await api("PUT", `/organizations/${two.id}/domains/toko.example`)).status, 409);
  assert.equal((await api("GET", `/organizations/${one.id}`)).body.domains[0].verified, true);
  assert.equal((await api("DELETE", `/organizations/${one.id}/domains/toko.example`)).status, 204);
  assert.equal(
    (await api("POST", `/organizations/${one.id}/domains`, { domain: "not a domain" })).status,
    400,
  );
});

Deno.test("sdk — requireOrgRole and requireOrgPermission: 401 without a token, 403 without the organization, role or permission", async () => {
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: project.clientId,
    clientSecret: project.secret,
    redirectUri: project.redirectUri,
  });
  const owner = await seedUser(t.db.sql, project.id, "gate-owner@toko.example");
  const cashier = await seedUser(t.db.sql, project.id, "gate-cashier@toko.example");
  const { body: org } = await api("POST", "/organizations", { name: "Gate", slug: "gate", owner });
  await api("PUT", "/organization-roles", { key: "cashier", name: "Cashier", permissions: ["sales:write"] });
  await api("POST", `/organizations/${org.id}/members`, { user_id: cashier, role: "cashier" });
  const token = async (userId: string, organization?: string) => {
    const login = await astapa.loginUrl({ organization });
    assert.equal(new URL(login.url).searchParams.get("organization"), organization ?? null);
    const params = new URL(login.url).searchParams;
    const code = await issueCode(t.db.sql, project, {
      userId,
      codeChallenge: params.get("code_challenge")!,
      organization,
    });
    return (await astapa.exchangeCode({ code, codeVerifier: login.codeVerifier })).accessToken;
  };
  const adminsOnly = astapa.requireOrgRole.handler(
    ["owner", "admin"],
    (_r, c) => Response.json({ org: c.org_id }),
  );
  const sellers = astapa.requireOrgPermission.handler(["sales:write"], () => new Response("sold"));
  const call = (handler: typeof sellers, bearer?: string) =>
    handler(new Request("http://app/x", { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} }));
  assert.equal((await call(adminsOnly)).status, 401);
  const noOrg = await call(adminsOnly, await token(owner));
  assert.equal(noOrg.status, 403);
  assert.match((await noOrg.json()).error_description, /active organization/);
  const asOwner = await token(owner, org.id);
  assert.deepEqual(await (await call(adminsOnly, asOwner)).json(), { org: org.id });
  assert.equal((await call(sellers, asOwner)).status, 403, "owner holds no sales:write here");
  const asCashier = await token(cashier, "gate");
  assert.equal((await call(adminsOnly, asCashier)).status, 403);
  assert.equal(await (await call(sellers, asCashier)).text(), "sold");
});

Deno.test("organizations API — the project's settings: what a verified domain does, and whether an organization is required", async () => {
  const p = await seedProject(t.db.sql, { name: "Settings" });
  assert.deepEqual((await api("GET", "/organization-settings", undefined, p)).body, {
    domain_join: "off",
    required: false,
  });
  const changed = await api("PUT", "/organization-settings", { domain_join: "suggest", required: true }, p);
  assert.deepEqual(changed.body, { domain_join: "suggest", required: true });
  assert.deepEqual((await api("PUT", "/organization-settings", { required: false }, p)).body, {
    domain_join: "suggest",
    required: false,
  });
  assert.equal((await api("PUT", "/organization-settings", { domain_join: "always" }, p)).status, 400);
  assert.equal((await api("PUT", "/organization-settings", {}, p)).status, 400);
  const [row] = await t.db.sql`select settings from astapa.projects where id = ${p.id}`;
  assert.equal(row.settings.organization_domain_join, "suggest");
});

Deno.test("organizations API — an invitation mail may only link to the app's own origin", async () => {
  const owner = await seedUser(t.db.sql, project.id, "boss@phish.example");
  const { body: org } = await api("POST", "/organizations", { name: "Warung Phish", slug: "phish", owner });
  for (
    const accept_url of [
      "https://evil.example/join",
      "http://localhost:3001/join",
      "https://localhost:3000/join",
    ]
  ) {
    const refused = await api("POST", `/organizations/${org.id}/invitations`, {
      email: "x@phish.example",
      accept_url,
    });
    assert.equal(refused.status, 400, accept_url);
    assert.deepEqual(refused.body.fields, {
      accept_url: ["Must be on the origin of one of the project's redirect URIs."],
    });
  }
  const [{ count }] = await t.db
    .sql`select count(*)::int from astapa.mail_outbox where to_address = 'x@phish.example'`;
  assert.equal(count, 0);
});
