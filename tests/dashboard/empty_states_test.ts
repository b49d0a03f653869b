/**
 * Empty states (issue 29 item 10): every dashboard list page with nothing in it says what the list is, what to
 * do first, and links to it — and the links lead somewhere that answers.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { createPlan } from "@/db/plans.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@empty.example");
await inviteDeveloper(t, "viewer@empty.example");
const viewer = await signInDeveloper(t, "viewer@empty.example");
const project = await seedProject(t.db.sql, { name: "Warung", redirectUri: "https://warung.example/cb" });
await addDeveloperTo(t, project.id, owner.accountId, "owner");
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;

/** The page's empty-state card: its heading, text and links (the first link being the button, if any). */
async function emptyState(path: string, as = owner) {
  const res = await getAs(t, as, path);
  assert.equal(res.status, 200, path);
  const html = await res.text();
  const card = /<section class="card empty-state" data-empty-state[^>]*>([\s\S]*?)<\/section>/.exec(html);
  assert.ok(card, `${path} shows an empty state`);
  const heading = /<h2>([^<]+)<\/h2>/.exec(card[1])?.[1] ?? "";
  const links = [...card[1].matchAll(/<a (?:class="button" )?href="([^"]+)"/g)].map((m) =>
    m[1].replace(/&amp;/g, "&")
  );
  const text = card[1].replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
  return {
    heading,
    links,
    text,
    button: /<a class="button" href="([^"]+)"/.exec(card[1])?.[1].replace(/&amp;/g, "&"),
  };
}

Deno.test("empty states — each list page says what it is, what to do first, and links to it", async () => {
  const signup = `/auth/signup?client_id=${project.clientId}&redirect_uri=${
    encodeURIComponent("https://warung.example/cb")
  }`;
  const picker = `/billing?client_id=${project.clientId}`;
  const expected: Record<string, { heading: RegExp; button?: string; words: RegExp }> = {
    users: { heading: /No sandbox users yet/, button: signup, words: /hosted login/ },
    mail: { heading: /No mail yet/, button: signup, words: /confirmation and password reset/ },
    "sandbox-inbox": { heading: /No mail yet/, button: signup, words: /Sign up/ },
    plans: { heading: /No paid plans yet/, button: "#new-plan", words: /hosted plan picker/ },
    payments: { heading: /No payments yet/, button: picker, words: /Simulate payment/ },
    receipts: { heading: /No receipts yet/, button: `${base}/payments`, words: /paid payment/ },
    coupons: { heading: /No coupons yet/, button: "#new-coupon", words: /hosted checkout/ },
    "machine-clients": {
      heading: /No machine clients yet/,
      button: "#new-machine-client",
      words: /client-credentials/,
    },
  };
  for (const [tab, want] of Object.entries(expected)) {
    const state = await emptyState(`${base}/${tab}`);
    assert.match(state.heading, want.heading, tab);
    assert.match(state.text, want.words, tab);
    assert.equal(state.button, want.button, `${tab}: the first step`);
    assert.ok(state.links.length >= 1, tab);
    for (const link of state.links) {
      if (link.startsWith("#")) {
        const page = await (await getAs(t, owner, `${base}/${tab}`)).text();
        assert.match(page, new RegExp(` id="${link.slice(1)}"`), `${tab}: ${link} is on the page`);
        continue;
      }
      const res = await getAs(t, owner, link.split("#")[0]);
      assert.ok([200, 302, 303].includes(res.status), `${tab}: ${link} answers (${res.status})`);
      await res.body?.cancel();
    }
  }
  const webhooks = await (await getAs(t, owner, `${base}/webhooks`)).text();
  assert.match(webhooks, /No webhook endpoint yet\. Add your app's URL below/);
  assert.match(webhooks, /href="\/docs\/plans#events-and-app-webhooks"/);
});

Deno.test("empty states — viewers get the explanation without a button they may not use", async () => {
  for (const tab of ["plans", "coupons", "machine-clients"]) {
    const state = await emptyState(`${base}/${tab}`, viewer);
    assert.equal(state.button, undefined, tab);
    assert.ok(state.links.length >= 1, `${tab} still links to the docs`);
  }
  const webhooks = await (await getAs(t, viewer, `${base}/webhooks`)).text();
  assert.match(webhooks, /No webhook endpoint yet\. Add your app's URL and/);
});

Deno.test("empty states — without a redirect URI the first step is adding one; a filled list shows none", async () => {
  const bare = await seedProject(t.db.sql, { name: "Bare" });
  await addDeveloperTo(t, bare.id, owner.accountId, "owner");
  await t.db.sql`update astapa.projects set redirect_uris = '{}' where id = ${bare.id}`;
  const users = await emptyState(`/dashboard/projects/${bare.id}/users`);
  assert.equal(users.button, `/dashboard/projects/${bare.id}#redirect-heading`);
  const project = await (await getAs(t, owner, `/dashboard/projects/${bare.id}`)).text();
  assert.match(project, /id="redirect-heading"/);

  await asApp(
    t.db.sql,
    bare.id,
    (tx) => createPlan(tx, bare.id, { key: "pro", name: "Pro", price_idr: 10_000 }),
  );
  const plans = await (await getAs(t, owner, `/dashboard/projects/${bare.id}/plans`)).text();
  assert.doesNotMatch(plans, /data-empty-state/, "a paid plan: the list needs no explaining");
  assert.match(plans, /<table class="list plans">/);
});

Deno.test("empty states — a developer with no project is offered to create one and told how to attach a CLI one", async () => {
  await inviteDeveloper(t, "fresh@empty.example");
  const fresh = await signInDeveloper(t, "fresh@empty.example");
  const state = await emptyState("/dashboard", fresh);
  assert.equal(state.heading, "No projects yet");
  assert.equal(state.button, "/dashboard/projects/new");
  assert.match(state.text, /deno task astapa account create --email fresh@empty\.example --project proj_…/);
  assert.ok(state.links.includes("/docs/quick-start"));
});
