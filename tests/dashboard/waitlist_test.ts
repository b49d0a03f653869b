/**
 * The dashboard's Waitlist page (Users → Waitlist): waiting entries listed for members; an admin approves (the
 * approval mail with the hosted sign-up link is queued) or declines; a viewer reads without buttons and is
 * refused (403) with nothing changed; another project's entry is refused on the page (422), unchanged; the
 * settings form takes mode waitlist and the Users page links here.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@wait.example");
await inviteDeveloper(t, "viewer@wait.example");
const viewer = await signInDeveloper(t, "viewer@wait.example");
const project = await seedProject(t.db.sql, { name: "Antre", redirectUri: "https://antre.example/cb" });
const other = await seedProject(t.db.sql, { name: "Lain", settings: { sign_up: { mode: "waitlist" } } });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;

const join = (projectId: string, email: string) =>
  asApp(t.db.sql, projectId, (tx) => tx`select api.join_waitlist(${email})`);
const entry = async (projectId: string, email: string) =>
  (await t.db.sql`select id, status from astapa.waitlist_entries where project_id = ${projectId}
                  and email = ${email}`)[0];
const mails = async (email: string) =>
  await t.db
    .sql`select body_text from astapa.mail_outbox where project_id = ${project.id} and to_address = ${email}`;

Deno.test("dashboard waitlist — the mode is set in Settings; admins approve (mailed) and decline, viewers read only", async () => {
  const saved = await postAs(t, owner, `${base}/settings/sign-up`, {
    mode: "waitlist",
    allowed_domains: "",
    blocked_domains: "",
  });
  assert.equal(saved.status, 303);
  assert.match(
    await (await getAs(t, owner, `${base}/settings`)).text(),
    /name="mode" value="waitlist" checked/,
  );
  await join(project.id, "ayu@antre.example");
  await join(project.id, "budi@antre.example");
  assert.match(await (await getAs(t, owner, `${base}/users`)).text(), new RegExp(`href="${base}/waitlist"`));

  const listed = await (await getAs(t, owner, `${base}/waitlist`)).text();
  assert.match(listed, /<h1>Waitlist<\/h1>/);
  assert.match(listed, /ayu@antre\.example/);
  assert.match(listed, /value="approve"/);
  const viewed = await (await getAs(t, viewer, `${base}/waitlist`)).text();
  assert.match(viewed, /budi@antre\.example/);
  assert.doesNotMatch(viewed, /value="approve"|value="decline"/);

  const ayu = await entry(project.id, "ayu@antre.example");
  const refused = await postAs(t, viewer, `${base}/waitlist/decide`, { id: ayu.id, decision: "approve" });
  assert.equal(refused.status, 403);
  await refused.body?.cancel();
  assert.equal((await entry(project.id, "ayu@antre.example")).status, "waiting");

  const approved = await postAs(t, owner, `${base}/waitlist/decide`, { id: ayu.id, decision: "approve" });
  assert.equal(approved.status, 303);
  assert.equal(approved.headers.get("location"), `${base}/waitlist?done=approved`);
  assert.equal((await entry(project.id, "ayu@antre.example")).status, "approved");
  const [mail] = await mails("ayu@antre.example");
  assert.match(
    mail.body_text,
    /\/auth\/signup\?client_id=[^\s]*redirect_uri=https%3A%2F%2Fantre\.example%2Fcb/,
  );
  assert.match(mail.body_text, /login_hint=ayu%40antre\.example/);

  const budi = await entry(project.id, "budi@antre.example");
  const declined = await postAs(t, owner, `${base}/waitlist/decide`, { id: budi.id, decision: "decline" });
  assert.equal(declined.status, 303);
  assert.equal((await entry(project.id, "budi@antre.example")).status, "declined");
  assert.equal((await mails("budi@antre.example")).length, 0);
  const page = await (await getAs(t, owner, `${base}/waitlist?status=declined&done=declined`)).text();
  assert.match(page, /Declined: the address cannot sign up/);
  assert.match(page, /budi@antre\.example/);
});

Deno.test("dashboard waitlist — another project's entry is refused on the page and stays as it was", async () => {
  await join(other.id, "theirs@lain.example");
  const theirs = await entry(other.id, "theirs@lain.example");
  const res = await postAs(t, owner, `${base}/waitlist/decide`, { id: theirs.id, decision: "approve" });
  assert.equal(res.status, 422);
  assert.match(await res.text(), /No waitlist entry/);
  assert.equal((await entry(other.id, "theirs@lain.example")).status, "waiting");
  const outsider = await getAs(t, owner, `/dashboard/projects/${other.id}/waitlist`);
  assert.equal(outsider.status, 404);
  await outsider.body?.cancel();
});
