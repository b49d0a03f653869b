/**
 * The webhooks page's description field and "Send test event" button: admins describe an endpoint and send a
 * webhook.test to one card's endpoint (paused too) and no other; viewers see no button and are refused; CSRF
 * is checked; past five a minute the page says so in English and Indonesian.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { listWebhookEndpoints } from "@/db/webhook_endpoints.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const owner = await signInDeveloper(t, "tester@dev.example");

async function projectWithTwoEndpoints() {
  const project = await seedProject(t.db.sql, { name: "Tested" });
  await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
  const page = `/dashboard/projects/${project.id}/webhooks`;
  for (
    const [url, description] of [["https://a.example/hooks", "Billing service"], [
      "https://b.example/hooks",
      "",
    ]]
  ) {
    const added = await postAs(t, owner, page, { endpoint: "new", url, receive: "all", description });
    assert.equal(added.status, 200, await added.clone().text());
  }
  const [target, other] = await asApp(t.db.sql, project.id, (tx) => listWebhookEndpoints(tx, project.id));
  return { id: project.id, page, target, other };
}

const queuedTo = async (projectId: string) =>
  (await t.db.sql`select e.public_id, ev.type from astapa.webhook_deliveries as d
     join astapa.webhook_endpoints as e on e.project_id = d.project_id and e.id = d.endpoint_id
     join astapa.events as ev on ev.project_id = d.project_id and ev.id = d.event_id
     where d.project_id = ${projectId}`).map((r) => [r.public_id, r.type]);

Deno.test("webhooks — a description is shown on its card, and changed or cleared by the edit form", async () => {
  const { page, target, other } = await projectWithTwoEndpoints();
  assert.deepEqual([target.description, other.description], ["Billing service", null]);
  const html = await (await getAs(t, owner, page)).text();
  assert.match(html, /<dd class="endpoint-description">Billing service<\/dd>/);
  assert.match(html, new RegExp(`id="description-${target.id}"[^>]*value="Billing service"`));
  const edit = (description: string) =>
    postAs(t, owner, page, { endpoint: target.id, url: target.url, receive: "all", description });
  assert.equal((await edit("CRM sync")).status, 303);
  assert.match(await (await getAs(t, owner, page)).text(), /endpoint-description">CRM sync</);
  assert.equal((await edit("")).status, 303);
  assert.doesNotMatch(await (await getAs(t, owner, page)).text(), /endpoint-description/);
  const tooLong = await edit("x".repeat(201));
  assert.equal(tooLong.status, 422);
  assert.match(await tooLong.text(), /at most 200 characters/);
});

Deno.test("webhooks — Send test event queues webhook.test to that card's endpoint only, even paused", async () => {
  const { id, page, target, other } = await projectWithTwoEndpoints();
  assert.equal(
    (await postAs(t, owner, `${page}/enabled`, { endpoint: target.id, enabled: "false" })).status,
    303,
  );
  const html = await (await getAs(t, owner, page)).text();
  assert.match(html, new RegExp(`action="${page}/test"[^]*?name="endpoint" value="${target.id}"`));
  const sent = await postAs(t, owner, `${page}/test`, { endpoint: target.id });
  assert.equal(sent.status, 303);
  assert.equal(sent.headers.get("location"), `${page}?done=test_sent`);
  const after = await (await getAs(t, owner, sent.headers.get("location")!)).text();
  assert.match(after, /Test event queued/);
  assert.match(after, /<code>webhook\.test<\/code>/);
  assert.deepEqual(await queuedTo(id), [[target.id, "webhook.test"]], `not to ${other.id}`);
});

Deno.test("webhooks — Send test event: viewers get no button and 403, CSRF is checked, the sixth is refused (422)", async () => {
  const { id, page, target } = await projectWithTwoEndpoints();
  await inviteDeveloper(t, "test-viewer@dev.example");
  const viewer = await signInDeveloper(t, "test-viewer@dev.example");
  await addDeveloperTo(t, id, viewer.accountId, "viewer");
  assert.doesNotMatch(await (await getAs(t, viewer, page)).text(), /Send test event/);
  assert.equal((await postAs(t, viewer, `${page}/test`, { endpoint: target.id })).status, 403);
  assert.equal((await postAs(t, owner, `${page}/test`, { endpoint: target.id }, null)).status, 403);
  assert.equal((await postAs(t, owner, `${page}/test`, { endpoint: target.id }, viewer.csrf)).status, 403);
  assert.deepEqual(await queuedTo(id), []);

  for (let sent = 0; sent < 5; sent++) {
    assert.equal((await postAs(t, owner, `${page}/test`, { endpoint: target.id })).status, 303);
  }
  const refused = await postAs(t, owner, `${page}/test`, { endpoint: target.id });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /Five test events a minute per endpoint.* — Lima event uji per menit/);
  assert.equal((await queuedTo(id)).length, 5);
});
