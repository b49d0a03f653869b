/**
 * The docs site (issue 29 item 12): a sidebar and a server-side search on every docs page, previous/next in
 * reading order, every page (and the API reference) also served as Markdown, and Markdown in the API
 * reference's descriptions rendered.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { availableDocs } from "@/lib/docs.ts";
import { searchDocs } from "@/lib/docs_search.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const html = async (path: string) => {
  const res = await t.app.request(path, { headers: { accept: "text/html" } });
  return { status: res.status, body: await res.text(), type: res.headers.get("content-type") ?? "" };
};

Deno.test("docs site — every page has the sidebar (current page marked) and the search box", async () => {
  for (const path of ["/docs", "/docs/quick-start", "/docs/tokens", "/docs/api", "/docs/search?q=jwks"]) {
    const { status, body } = await html(path);
    assert.equal(status, 200, path);
    assert.match(body, /<form method="get" action="\/docs\/search" role="search"/, path);
    assert.match(body, /<nav aria-label="Documentation">/, path);
    assert.match(body, /<a href="\/docs\/api"/, `${path} lists the API reference`);
  }
  assert.match((await html("/docs/tokens")).body, /<a href="\/docs\/tokens" aria-current="page">/);
  assert.match((await html("/docs/api")).body, /<a href="\/docs\/api" aria-current="page">/);
});

Deno.test("docs site — previous and next follow the reading order, ending at the API reference", async () => {
  const pages = await availableDocs();
  const second = pages[1];
  const { body } = await html(`/docs/${second.slug}`);
  assert.match(body, new RegExp(`<a href="/docs/${pages[0].slug}" rel="prev">`));
  assert.match(body, new RegExp(`<a href="/docs/${pages[2].slug}" rel="next">`));
  const first = (await html(`/docs/${pages[0].slug}`)).body;
  assert.doesNotMatch(first, /rel="prev"/, "the first page has no previous page");
  const last = (await html(`/docs/${pages.at(-1)!.slug}`)).body;
  assert.match(last, /<a href="\/docs\/api" rel="next">/);
  const api = (await html("/docs/api")).body;
  assert.match(api, new RegExp(`<a href="/docs/${pages.at(-1)!.slug}" rel="prev">`));
  assert.doesNotMatch(api, /rel="next"/);
});

Deno.test("docs site — search finds sections holding every word and links to their heading", async () => {
  const { status, body } = await html("/docs/search?q=PKCE+verifier");
  assert.equal(status, 200);
  const results = body.slice(body.indexOf('<ol class="doc-list search-hits">'));
  const links = [...results.matchAll(/<li><a href="(\/docs\/[a-z0-9-]+(?:#[a-z0-9-]+)?)">/g)].map((m) =>
    m[1]
  );
  assert.ok(links.some((href) => href.startsWith("/docs/quick-start#")), links.join(" "));
  // Every hit's anchor exists on its page, a heading with an apostrophe's too ("the IdP's portal").
  const portal = (await html("/docs/search?q=portal+tile")).body;
  const portalLinks = [...portal.matchAll(/<li><a href="(\/docs\/[a-z0-9-]+#[a-z0-9-]+)">/g)].map((m) =>
    m[1]
  );
  assert.ok(portalLinks.some((href) => href.includes("idps-portal")), portalLinks.join(" "));
  for (const href of [...links, ...portalLinks]) {
    const [path, anchor] = href.split("#");
    if (anchor) assert.match((await html(path)).body, new RegExp(` id="${anchor}"`), href);
  }
  // Every word must be there: a made-up word in the query leaves nothing.
  const none = await html("/docs/search?q=pkce+zzyzxquux");
  assert.match(none.body, /Nothing in the docs holds every word of “pkce zzyzxquux”/);
  const hits = await searchDocs("refresh token rotation");
  assert.ok(hits.length > 0);
  for (const hit of hits) assert.ok(hit.excerpt.length <= 202, hit.excerpt);
});

Deno.test("docs site — odd queries are answered, never an error", async () => {
  for (const q of ["", "a", "<script>alert(1)</script>", "%", "x".repeat(500), "((", "\u0000"]) {
    const res = await t.app.request(`/docs/search?q=${encodeURIComponent(q)}`, {
      headers: { accept: "text/html" },
    });
    assert.equal(res.status, 200, JSON.stringify(q));
    const body = await res.text();
    assert.doesNotMatch(body, /<script>alert/, "the query is escaped");
  }
});

Deno.test("docs site — each page is served as Markdown at its address plus .md", async () => {
  const res = await t.app.request("/docs/quick-start.md");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/markdown; charset=utf-8");
  assert.equal(
    await res.text(),
    await Deno.readTextFile(new URL("../../docs/quick-start.md", import.meta.url)),
  );
  for (const path of ["/docs/nope.md", "/docs/README.md", "/docs/..%2Fdeno.json.md"]) {
    const missing = await t.app.request(path, { headers: { accept: "text/html" } });
    assert.equal(missing.status, 404, path);
    await missing.body?.cancel();
  }
});

Deno.test("docs site — the API reference as Markdown, and its descriptions' Markdown rendered on the page", async () => {
  const res = await t.app.request("/docs/api.md");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/markdown; charset=utf-8");
  const markdown = await res.text();
  assert.match(markdown, /^# API reference\n/);
  assert.match(markdown, /\n## POST \/api\/platform\/token\n/);
  assert.match(markdown, /\| `grant_type` \|/);
  const page = (await html("/docs/api")).body;
  assert.match(page, /<h2><code>POST \/api\/platform\/token<\/code><\/h2>/);
  // Backticks in the OpenAPI descriptions come out as <code>, not as literal backticks.
  const descriptions = [...page.matchAll(/<section class="endpoint"[\s\S]*?<\/section>/g)].map((m) => m[0]);
  assert.ok(descriptions.some((s) => /<code>[^<]+<\/code>/.test(s.replace(/<h2>[\s\S]*?<\/h2>/, ""))));
  assert.ok(descriptions.every((s) => !/`[^`<]+`/.test(s)), "no literal backticks left");
});

Deno.test("docs site — code blocks can be scrolled with the keyboard and headings have ids", async () => {
  const { body } = await html("/docs/quick-start");
  assert.match(body, /<pre tabindex="0"><code class="language-/);
  assert.doesNotMatch(body, /<pre>/);
  assert.match(body, /<h2 id="[a-z0-9-]+">/);
});
