/**
 * The verified-client cache of one instance (lib/oauth/verified_clients.ts): it serves only the secret hash and
 * grant it stored, a change made through this process drops it before the change's statement returns, a
 * lookup that raced a change does not store, failing buckets are left to Postgres, and failures counted before
 * the instance started are learnt from astapa.rate_limits.
 */
import assert from "node:assert/strict";
import { testDatabase } from "../helpers/db.ts";
import { seedProject } from "../helpers/identity.ts";
import { VerifiedClients } from "@/lib/oauth/verified_clients.ts";

const db = await testDatabase();
const project = await seedProject(db.sql);
await db.sql`insert into astapa.rate_limits (bucket, window_start, window_seconds, hits)
             values ('client_auth:pair:cid_early:192.0.2.1', now(), 300, 2)`;
const cache = new VerifiedClients(3600, "client_auth:", 300);
await cache.start(db.sql);
Deno.test.afterAll(async () => {
  cache.stop();
  await db.close();
});

const hash = (byte: number) => new Uint8Array(32).fill(byte);
const client = { projectId: project.id, kind: "project" as const };
const grant = { project_id: project.id, access_ttl: 3600 };
const clean = ["client_auth:pair:cid_a:192.0.2.9"];

Deno.test("verified clients — serves the stored secret hash and grant key only", () => {
  assert.ok(cache.live, "listening and caught up once started");
  cache.put(cache.ticket(), "cid_a", hash(1), client, "k1", grant);
  assert.deepEqual(cache.get("cid_a", hash(1), clean, "k1"), { client, grant });
  assert.equal(cache.get("cid_a", hash(2), clean, "k1"), null, "another secret goes to Postgres");
  assert.equal(cache.get("cid_a", hash(1), clean, "k2"), null, "another scope or resource goes to Postgres");
  assert.equal(cache.get("cid_b", hash(1), clean, "k1"), null);
});

Deno.test("verified clients — a change through this process drops entries before it returns; a raced lookup does not store", async () => {
  cache.put(cache.ticket(), "cid_a", hash(1), client, "k1", grant);
  const ticket = cache.ticket();
  await db.sql`update astapa.projects set settings = '{}' where id = ${project.id}`;
  assert.equal(cache.get("cid_a", hash(1), clean, "k1"), null, "dropped by the trigger's notice");
  cache.put(ticket, "cid_a", hash(1), client, "k1", grant);
  assert.equal(cache.get("cid_a", hash(1), clean, "k1"), null, "read before the change: not stored");
});

Deno.test("verified clients — failing buckets, counted here or before the start, go to Postgres", () => {
  cache.put(cache.ticket(), "cid_a", hash(1), client, "k1", grant);
  assert.equal(cache.get("cid_a", hash(1), ["client_auth:pair:cid_early:192.0.2.1"], "k1"), null);
  cache.noteFailures(["client_auth:address:192.0.2.9"]);
  assert.equal(cache.get("cid_a", hash(1), [...clean, "client_auth:address:192.0.2.9"], "k1"), null);
  assert.deepEqual(cache.get("cid_a", hash(1), clean, "k1"), { client, grant }, "other callers still served");
});

Deno.test("verified clients — verified credentials serve any grant key, never another secret or a failing bucket", () => {
  cache.put(cache.ticket(), "cid_v", hash(3), client);
  assert.deepEqual(cache.verified("cid_v", hash(3), clean), client);
  assert.equal(cache.get("cid_v", hash(3), clean, "k1"), null, "no grant stored with it");
  assert.equal(cache.verified("cid_v", hash(4), clean), null);
  assert.equal(cache.verified("cid_w", hash(3), clean), null);
  cache.noteFailures(["client_auth:pair:cid_v:192.0.2.9"]);
  assert.equal(cache.verified("cid_v", hash(3), ["client_auth:pair:cid_v:192.0.2.9"]), null);
});
