/** The webhooks page: its endpoints (secrets shown once), pausing, the paged delivery log, resend; roles, CSRF. */
import assert from "node:assert/strict";
import { takeLive } from "../helpers/live_keys.ts";
import { testApp } from "../helpers/app.ts";
import {
  addDeveloperTo,
  getAs,
  inviteDeveloper,
  postAs,
  signInDeveloper,
  type TestDeveloper,
} from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import {
  claimWebhookDeliveries,
  EVENT_TYPES,
  getWebhookEndpoint,
  recordWebhookAttempt,
} from "@/db/webhooks.ts";
import { listWebhookEndpoints } from "@/db/webhook_endpoints.ts";
import { openWebhookSecret } from "@/lib/webhooks/signature.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");

async function ownedProject(name: string, mode: "sandbox" | "production" = "sandbox") {
  const project = await seedProject(t.db.sql, { name });
  await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
  if (mode === "production") await takeLive(t.db.sql, project.id);
  return { id: project.id, page: `/dashboard/projects/${project.id}/webhooks` };
}

/** A form POST whose fields may repeat (the event-type checkboxes). */
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

const sealedSecret = async (projectId: string) => {
  const [row] = await t.db
    .sql`select secret_sealed from astapa.webhook_endpoints where project_id = ${projectId}`;
  return new Uint8Array(row.secret_sealed);
};

/** Every due delivery of the project is attempted once and given up on (HTTP 500, no retry). */
async function failAll(projectId: string): Promise<void> {
  for (const claimed of await claimWebhookDeliveries(t.db.sql, projectId, 100, 60)) {
    await recordWebhookAttempt(t.db.sql, projectId, {
      deliveryId: claimed.delivery_id,
      attempt: claimed.attempt,
      httpStatus: 500,
      error: "The endpoint answered 500.",
      retryIn: null,
    });
  }
}

Deno.test("webhooks — adding an endpoint shows its signing secret once; editing keeps it", async () => {
  const { id, page } = await ownedProject("Hooks");
  assert.match(await (await getAs(t, owner, page)).text(), /No webhook endpoint yet/);
  const added = await postFields(owner, page, [
    ["url", "https://app.example/hooks"],
    ["events", "user.created"],
    ["events", "payment.succeeded"],
  ]);
  assert.equal(added.status, 200);
  const html = await added.text();
  const secret = /data-credential="signing_secret">(whsec_[A-Za-z0-9+/=]+)</.exec(html)![1];
  assert.equal(await openWebhookSecret(t.deps.masterKeys.sealing, id, await sealedSecret(id)), secret);
  assert.match(html, /Webhook endpoint added/);
  const again = await (await getAs(t, owner, page)).text();
  assert.ok(!again.includes(secret), "not shown again");
  assert.match(again, /<dd>user\.created, payment\.succeeded<\/dd>/);

  const before = await sealedSecret(id);
  const saved = await followed(
    await postFields(owner, page, [["url", "https://app.example/v2"], ["events", "subscription.updated"]]),
  );
  assert.match(saved, /Webhook endpoint saved/);
  assert.match(saved, /id="endpoint-url">https:\/\/app\.example\/v2</);
  assert.deepEqual(await sealedSecret(id), before, "the secret stays");
  const audit = await asApp(
    t.db.sql,
    id,
    (tx) => tx`select actor from astapa.audit_log where action = 'webhook.set' order by id`,
  );
  assert.deepEqual(audit.map((row) => row.actor), Array(2).fill(`account:${owner.accountId}`));
});

Deno.test("webhooks — all events, including future ones: a new endpoint's default; a list and back", async () => {
  const { id, page } = await ownedProject("Everything");
  const stored = async () => (await asApp(t.db.sql, id, (tx) => getWebhookEndpoint(tx, id)))!.events;
  assert.match(await (await getAs(t, owner, page)).text(), /name="receive" value="all" checked/);
  const added = await postFields(owner, page, [["url", "https://app.example/hooks"], ["receive", "all"]]);
  assert.equal(added.status, 200, "no event type ticked is fine with all events");
  assert.equal(await stored(), "*");
  const shown = await (await getAs(t, owner, page)).text();
  assert.match(shown, /<dd>all events, including future ones<\/dd>/);
  assert.match(shown, /name="receive" value="all" checked/);

  await followed(
    await postFields(owner, page, [
      ["url", "https://app.example/hooks"],
      ["receive", "listed"],
      ["events", "payment.refund_failed"],
    ]),
  );
  assert.deepEqual(await stored(), ["payment.refund_failed"]);
  const listed = await (await getAs(t, owner, page)).text();
  assert.match(listed, /<dd>payment\.refund_failed<\/dd>/);
  assert.match(listed, /name="receive" value="listed" checked/);

  const none = await postFields(owner, page, [["url", "https://app.example/hooks"], ["receive", "listed"]]);
  assert.equal(none.status, 422);
  assert.match(await none.text(), /Pick at least one event type, or choose all events/);
  const odd = await postFields(owner, page, [["url", "https://app.example/hooks"], [
    "receive",
    "everything",
  ]]);
  assert.equal(odd.status, 422);
  assert.match(await odd.text(), /role="alert">Some fields are missing or invalid\. receive: /);
  assert.deepEqual(await stored(), ["payment.refund_failed"], "refused forms changed nothing");

  await followed(
    await postFields(owner, page, [
      ["url", "https://app.example/hooks"],
      ["receive", "all"],
      ["events", "user.created"],
    ]),
  );
  assert.equal(await stored(), "*", "with all events chosen the ticked types do not narrow it");
});

Deno.test("webhooks — a list naming every type today says a later type will not reach it", async () => {
  const { id, page } = await ownedProject("Every type listed");
  const everyType = EVENT_TYPES.map((type): [string, string] => ["events", type]);
  await postFields(owner, page, [["url", "https://app.example/hooks"], ["receive", "listed"], ...everyType]);
  assert.deepEqual((await asApp(t.db.sql, id, (tx) => getWebhookEndpoint(tx, id)))!.events, [...EVENT_TYPES]);
  const html = await (await getAs(t, owner, page)).text();
  assert.match(html, /id="lists-every-type"[^>]*>\s*This endpoint lists every event type there is today/);
  await followed(await postFields(owner, page, [["url", "https://app.example/hooks"], ["receive", "all"]]));
  assert.ok(!(await (await getAs(t, owner, page)).text()).includes("lists-every-type"), "gone once all");
});

Deno.test("webhooks — rotate (confirmed) shows a new secret once; pause and enable; remove (confirmed)", async () => {
  const { id, page } = await ownedProject("Rotating");
  await postFields(owner, page, [["url", "https://app.example/hooks"], ["events", "user.created"]]);
  const unconfirmed = await postAs(t, owner, `${page}/secret`, {});
  assert.equal(unconfirmed.status, 422);
  assert.match(await unconfirmed.text(), /Tick the box to confirm/);
  const rotated = await postAs(t, owner, `${page}/secret`, { confirm: "yes" });
  assert.equal(rotated.status, 200);
  const secret = /data-credential="signing_secret">(whsec_[A-Za-z0-9+/=]+)</.exec(await rotated.text())![1];
  assert.equal(await openWebhookSecret(t.deps.masterKeys.sealing, id, await sealedSecret(id)), secret);

  const paused = await followed(await postAs(t, owner, `${page}/enabled`, { enabled: "false" }));
  assert.match(paused, /Webhook endpoint paused/);
  assert.match(paused, /<dd>paused<\/dd>/);
  await seedUser(t.db.sql, id, "while-paused@example.com");
  assert.match(paused, /No deliveries yet/);
  assert.match(
    await followed(await postAs(t, owner, `${page}/enabled`, { enabled: "true" })),
    /<dd>enabled<\/dd>/,
  );

  assert.equal((await postAs(t, owner, `${page}/remove`, {})).status, 422);
  const removed = await followed(await postAs(t, owner, `${page}/remove`, { confirm: "yes" }));
  assert.match(removed, /Webhook endpoint removed/);
  assert.equal(await asApp(t.db.sql, id, (tx) => getWebhookEndpoint(tx, id)), null);
  const nothing = await postAs(t, owner, `${page}/remove`, { confirm: "yes" });
  assert.equal(nothing.status, 422);
  assert.match(await nothing.text(), /no webhook endpoint/);
});

Deno.test("webhooks — bad input re-renders with the reason (422)", async () => {
  const { page } = await ownedProject("Bad input");
  const cases: [[string, string][], RegExp][] = [
    [[["url", " "], ["events", "user.created"]], /Enter the URL/],
    [[["url", "https://app.example/hooks"]], /Pick at least one event type/],
    [
      [["url", "https://app.example/hooks"], ["events", "user.invented"]],
      /user\.invented is not an event type/,
    ],
    [[["url", "http://app.example/hooks"], ["events", "user.created"]], /Use an absolute https URL/],
    [[["url", "https://app.example/#x"], ["events", "user.created"]], /without a fragment/],
  ];
  for (const [fields, message] of cases) {
    const res = await postFields(owner, page, fields);
    assert.equal(res.status, 422, JSON.stringify(fields));
    assert.match(await res.text(), message);
  }
  const pausedNone = await postAs(t, owner, `${page}/enabled`, { enabled: "false" });
  assert.equal(pausedNone.status, 422);
  const maybe = await postAs(t, owner, `${page}/enabled`, { enabled: "maybe" });
  assert.equal(maybe.status, 422);
  assert.match(await maybe.text(), /role="alert">Some fields are missing or invalid\. enabled: /);
});

Deno.test("webhooks — production projects may not point at internal addresses; sandbox may", async () => {
  const live = await ownedProject("Live", "production");
  for (
    const url of [
      "http://127.0.0.1:9/hooks",
      "http://localhost:9/hooks",
      "https://10.1.2.3/hooks",
      "https://169.254.169.254/latest",
      "https://[fd00::1]/hooks",
      "https://[::ffff:192.168.0.1]/x",
    ]
  ) {
    const res = await postFields(owner, live.page, [["url", url], ["events", "user.created"]]);
    assert.equal(res.status, 422, url);
    assert.match(await res.text(), /A production webhook must reach a public address/, url);
  }
  const publicAddress = await postFields(owner, live.page, [["url", "https://93.184.215.14/hooks"], [
    "events",
    "user.created",
  ]]);
  assert.equal(publicAddress.status, 200);
  const sandbox = await ownedProject("Local");
  const loopback = await postFields(owner, sandbox.page, [["url", "http://127.0.0.1:9/hooks"], [
    "events",
    "user.created",
  ]]);
  assert.equal(loopback.status, 200);
});

Deno.test("webhooks — ASTAPA_WEBHOOK_ALLOW_PRIVATE=true lets production projects use internal addresses", async () => {
  const single = await testApp({ env: { ASTAPA_WEBHOOK_ALLOW_PRIVATE: "true" } });
  try {
    const dev = await signInDeveloper(single, "solo@dev.example");
    const project = await seedProject(single.db.sql, { name: "Single tenant" });
    await asApp(single.db.sql, project.id, (tx) => addMember(tx, project.id, dev.accountId, "owner"));
    await takeLive(single.db.sql, project.id);
    const res = await single.app.request(`/dashboard/projects/${project.id}/webhooks`, {
      method: "POST",
      headers: {
        accept: "text/html",
        cookie: dev.cookie,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ csrf: dev.csrf, url: "http://127.0.0.1:9/hooks", events: "user.created" }),
    });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Webhook endpoint added/);
  } finally {
    await single.close();
  }
});

Deno.test("webhooks — the delivery log pages through deliveries; a failed one is resent", async () => {
  const { id, page } = await ownedProject("Log");
  await postFields(owner, page, [["url", "https://app.example/hooks"], ["events", "user.created"]]);
  for (let n = 0; n < 27; n++) await seedUser(t.db.sql, id, `log${n}@example.com`);
  await failAll(id);
  const first = await (await getAs(t, owner, page)).text();
  assert.equal(first.match(/<tr data-delivery=/g)?.length, 25);
  assert.match(first, /data-status="failed"/);
  assert.match(first, /HTTP 500 · The endpoint answered 500\./);
  const older = /href="([^"]+\?before=\d+)"/.exec(first)![1];
  const second = await (await getAs(t, owner, older.replaceAll("&amp;", "&"))).text();
  assert.equal(second.match(/<tr data-delivery=/g)?.length, 2);
  assert.ok(!/\?before=/.test(second), "the last page links no further");
  assert.match(second, />Newest</);
  assert.equal(
    (await getAs(t, owner, `${page}?before=nonsense`)).status,
    200,
    "a bad cursor shows the newest",
  );

  const delivery = /data-delivery="(\d+)" data-status="failed"/.exec(first)![1];
  const resent = await followed(await postAs(t, owner, `${page}/deliveries/${delivery}/resend`, {}));
  assert.match(resent, /Delivery queued again/);
  assert.match(resent, new RegExp(`data-delivery="${delivery}" data-status="pending"`));
  const twice = await postAs(t, owner, `${page}/deliveries/${delivery}/resend`, {});
  assert.equal(twice.status, 422);
  assert.match(await twice.text(), /Only a failed delivery can be resent; this one is pending/);
  assert.equal((await postAs(t, owner, `${page}/deliveries/99999999/resend`, {})).status, 422);
  assert.equal((await postAs(t, owner, `${page}/deliveries/0x1/resend`, {})).status, 422);
  const [audit] = await asApp(
    t.db.sql,
    id,
    (tx) => tx`select actor, target from astapa.audit_log where action = 'webhook.resend'`,
  );
  assert.deepEqual({ ...audit }, { actor: `account:${owner.accountId}`, target: delivery });
});

Deno.test("webhooks — viewers read the log but every change is 403; strangers get 404; CSRF is checked", async () => {
  const { id, page } = await ownedProject("Viewed");
  await postFields(owner, page, [["url", "https://app.example/hooks"], ["events", "user.created"]]);
  await seedUser(t.db.sql, id, "seen@example.com");
  await failAll(id);
  await inviteDeveloper(t, "viewer@dev.example");
  const viewer = await signInDeveloper(t, "viewer@dev.example");
  await addDeveloperTo(t, id, viewer.accountId, "viewer");
  const read = await getAs(t, viewer, page);
  assert.equal(read.status, 200);
  const html = await read.text();
  assert.match(html, /data-status="failed"/);
  assert.ok(!html.includes("/resend"), "no resend button for viewers");
  assert.ok(!html.includes("Save endpoint"), "no endpoint form for viewers");
  const delivery = /data-delivery="(\d+)"/.exec(html)![1];
  const posts: [string, Record<string, string>][] = [
    [page, { url: "https://evil.example/hooks", events: "user.created" }],
    [`${page}/secret`, { confirm: "yes" }],
    [`${page}/enabled`, { enabled: "false" }],
    [`${page}/remove`, { confirm: "yes" }],
    [`${page}/deliveries/${delivery}/resend`, {}],
  ];
  for (const [path, fields] of posts) {
    assert.equal((await postAs(t, viewer, path, fields)).status, 403, path);
  }
  await inviteDeveloper(t, "stranger@dev.example");
  const stranger = await signInDeveloper(t, "stranger@dev.example");
  assert.equal((await getAs(t, stranger, page)).status, 404);
  assert.equal((await postAs(t, stranger, `${page}/remove`, { confirm: "yes" })).status, 404);
  assert.equal((await postAs(t, owner, `${page}/remove`, { confirm: "yes" }, null)).status, 403);
  assert.equal(
    (await postAs(t, owner, `${page}/deliveries/${delivery}/resend`, {}, viewer.csrf)).status,
    403,
  );
  assert.ok(await asApp(t.db.sql, id, (tx) => getWebhookEndpoint(tx, id)), "still there");
});

Deno.test("webhooks — two endpoints: each added with its own secret, listed, edited, paused, rotated and removed alone", async () => {
  const { id, page } = await ownedProject("Two endpoints");
  const add = (url: string, events: [string, string][]) =>
    postFields(owner, page, [["endpoint", "new"], ["url", url], ...events]);
  const secretIn = (html: string) =>
    /data-credential="signing_secret">(whsec_[A-Za-z0-9+/=]+)</.exec(html)![1];
  const first = await add("https://one.example/hooks", [["receive", "all"]]);
  assert.equal(first.status, 200);
  const firstSecret = secretIn(await first.text());
  const second = await add("https://two.example/hooks", [["events", "user.created"]]);
  assert.equal(second.status, 200);
  const secondHtml = await second.text();
  assert.match(secondHtml, /Webhook endpoint added\. — Endpoint webhook ditambahkan\./);
  assert.notEqual(secretIn(secondHtml), firstSecret, "each endpoint has its own secret");

  const [a, b] = await asApp(t.db.sql, id, (tx) => listWebhookEndpoints(tx, id));
  const shown = await (await getAs(t, owner, page)).text();
  assert.equal(
    shown.match(/<section class="card" aria-labelledby="endpoint-heading[^"]*" data-endpoint=/g)?.length,
    2,
  );
  for (const endpoint of [a, b]) {
    assert.match(shown, new RegExp(`data-endpoint="${endpoint.id}"`));
    assert.match(shown, new RegExp(`name="endpoint" value="${endpoint.id}"`));
  }
  assert.match(shown, /id="endpoint-url">https:\/\/one\.example\/hooks</);
  assert.match(shown, /id="endpoint-url-2">https:\/\/two\.example\/hooks</);
  assert.match(shown, /Add another endpoint/);

  await followed(
    await postFields(owner, page, [["endpoint", b.id], ["url", "https://two.example/v2"], [
      "receive",
      "all",
    ]]),
  );
  const paused = await followed(
    await postAs(t, owner, `${page}/enabled`, { endpoint: b.id, enabled: "false" }),
  );
  assert.match(paused, /Webhook endpoint paused.* — Endpoint webhook dijeda/);
  const now = await asApp(t.db.sql, id, (tx) => listWebhookEndpoints(tx, id));
  assert.deepEqual(now.map((e) => [e.url, e.events, e.enabled]), [
    ["https://one.example/hooks", "*", true],
    ["https://two.example/v2", "*", false],
  ]);

  const [before] = await t.db
    .sql`select secret_sealed from astapa.webhook_endpoints where public_id = ${b.id}`;
  const rotated = await postAs(t, owner, `${page}/secret`, { endpoint: a.id, confirm: "yes" });
  assert.equal(rotated.status, 200);
  const [aRow, bRow] = await t.db.sql`select secret_sealed from astapa.webhook_endpoints
                                     where project_id = ${id} order by id`;
  assert.equal(
    await openWebhookSecret(t.deps.masterKeys.sealing, id, new Uint8Array(aRow.secret_sealed)),
    secretIn(await rotated.text()),
  );
  assert.deepEqual(bRow.secret_sealed, before.secret_sealed, "the other endpoint keeps its secret");

  await seedUser(t.db.sql, id, "two-endpoints@example.com");
  const removed = await followed(
    await postAs(t, owner, `${page}/remove`, { endpoint: a.id, confirm: "yes" }),
  );
  assert.match(removed, /Webhook endpoint removed/);
  assert.deepEqual((await asApp(t.db.sql, id, (tx) => listWebhookEndpoints(tx, id))).map((e) => e.id), [
    b.id,
  ]);
  assert.match(
    removed,
    /<code>https:\/\/one\.example\/hooks<\/code><br\/?><small class="muted">removed<\/small>/,
  );

  const gone = await postAs(t, owner, `${page}/remove`, { endpoint: a.id, confirm: "yes" });
  assert.equal(gone.status, 422);
  assert.match(await gone.text(), /no webhook endpoint with this id/);
  const nope = await postAs(t, owner, `${page}/enabled`, { endpoint: "wep_nope", enabled: "true" });
  assert.equal(nope.status, 422);
  assert.match(await nope.text(), /role="alert">Some fields are missing or invalid\. endpoint: /);
});

Deno.test("webhooks — the 17th endpoint is refused in English and Indonesian (422); viewers may not add one", async () => {
  const { id, page } = await ownedProject("Full");
  for (let i = 0; i < 16; i++) {
    const added = await postFields(owner, page, [["endpoint", "new"], ["url", `https://app.example/${i}`], [
      "receive",
      "all",
    ]]);
    assert.equal(added.status, 200);
  }
  const full = await (await getAs(t, owner, page)).text();
  assert.match(full, /This project has 16 endpoints, the most it may have/);
  assert.ok(!full.includes('name="endpoint" value="new"'), "no add form at the limit");
  const refused = await postFields(owner, page, [["endpoint", "new"], ["url", "https://app.example/16"], [
    "receive",
    "all",
  ]]);
  assert.equal(refused.status, 422);
  assert.match(
    await refused.text(),
    /16 webhook endpoints, the most it may have.* — Proyek ini sudah punya 16 endpoint webhook/,
  );
  assert.equal((await asApp(t.db.sql, id, (tx) => listWebhookEndpoints(tx, id))).length, 16);

  await inviteDeveloper(t, "full-viewer@dev.example");
  const viewer = await signInDeveloper(t, "full-viewer@dev.example");
  await addDeveloperTo(t, id, viewer.accountId, "viewer");
  const viewed = await (await getAs(t, viewer, page)).text();
  assert.ok(!viewed.includes('name="endpoint"'), "no endpoint forms for viewers");
  const tried = await postAs(t, viewer, page, {
    endpoint: "new",
    url: "https://evil.example/",
    receive: "all",
  });
  assert.equal(tried.status, 403);
});
