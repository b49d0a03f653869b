/**
 * ≥ 10,000 malformed requests across every route (picked up from routes/ automatically), from a seeded
 * generator so a failure can be replayed: never a 5xx, every API error RFC-shaped, nothing internal leaked,
 * and no table changed (only the brute-force counters may count the failed client authentications).
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { METHODS, scanRoutes } from "@/lib/router/routes.ts";
import { MAX_BODY_BYTES } from "@/lib/app.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261128);
const REQUESTS = Number(Deno.env.get("FUZZ_REQUESTS") ?? 10_000);

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql);

/** mulberry32: small, fast, seedable. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

const NASTY = [
  "' OR 1=1 --",
  "'; drop table astapa.users; --",
  "<script>alert(1)</script>",
  "</script><svg onload=alert(1)>",
  "${jndi:ldap://x}",
  "\u0000",
  "\u202e\u200b\ufeff",
  "😀".repeat(50),
  "\ud800",
  "a".repeat(5000),
  "%00%0d%0aSet-Cookie:x=1",
  "../../../../etc/passwd",
  "null",
  "__proto__",
  "constructor",
  project.clientId,
  "cid_aaaaaaaaaaaaaaaaaaaaaaaa",
  "-1",
  "1e309",
  "NaN",
];
const FIELDS = [
  "grant_type",
  "code",
  "client_id",
  "client_secret",
  "refresh_token",
  "redirect_uri",
  "scope",
  "resource",
  "token",
  "email",
  "password",
  "plan",
  "__proto__",
];
const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-16",
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded;charset=UTF-8",
  "text/plain",
  "multipart/form-data; boundary=x",
  "application/xml",
  "",
  "application/vnd.api+json",
];

function body(): string | Uint8Array {
  const fields = Array.from({ length: Math.floor(random() * 5) }, () => [pick(FIELDS), pick(NASTY)]);
  switch (Math.floor(random() * 9)) {
    case 0:
      return JSON.stringify(Object.fromEntries(fields)).slice(0, Math.floor(random() * 40)); // truncated JSON
    case 1:
      return "[".repeat(2000 + Math.floor(random() * 3000)) + "]".repeat(10);
    case 2:
      return JSON.stringify({ [pick(FIELDS)]: pick([1, true, null, [1], { a: 1 }, -0, 1e308]) });
    case 3:
      return fields.map(([k, v]) => `${k}=${v}`).join("&") + "&%zz=%";
    case 4:
      return fields.concat(fields).map(([k, v]) => `${enc(k)}=${enc(v)}`).join(
        "&",
      );
    case 5:
      return crypto.getRandomValues(new Uint8Array(64 + Math.floor(random() * 256)));
    case 6:
      return JSON.stringify(Object.fromEntries(fields));
    case 7:
      return random() < 0.1 ? "x".repeat(MAX_BODY_BYTES + 10) : "";
    default:
      return new URLSearchParams(fields).toString();
  }
}

/** Percent-encoding that also sends a lone surrogate, as the invalid UTF-8 bytes a hostile client would. */
const enc = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return "%ED%A0%80";
  }
};
const utf8Base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

function headers(): Record<string, string> {
  const out: Record<string, string> = {};
  const type = pick(CONTENT_TYPES);
  if (type) out["content-type"] = type;
  const auth = Math.floor(random() * 6);
  if (auth === 1) {
    out.authorization = `Basic ${
      pick(["%%%", "", btoa(":"), utf8Base64(`${project.clientId}:${pick(NASTY)}`)])
    }`;
  }
  if (auth === 2) {
    out.authorization = `Bearer ${pick(["a.b.c", "", "eyJhbGciOiJub25lIn0.e30.", pick(NASTY)])}`;
  }
  if (auth === 3) out.authorization = pick(NASTY);
  if (random() < 0.2) out.cookie = `session=${"x".repeat(8000)}; __Host-x=${enc(pick(NASTY))}`;
  if (random() < 0.1) out.accept = "text/html";
  if (random() < 0.1) out["x-request-id"] = pick(NASTY);
  // Header values travel as bytes: keep them printable ASCII, as an HTTP client would have to.
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.replace(/[^\x20-\x7e]/g, "?")]));
}

async function tableCounts(): Promise<Record<string, number>> {
  const tables = await t.db.sql<{ name: string }[]>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'astapa' and c.relkind = 'r' and c.relname <> 'rate_limits' order by 1`;
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    counts[name] = (await t.db.sql.unsafe(`select count(*)::int as n from astapa.${name}`))[0].n;
  }
  return counts;
}

const LEAKS =
  /PostgresError|at file:\/\/|node_modules|astapa_app|astapa_owner|stack|SQLSTATE|syntax error at/i;

Deno.test(`fuzz — ${REQUESTS} malformed requests (seed ${SEED}): no 5xx, RFC-shaped errors, no leaks, no writes`, async () => {
  const files = (await scanRoutes(new URL("../../routes", import.meta.url).pathname)).filter((r) =>
    r.kind === "route"
  );
  // Mostly the methods a route serves (so bodies reach the handlers), sometimes any method.
  const routes = await Promise.all(files.map(async (r) => ({
    path: r.path,
    methods: Object.keys(
      (await import(`file://${r.file}`)).handler ?? { GET: true },
    ) as (typeof METHODS)[number][],
  })));
  const before = await tableCounts();
  const statuses = new Map<number, number>();
  for (let i = 0; i < REQUESTS; i++) {
    const route = pick(routes);
    const method = random() < 0.8 ? pick(route.methods) : pick(METHODS);
    const concrete = route.path.replace(
      /:([A-Za-z_]+)/g,
      () => pick(["1", "x", "%2e%2e", "999999999999999999999"]),
    );
    const path = concrete + (random() < 0.3 ? `?${pick(FIELDS)}=${enc(pick(NASTY))}` : "");
    const init: RequestInit = { method, headers: headers() };
    if (method !== "GET") init.body = body() as BodyInit;
    const res = await t.app.request(path, init);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const text = await res.text();
    const where = `#${i} ${method} ${path} → ${res.status}`;
    assert.ok(res.status < 500, `${where}: ${text.slice(0, 200)}`);
    assert.ok(
      !LEAKS.test(text) || path.startsWith("/docs"),
      `${where} leaks internals: ${text.slice(0, 200)}`,
    );
    if (res.status >= 400 && res.headers.get("content-type")?.startsWith("application/json")) {
      const error = JSON.parse(text);
      assert.match(error.error, /^[a-z_]+$/, where);
      assert.equal(typeof error.error_description, "string", where);
    }
  }
  assert.deepEqual(await tableCounts(), before, "no table changed");
  console.log(`fuzz status counts: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
});
