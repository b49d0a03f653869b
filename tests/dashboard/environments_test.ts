/**
 * Sandbox and production on the dashboard's user-facing pages: production pages never show or act on sandbox
 * users (list, search, user page, its forms, audit entries, mail), and back in sandbox the production users
 * disappear the same way.
 */
import assert from "node:assert/strict";
import { giveLiveXenditKeys } from "../helpers/live_keys.ts";
import { testApp } from "../helpers/app.ts";
import { getAs, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { queueMail } from "@/db/billing.ts";
import { updateProject } from "@/db/projects.ts";
import { getUser } from "@/db/users.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
const project = await seedProject(t.db.sql, { name: "Shop" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
const base = `/dashboard/projects/${project.id}`;

await giveLiveXenditKeys(t.db.sql, project.id); // going live needs them
const setMode = (mode: "sandbox" | "production") =>
  asApp(t.db.sql, project.id, (tx) => updateProject(tx, project.id, { mode }));

function mailTo(to: string) {
  return asApp(
    t.db.sql,
    project.id,
    (tx) => queueMail(tx, project.id, { to, template: "verify_email", subject: "Confirm", text: "a link" }),
  );
}

// Same email in both environments: only the environment tells them apart.
const sandboxUser = await seedUser(t.db.sql, project.id, "tester@example.com");
await mailTo("tester@example.com");
await setMode("production");
const liveUser = await seedUser(t.db.sql, project.id, "real@example.com");
await mailTo("real@example.com");

Deno.test("environments — production pages list, find and open production users only", async () => {
  await setMode("production");
  const list = await (await getAs(t, owner, `${base}/users`)).text();
  assert.ok(list.includes("real@example.com"));
  assert.ok(!list.includes("tester@example.com"), "no sandbox user in the production list");
  const search = await (await getAs(t, owner, `${base}/users?email=tester@example.com`)).text();
  assert.match(search, /No production user has the email tester@example\.com/);
  assert.equal((await getAs(t, owner, `${base}/users/${liveUser}`)).status, 200);
  assert.equal((await getAs(t, owner, `${base}/users/${sandboxUser}`)).status, 404);
});

Deno.test("environments — forms on the other environment's user are 404 and change nothing", async () => {
  await setMode("production");
  const forms: [string, Record<string, string>][] = [
    ["disabled", { disabled: "true" }],
    ["plan", { plan: "free" }],
    ["claims", { role: "admin", feature_flags: "", extra: "" }],
    ["identities", { provider: "password" }],
    ["sessions", {}],
    ["subscription", { action: "cancel" }],
  ];
  for (const [form, fields] of forms) {
    assert.equal((await postAs(t, owner, `${base}/users/${sandboxUser}/${form}`, fields)).status, 404, form);
  }
  const user = await asApp(t.db.sql, project.id, (tx) => getUser(tx, project.id, sandboxUser));
  assert.equal(user.disabled, false);
});

Deno.test("environments — audit and mail pages leave out the other environment's users", async () => {
  await setMode("production");
  const audit = await (await getAs(t, owner, `${base}/audit`)).text();
  assert.ok(audit.includes(`user:${liveUser}`));
  assert.ok(!audit.includes(`user:${sandboxUser}`), "no sandbox user's entries in production");
  assert.match(audit, /project\.update/, "project entries belong to both");
  const filtered = await (await getAs(t, owner, `${base}/audit?user=${sandboxUser}`)).text();
  assert.match(filtered, /No entries match/);
  const mail = await (await getAs(t, owner, `${base}/mail`)).text();
  assert.ok(mail.includes("real@example.com") && !mail.includes("tester@example.com"));
});

Deno.test("environments — back in sandbox, the production users are the hidden ones", async () => {
  await setMode("sandbox");
  try {
    const list = await (await getAs(t, owner, `${base}/users`)).text();
    assert.ok(list.includes("tester@example.com") && !list.includes("real@example.com"));
    assert.equal((await getAs(t, owner, `${base}/users/${liveUser}`)).status, 404);
    assert.equal((await getAs(t, owner, `${base}/users/${sandboxUser}`)).status, 200);
    assert.equal((await postAs(t, owner, `${base}/users/${liveUser}/sessions`, {})).status, 404);
    const audit = await (await getAs(t, owner, `${base}/audit`)).text();
    assert.ok(audit.includes(`user:${sandboxUser}`) && !audit.includes(`user:${liveUser}`));
    const mail = await (await getAs(t, owner, `${base}/mail`)).text();
    assert.ok(mail.includes("tester@example.com") && !mail.includes("real@example.com"));
  } finally {
    await setMode("production");
  }
});
