/** The machine-clients page: clients, their secrets (shown once), scopes and resources; roles and CSRF. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import {
  addDeveloperTo,
  getAs,
  inviteDeveloper,
  postAs,
  signInDeveloper,
  type TestDeveloper,
} from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { takeLive } from "../helpers/live_keys.ts";
import { basic } from "../helpers/oauth.ts";
import { claimsOf, postForm } from "../helpers/token_client.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { getProject } from "@/db/projects.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
const project = await seedProject(t.db.sql, { name: "Notes" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
const page = `/dashboard/projects/${project.id}/machine-clients`;
const RESOURCE = "https://mcp.notes.example/mcp";

/** A form POST whose fields may repeat (checkbox groups). */
function postFields(developer: TestDeveloper, path: string, fields: [string, string][]): Promise<Response> {
  return Promise.resolve(t.app.request(path, {
    method: "POST",
    headers: {
      accept: "text/html",
      cookie: developer.cookie,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams([["csrf", developer.csrf], ...fields]),
  }));
}

async function followed(res: Response): Promise<string> {
  assert.equal(res.status, 303, await res.clone().text());
  return await (await getAs(t, owner, res.headers.get("location")!)).text();
}

async function createClient(name: string, fields: [string, string][] = []) {
  const res = await postFields(owner, page, [["name", name], ...fields]);
  const html = await res.text();
  assert.equal(res.status, 200, html);
  const clientId = /data-credential="client_id">(mcl_[a-z2-7]+)</.exec(html)![1];
  const secret = /data-credential="client_secret">(acs_[A-Za-z0-9_-]+)</.exec(html)![1];
  return { html, clientId, secret };
}

async function clientCredentials(clientId: string, secret: string, extra: Record<string, string> = {}) {
  return await postForm(t, "/api/platform/token", { grant_type: "client_credentials", ...extra }, {
    authorization: basic(clientId, secret),
  });
}

Deno.test("machine clients — scopes and resources are declared, listed and removed from the page", async () => {
  const declared = await followed(
    await postAs(t, owner, `${page}/scopes`, {
      intent: "add",
      name: "notes:read",
      description: "Read notes",
    }),
  );
  assert.match(declared, /Scope saved/);
  assert.match(declared, /<code>notes:read<\/code> <span class="muted">Read notes<\/span>/);
  await followed(await postAs(t, owner, `${page}/scopes`, { intent: "add", name: "notes:write" }));
  const registered = await followed(
    await postAs(t, owner, `${page}/resources`, { intent: "add", uri: `${RESOURCE}`, name: "Notes MCP" }),
  );
  assert.match(registered, /Resource registered/);
  assert.ok(registered.includes(`<code>${RESOURCE}</code>`));
  // https://host/ and https://host are one resource: the page stores the canonical form.
  const bare = await followed(
    await postAs(t, owner, `${page}/resources`, { intent: "add", uri: "https://other.notes.example/" }),
  );
  assert.ok(bare.includes("<code>https://other.notes.example</code>"));
  const removed = await followed(
    await postAs(t, owner, `${page}/resources`, { intent: "remove", uri: "https://other.notes.example" }),
  );
  assert.match(removed, /Resource removed/);
  assert.ok(!removed.includes("<code>https://other.notes.example</code>"));
  const scopeGone = await followed(
    await postAs(t, owner, `${page}/scopes`, { intent: "remove", name: "notes:write" }),
  );
  assert.ok(!scopeGone.includes("<code>notes:write</code>"));
  const [audit] = await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`select actor from astapa.audit_log where action = 'scope.declare' limit 1`,
  );
  assert.equal(audit?.actor, `account:${owner.accountId}`);
});

Deno.test("machine clients — bad scopes, resources and duplicates re-render the page with the reason (422)", async () => {
  const badScope = await postAs(t, owner, `${page}/scopes`, { intent: "add", name: "openid" });
  assert.equal(badScope.status, 422);
  assert.match(await badScope.text(), /role="alert"/);
  const badUri = await postAs(t, owner, `${page}/resources`, { intent: "add", uri: "not a uri" });
  assert.equal(badUri.status, 422);
  assert.match(await badUri.text(), /not a uri is not an absolute URI/);
  const plainHttp = await postAs(t, owner, `${page}/resources`, {
    intent: "add",
    uri: "http://mcp.example/x",
  });
  assert.equal(plainHttp.status, 422);
  assert.match(await plainHttp.text(), /use an absolute https URI/);
  const unknown = await postAs(t, owner, `${page}/scopes`, { intent: "remove", name: "never:declared" });
  assert.equal(unknown.status, 422);
  assert.match(await unknown.text(), /Scope never:declared is not declared/);
  const twice = await postAs(t, owner, `${page}/resources`, { intent: "add", uri: RESOURCE });
  assert.equal(twice.status, 422);
  assert.match(await twice.text(), /is already registered/);
  const badIntent = await postAs(t, owner, `${page}/scopes`, { intent: "explode", name: "x" });
  assert.equal(badIntent.status, 422);
  assert.match(await badIntent.text(), /role="alert">Some fields are missing or invalid\. intent: /);
});

Deno.test("machine clients — created with scopes and a resource; the secret is shown once and gets tokens", async () => {
  await postAs(t, owner, `${page}/scopes`, { intent: "add", name: "notes:read", description: "Read notes" });
  await postAs(t, owner, `${page}/resources`, { intent: "add", uri: RESOURCE });
  const { html, clientId, secret } = await createClient("Support agent", [
    ["scopes", "notes:read"],
    ["resources", RESOURCE],
    ["access_token_ttl", "900"],
  ]);
  assert.match(html, /Machine client Support agent created/);
  assert.match(html, /Copy the client secret now/);
  const list = await (await getAs(t, owner, page)).text();
  assert.ok(list.includes(clientId), "listed");
  assert.ok(!list.includes(secret), "the secret is not shown again");
  assert.match(list, /<td>Support agent<\/td>/);
  assert.match(list, /<td>900 s<\/td>/);

  const token = await clientCredentials(clientId, secret, { resource: RESOURCE });
  assert.equal(token.res.status, 200, JSON.stringify(token.body));
  const claims = claimsOf(token.body.access_token);
  assert.equal(claims.sub, clientId);
  assert.equal(claims.aud, RESOURCE);
  assert.equal(claims.scope, "notes:read");
  assert.equal(Number(claims.exp) - Number(claims.iat), 900);
});

Deno.test("machine clients — rotating shows a new secret once; disabling refuses tokens; enabling restores", async () => {
  const { clientId, secret } = await createClient("Rotator");
  // The row's Rotate asks first, as the project's and webhooks' rotations do: nothing changes until confirmed.
  const asked = await postAs(t, owner, `${page}/${clientId}/secret`, {});
  assert.equal(asked.status, 200);
  const question = await asked.text();
  assert.match(question, /Rotate the secret of Rotator\?/);
  assert.match(
    question,
    /<input type="hidden" name="confirm" value="yes"\/><button type="submit" class="button danger">/,
  );
  assert.ok(!question.includes("data-credential"), "no new secret before the confirmation");
  assert.equal((await clientCredentials(clientId, secret)).res.status, 200, "the old secret still works");
  const rotated = await postAs(t, owner, `${page}/${clientId}/secret`, { confirm: "yes" });
  const html = await rotated.text();
  assert.equal(rotated.status, 200);
  const fresh = /data-credential="client_secret">(acs_[A-Za-z0-9_-]+)</.exec(html)![1];
  assert.notEqual(fresh, secret);
  assert.equal((await clientCredentials(clientId, secret)).res.status, 401, "the old secret stops");
  assert.equal((await clientCredentials(clientId, fresh)).res.status, 200);

  // Rotating is a row action too: a plain link posting nothing but the CSRF token.
  assert.match(
    html.match(new RegExp(`<form method="post" action="${page}/${clientId}/secret"[^]*?</form>`))?.[0] ?? "",
    /^<form [^>]+ class="inline"><input type="hidden" name="csrf" value="[^"]+"\/><button type="submit" class="link" aria-label="Rotate secret of Rotator">Rotate secret<\/button><\/form>$/,
  );
  // The toggle is a row action: a red Disable while enabled, a plain Enable once disabled, posting the opposite.
  const toggle = (html: string) =>
    html.match(new RegExp(`<form method="post" action="${page}/${clientId}/enabled"[^]*?</form>`))?.[0];
  assert.match(
    toggle(html)!,
    /<input type="hidden" name="enabled" value="false"\/><button type="submit" class="link danger" aria-label="Disable Rotator">Disable</,
  );
  const off = await followed(await postAs(t, owner, `${page}/${clientId}/enabled`, { enabled: "false" }));
  assert.match(off, /Machine client disabled/);
  assert.match(
    toggle(off)!,
    /<input type="hidden" name="enabled" value="true"\/><button type="submit" class="link" aria-label="Enable Rotator">Enable</,
  );
  const refused = await clientCredentials(clientId, fresh);
  assert.equal(refused.res.status, 401);
  assert.match(JSON.stringify(refused.body), /disabled/);
  await followed(await postAs(t, owner, `${page}/${clientId}/enabled`, { enabled: "true" }));
  assert.equal((await clientCredentials(clientId, fresh)).res.status, 200);
  const [audit] = await asApp(
    t.db.sql,
    project.id,
    (tx) =>
      tx`select actor from astapa.audit_log where action = 'machine_client.rotate_secret' and target = ${clientId}`,
  );
  assert.equal(audit?.actor, `account:${owner.accountId}`);
  for (const fields of [{}, { confirm: "yes" }] as Record<string, string>[]) {
    const unknown = await postAs(t, owner, `${page}/mcl_aaaaaaaaaaaaaaaaaaaaaaaa/secret`, fields);
    assert.equal(unknown.status, 422, JSON.stringify(fields));
  }
});

Deno.test("machine clients — bad input is 422 with the reason: no name, undeclared scope, lifetime", async () => {
  const cases: [[string, string][], RegExp][] = [
    [[["name", "  "]], /Give the machine client a name/],
    [[["name", "x"], ["scopes", "undeclared:scope"]], /Scope undeclared:scope is not declared/],
    [[["name", "x"], ["resources", "https://unregistered.example"]], /is not registered for this project/],
    [[["name", "x"], ["access_token_ttl", "10"]], /300 to 86400 seconds/],
    [[["name", "x"], ["access_token_ttl", "soon"]], /whole number of seconds/],
  ];
  for (const [fields, message] of cases) {
    const res = await postFields(owner, page, fields);
    assert.equal(res.status, 422, JSON.stringify(fields));
    assert.match(await res.text(), message);
  }
});

Deno.test("machine clients — the switches for self-registering agents are saved, shown and audited", async () => {
  const switches = () =>
    asApp(t.db.sql, project.id, async (tx) => {
      const { settings } = await getProject(tx, project.id);
      return [settings.dynamic_clients, settings.client_metadata_documents];
    });
  const audits = async () =>
    (await t.db.sql`
      select count(*)::int as n from astapa.audit_log
       where project_id = ${project.id} and action = 'project.update' and details ->> 'settings' = 'changed'`)[
      0
    ]
      .n as number;
  const before = await switches();
  const auditedBefore = await audits();
  const both = await followed(
    await postAs(t, owner, `${page}/self-registration`, {
      dynamic_clients: "on",
      client_metadata_documents: "on",
    }),
  );
  assert.match(both, /Saved: who may register themselves/);
  assert.match(both, /<input type="checkbox" name="dynamic_clients" checked/);
  assert.match(both, /<input type="checkbox" name="client_metadata_documents" checked/);
  assert.deepEqual(await switches(), [true, true]);
  // An unticked box is absent from a browser's form: both off.
  const none = await followed(await postAs(t, owner, `${page}/self-registration`, {}));
  assert.doesNotMatch(none, /name="dynamic_clients" checked/);
  assert.deepEqual(await switches(), [false, false]);
  assert.notDeepEqual(before, [true, true], "the first save changed something");
  assert.equal(await audits(), auditedBefore + 2, "each save is audited");
  const bad = await postAs(t, owner, `${page}/self-registration`, { dynamic_clients: "yes please" });
  assert.equal(bad.status, 422);
  assert.match(await bad.text(), /role="alert">Some fields are missing or invalid\. dynamic_clients: /);
  assert.deepEqual(await switches(), [false, false], "a malformed form changes nothing");
});

Deno.test("machine clients — viewers read but every change is 403; strangers get 404; CSRF is checked", async () => {
  const { clientId } = await createClient("Viewed");
  await inviteDeveloper(t, "viewer@dev.example");
  const viewer = await signInDeveloper(t, "viewer@dev.example");
  await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
  const read = await getAs(t, viewer, page);
  assert.equal(read.status, 200);
  const html = await read.text();
  assert.ok(html.includes(clientId));
  assert.ok(!html.includes("New machine client"), "no create form for viewers");
  assert.ok(!html.includes(`${clientId}/secret`), "no rotate button for viewers");
  const posts: [string, Record<string, string>][] = [
    [page, { name: "sneaky" }],
    [`${page}/${clientId}/secret`, {}],
    [`${page}/${clientId}/secret`, { confirm: "yes" }],
    [`${page}/${clientId}/enabled`, { enabled: "false" }],
    [`${page}/scopes`, { intent: "add", name: "sneaky:read" }],
    [`${page}/resources`, { intent: "add", uri: "https://sneaky.example" }],
    [`${page}/self-registration`, { dynamic_clients: "on" }],
  ];
  for (const [path, fields] of posts) {
    assert.equal((await postAs(t, viewer, path, fields)).status, 403, path);
  }
  await inviteDeveloper(t, "stranger@dev.example");
  const stranger = await signInDeveloper(t, "stranger@dev.example");
  assert.equal((await getAs(t, stranger, page)).status, 404);
  assert.equal((await postAs(t, stranger, `${page}/${clientId}/secret`, {})).status, 404);
  assert.equal((await postAs(t, owner, `${page}/${clientId}/secret`, {}, null)).status, 403, "no CSRF token");
  assert.equal(
    (await postAs(t, owner, page, { name: "x" }, viewer.csrf)).status,
    403,
    "another session's token",
  );
  const unsigned = await t.app.request(page, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "name=x",
  });
  assert.equal(unsigned.status, 401);
});

Deno.test("machine clients — a production project's resource without proof of control re-renders with the reason", async () => {
  const live = await seedProject(t.db.sql, { name: "Live notes" });
  await asApp(t.db.sql, live.id, (tx) => addMember(tx, live.id, owner.accountId, "owner"));
  await takeLive(t.db.sql, live.id);
  const res = await postAs(t, owner, `/dashboard/projects/${live.id}/machine-clients/resources`, {
    intent: "add",
    uri: "https://127.0.0.1:9/mcp",
  });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(html, /Prove you control https:\/\/127\.0\.0\.1:9\/mcp/);
  assert.match(html, /internal address/, "the proof fetch went through the SSRF guard");
  const listed = await asApp(t.db.sql, live.id, (tx) => tx`select api.list_resources() as r`);
  assert.deepEqual(listed[0].r, []);
});
