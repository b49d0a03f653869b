/** The SDK's `waitlist` against a served Astapa: list (status, pages), approve (mail queued once), decline; 404s. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { AstapaError, createAstapa } from "@/sdk/mod.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, {
  redirectUri: "http://localhost:3000/callback",
  settings: { sign_up: { mode: "waitlist" } },
});
const astapa = createAstapa({
  baseUrl: t.origin,
  clientId: project.clientId,
  clientSecret: project.secret,
  redirectUri: project.redirectUri,
});
const join = (email: string) => asApp(t.db.sql, project.id, (tx) => tx`select api.join_waitlist(${email})`);

Deno.test("sdk — waitlist.list, approve (mailed once), decline; an unknown entry is a typed 404", async () => {
  for (const email of ["a@sdk.example", "b@sdk.example", "c@sdk.example"]) await join(email);
  const first = await astapa.waitlist.list({ status: "waiting", limit: 2 });
  assert.deepEqual(first.entries.map((e) => e.email), ["c@sdk.example", "b@sdk.example"]);
  const rest = await astapa.waitlist.list({ before: first.next_before!, limit: 2 });
  assert.deepEqual(rest.entries.map((e) => e.email), ["a@sdk.example"]);
  assert.equal(rest.next_before, null);
  const approved = await astapa.waitlist.approve(first.entries[0].id);
  assert.equal(approved.status, "approved");
  assert.deepEqual(await astapa.waitlist.approve(first.entries[0].id), approved);
  const [mail] = await t.db.sql`select count(*)::int as n, min(body_text) as text from astapa.mail_outbox
    where project_id = ${project.id} and to_address = 'c@sdk.example'`;
  assert.equal(mail.n, 1);
  assert.match(mail.text, /\/auth\/signup\?client_id=[^\s]*login_hint=c%40sdk.example/);
  const declined = await astapa.waitlist.decline(first.entries[1].id);
  assert.deepEqual([declined.status, declined.email], ["declined", "b@sdk.example"]);
  assert.deepEqual((await astapa.waitlist.list({ status: "declined" })).entries.map((e) => e.id), [
    declined.id,
  ]);
  await assert.rejects(
    astapa.waitlist.approve("wle_aaaaaaaaaaaaaaaaaaaaaaaa"),
    (error: unknown) => error instanceof AstapaError && error.status === 404,
  );
});
