import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { asApp } from "@/db/client.ts";
import { verifyClientCredentials } from "@/db/projects.ts";
import { giveLiveXenditKeys } from "../helpers/live_keys.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "first@dev.example");

async function createProject(name: string, redirectUri = "") {
  const res = await postAs(t, owner, "/dashboard/projects/new", { name, redirect_uri: redirectUri });
  assert.equal(res.status, 201);
  const html = await res.text();
  const clientId = /data-credential="client_id">(cid_[a-z2-7]+)</.exec(html)![1];
  const secret = /data-credential="client_secret">(acs_[A-Za-z0-9_-]+)</.exec(html)![1];
  const projectId = /href="\/dashboard\/projects\/(proj_[a-z2-7]+)"/.exec(html)![1];
  return { html, clientId, secret, projectId };
}

Deno.test("dashboard — without a session every page sends you to sign in, and forms are refused", async () => {
  const res = await getAs(t, null, "/dashboard");
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/dashboard/login");
  const post = await t.app.request("/dashboard/projects/new", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "name=x",
  });
  assert.equal(post.status, 401);
});

Deno.test("dashboard — the projects page renders for a new developer, with no projects", async () => {
  const res = await getAs(t, owner, "/dashboard");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const html = await res.text();
  assert.match(html, /<h1>Projects<\/h1>/);
  assert.match(html, /No projects yet/);
  assert.match(html, /first@dev\.example/);
  assert.match(
    html,
    /Made a project with the CLI\?.*<code>deno task astapa account create --email first@dev\.example --project proj_…<\/code>/s,
    "the empty state says how to attach a CLI project",
  );
});

Deno.test("dashboard — creating a project shows working credentials once and makes you its owner", async () => {
  const created = await createProject("Shop", "https://shop.example/callback");
  assert.match(created.html, /Shop is ready/);
  const verified = await asApp(
    t.db.sql,
    null,
    (tx) => verifyClientCredentials(tx, created.clientId, created.secret),
  );
  assert.equal(verified, created.projectId);
  const list = await (await getAs(t, owner, "/dashboard")).text();
  assert.match(list, /Shop<\/a>/);
  const page = await getAs(t, owner, `/dashboard/projects/${created.projectId}`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<h2 id="redirect-heading">Redirect URIs<\/h2>/);
  assert.match(html, /https:\/\/shop\.example\/callback/);
  assert.ok(!html.includes(created.secret), "the secret is not shown again");
  assert.ok(html.includes(`audience: &quot;${created.clientId}&quot;`), "snippets carry the client id");
  const [audit] = await asApp(
    t.db.sql,
    created.projectId,
    (tx) => tx`select actor from astapa.audit_log where action = 'project.create'`,
  );
  assert.equal(audit.actor, `account:${owner.accountId}`);
});

Deno.test("dashboard — redirect URIs are added and removed; a bad one re-renders the page with the reason", async () => {
  const { projectId } = await createProject("Blog");
  const path = `/dashboard/projects/${projectId}/redirect-uris`;
  const added = await postAs(t, owner, path, { action: "add", uri: "https://blog.example/cb" });
  assert.equal(added.status, 303);
  assert.equal(added.headers.get("location"), `/dashboard/projects/${projectId}?done=redirect_uri_added`);
  assert.match(await (await getAs(t, owner, added.headers.get("location")!)).text(), /Redirect URI added/);
  const bad = await postAs(t, owner, path, { action: "add", uri: "http://blog.example/cb" });
  assert.equal(bad.status, 422);
  assert.match(await bad.text(), /is not allowed: use an absolute https URL/);
  const removed = await postAs(t, owner, path, { action: "remove", uri: "https://blog.example/cb" });
  assert.equal(removed.status, 303);
  const gone = await postAs(t, owner, path, { action: "remove", uri: "https://blog.example/cb" });
  assert.equal(gone.status, 422);
});

Deno.test("dashboard — rotating the secret shows the new one once; the old one stops working", async () => {
  const created = await createProject("Rotate me");
  const res = await postAs(t, owner, `/dashboard/projects/${created.projectId}/secret`, { confirm: "yes" });
  assert.equal(res.status, 200);
  const secret = /data-credential="client_secret">(acs_[A-Za-z0-9_-]+)</.exec(await res.text())![1];
  const check = (s: string) =>
    asApp(t.db.sql, null, (tx) => verifyClientCredentials(tx, created.clientId, s));
  assert.equal(await check(secret), created.projectId);
  assert.equal(await check(created.secret), null);
});

Deno.test("dashboard — the mode toggle needs the typed name, then flips the project and audits it", async () => {
  const { projectId } = await createProject("Go live");
  const path = `/dashboard/projects/${projectId}/mode`;
  const wrong = await postAs(t, owner, path, { mode: "production", confirm: "go live" });
  assert.equal(wrong.status, 422);
  assert.match(await wrong.text(), /type the project name exactly/);
  const keyless = await postAs(t, owner, path, { mode: "production", confirm: "Go live" });
  assert.equal(keyless.status, 422);
  assert.match(await keyless.text(), /Add live Xendit keys before going live/);
  await giveLiveXenditKeys(t.db.sql, projectId);
  const ok = await postAs(t, owner, path, { mode: "production", confirm: "Go live" });
  assert.equal(ok.status, 303);
  const html = await (await getAs(t, owner, ok.headers.get("location")!)).text();
  assert.match(html, /The project is live/);
  assert.match(html, /class="badge production"/);
  const [audit] = await asApp(
    t.db.sql,
    projectId,
    (tx) => tx`select actor, details from astapa.audit_log where action = 'project.update'`,
  );
  assert.deepEqual({ ...audit }, { actor: `account:${owner.accountId}`, details: { mode: "production" } });
});

Deno.test("authorization — another developer sees none of your projects and gets 404 on them", async () => {
  const { projectId } = await createProject("Private");
  await inviteDeveloper(t, "second@dev.example");
  const other = await signInDeveloper(t, "second@dev.example");
  const list = await (await getAs(t, other, "/dashboard")).text();
  assert.match(list, /No projects yet/);
  assert.equal((await getAs(t, other, `/dashboard/projects/${projectId}`)).status, 404);
  const post = await postAs(t, other, `/dashboard/projects/${projectId}/redirect-uris`, {
    action: "add",
    uri: "https://evil.example/cb",
  });
  assert.equal(post.status, 404);
});

Deno.test("authorization — a viewer reads the project but every mutating POST is 403; admins cannot flip the mode", async () => {
  const { projectId } = await createProject("Shared");
  await inviteDeveloper(t, "viewer@dev.example");
  await inviteDeveloper(t, "admin@dev.example");
  const viewer = await signInDeveloper(t, "viewer@dev.example");
  const admin = await signInDeveloper(t, "admin@dev.example");
  await addDeveloperTo(t, projectId, viewer.accountId, "viewer");
  await addDeveloperTo(t, projectId, admin.accountId, "admin");
  const page = await getAs(t, viewer, `/dashboard/projects/${projectId}`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.ok(
    !html.includes('action="/dashboard/projects/' + projectId + '/secret"'),
    "no rotate form for viewers",
  );
  const base = `/dashboard/projects/${projectId}`;
  for (
    const [path, fields] of [
      [`${base}/redirect-uris`, { action: "add", uri: "https://v.example/cb" }],
      [`${base}/secret`, { confirm: "yes" }],
      [`${base}/mode`, { mode: "production", confirm: "Shared" }],
    ] as const
  ) {
    const res = await postAs(t, viewer, path, fields);
    assert.equal(res.status, 403, `${path} as viewer`);
    await res.body?.cancel();
  }
  assert.equal(
    (await postAs(t, admin, `${base}/mode`, { mode: "production", confirm: "Shared" })).status,
    403,
  );
  assert.equal(
    (await postAs(t, admin, `${base}/redirect-uris`, { action: "add", uri: "https://a.example/cb" })).status,
    303,
  );
});

Deno.test("CSRF — a mutating POST without the token, or with another session's token, is 403", async () => {
  const { projectId } = await createProject("Csrf");
  const path = `/dashboard/projects/${projectId}/redirect-uris`;
  const fields = { action: "add", uri: "https://csrf.example/cb" };
  assert.equal((await postAs(t, owner, path, fields, null)).status, 403);
  assert.equal((await postAs(t, owner, path, fields, "x".repeat(43))).status, 403);
  const again = await signInDeveloper(t, "csrf@dev.example").catch(() => null);
  assert.equal(again, null, "an uninvited developer cannot sign in");
  const otherSession = await signInDeveloper(t, "first-other@dev.example").catch(() => null);
  assert.equal(otherSession, null);
  assert.equal((await postAs(t, owner, "/dashboard/projects/new", { name: "x" }, null)).status, 403);
});

Deno.test("CSRF — a form from another site's page is 403 even with the token; the dashboard's own origin passes", async () => {
  const { projectId } = await createProject("Origin");
  const path = `/dashboard/projects/${projectId}/redirect-uris`;
  const post = (origin: string | null, uri: string) =>
    t.app.request(path, {
      method: "POST",
      headers: {
        cookie: owner.cookie,
        "content-type": "application/x-www-form-urlencoded",
        ...(origin ? { origin } : {}),
      },
      body: new URLSearchParams({ csrf: owner.csrf, action: "add", uri }),
    });
  const crossSite = await post("https://evil.example", "https://evil.example/cb");
  assert.equal(crossSite.status, 403);
  assert.match(await crossSite.text(), /posted from the dashboard only/);
  assert.equal((await post(t.origin, "https://own.example/cb")).status, 303, "the dashboard's own origin");
  assert.equal((await post(null, "https://noorigin.example/cb")).status, 303, "no Origin: the token decides");
  const html = await (await getAs(t, owner, `/dashboard/projects/${projectId}`)).text();
  assert.ok(!html.includes("evil.example"), "nothing was added from the other site");
});

Deno.test("members — owners invite by email; the invitee signs in and sees the project; admins cannot invite", async () => {
  const { projectId } = await createProject("Team");
  const path = `/dashboard/projects/${projectId}/members`;
  const invited = await postAs(t, owner, path, { email: "teammate@dev.example", role: "admin" });
  assert.equal(invited.status, 303);
  const html = await (await getAs(t, owner, invited.headers.get("location")!)).text();
  assert.match(html, /<h1>Members<\/h1>/);
  assert.match(html, /teammate@dev\.example<\/td><td>admin<\/td><td>invited/);
  const teammate = await signInDeveloper(t, "teammate@dev.example");
  assert.match(await (await getAs(t, teammate, "/dashboard")).text(), /Team<\/a>/);
  const again = await postAs(t, owner, path, { email: "teammate@dev.example", role: "viewer" });
  assert.equal(again.status, 422, "already a member");
  assert.equal((await postAs(t, teammate, path, { email: "x@dev.example", role: "viewer" })).status, 403);
});
