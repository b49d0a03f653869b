/**
 * SQL tests for the Client ID Metadata Document cache (db/api/client_metadata_documents.sql): storing and
 * reading a document, its freshness, redirect-URI changes between fetches, the audit of refusals, and the
 * per-project switch in astapa.assert_dynamic_client_allowed.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const URL_ID = "https://agent.example/client.json";
const doc = (redirects: string[], clientId = URL_ID) =>
  db.sql.json({ client_id: clientId, redirect_uris: redirects, token_endpoint_auth_method: "none" } as never);

Deno.test("api.store_client_metadata_document — keeps a copy, reports changed redirect URIs; the read says fresh", async () => {
  const first = await appValue<Record<string, unknown>>(
    db.sql,
    null,
    (tx) => tx`select api.store_client_metadata_document(${URL_ID}, ${doc(["https://a.example/cb"])}, 600)`,
  );
  assert.deepEqual(first, { redirect_uris_changed: false, previous_redirect_uris: null });
  const same = await appValue<Record<string, unknown>>(
    db.sql,
    null,
    (tx) => tx`select api.store_client_metadata_document(${URL_ID}, ${doc(["https://a.example/cb"])}, 600)`,
  );
  assert.equal(same.redirect_uris_changed, false);
  const changed = await appValue<Record<string, unknown>>(
    db.sql,
    null,
    (tx) => tx`select api.store_client_metadata_document(${URL_ID}, ${doc(["https://b.example/cb"])}, 60)`,
  );
  assert.deepEqual(changed, {
    redirect_uris_changed: true,
    previous_redirect_uris: ["https://a.example/cb"],
  });
  const read = await appValue<{ fresh: boolean; document: { redirect_uris: string[] } }>(
    db.sql,
    null,
    (tx) => tx`select api.client_metadata_document(${URL_ID})`,
  );
  assert.equal(read.fresh, true);
  assert.deepEqual(read.document.redirect_uris, ["https://b.example/cb"]);
  await db.sql`update astapa.client_metadata_documents set expires_at = now() - interval '1 second',
    fetched_at = now() - interval '1 minute' where client_id = ${URL_ID}`;
  const stale = await appValue<{ fresh: boolean }>(
    db.sql,
    null,
    (tx) => tx`select api.client_metadata_document(${URL_ID})`,
  );
  assert.equal(stale.fresh, false);
  assert.equal(
    await appValue(
      db.sql,
      null,
      (tx) => tx`select api.client_metadata_document('https://unknown.example/c')`,
    ),
    null,
  );
});

Deno.test("api.store_client_metadata_document — refuses another client_id, no redirect_uris, or a bad lifetime", async () => {
  for (
    const [clientId, document, seconds] of [
      [URL_ID, doc(["https://a.example/cb"], "https://other.example/client.json"), 600],
      ["dcl_aaaaaaaaaaaaaaaaaaaaaaaa", doc(["https://a.example/cb"], "dcl_aaaaaaaaaaaaaaaaaaaaaaaa"), 600],
      [URL_ID, db.sql.json({ client_id: URL_ID } as never), 600],
      [URL_ID, doc(["https://a.example/cb"]), 0],
      [URL_ID, doc(["https://a.example/cb"]), 86401],
    ] as const
  ) {
    await rejectsAs(
      asApp(
        db.sql,
        null,
        (tx) => tx`select api.store_client_metadata_document(${clientId}, ${document}, ${seconds})`,
      ),
      "validation_failed",
    );
  }
});

Deno.test("api.record_client_metadata_event — audits in the current project only, known events only", async () => {
  const project = await seedProject(db.sql, { name: "Audited" });
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.record_client_metadata_event(${URL_ID}, 'refused', 'too large')`,
  );
  const [row] = await db.sql`select action, target, details ->> 'reason' as reason from astapa.audit_log
    where project_id = ${project.id} and action like 'client_metadata.%'`;
  assert.deepEqual({ ...row }, { action: "client_metadata.refused", target: URL_ID, reason: "too large" });
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.record_client_metadata_event(${URL_ID}, 'refused', 'x')`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => tx`select api.record_client_metadata_event(${URL_ID}, 'deleted', 'x')`),
    "validation_failed",
  );
});

Deno.test("astapa.assert_dynamic_client_allowed — URL clients need the project's client_metadata_documents switch", async () => {
  const off = await seedProject(db.sql, { name: "Off", settings: { dynamic_clients: true } });
  const on = await seedProject(db.sql, { name: "On", settings: { client_metadata_documents: true } });
  await rejectsAs(
    asApp(db.sql, off.id, (tx) => tx`select astapa.assert_dynamic_client_allowed(${URL_ID})`),
    "unauthorized_client",
    /metadata document/,
  );
  await asApp(db.sql, on.id, (tx) => tx`select astapa.assert_dynamic_client_allowed(${URL_ID})`);
  await rejectsAs(
    asApp(
      db.sql,
      on.id,
      (tx) => tx`select astapa.assert_dynamic_client_allowed('dcl_aaaaaaaaaaaaaaaaaaaaaaaa')`,
    ),
    "unauthorized_client",
  );
});
