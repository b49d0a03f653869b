import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { DOC_PAGES, markdownToHtml } from "@/lib/docs.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

Deno.test("docs — the index lists the written pages and each renders in the site's layout", async () => {
  const index = await (await t.app.request("/docs", { headers: { accept: "text/html" } })).text();
  const linked = [...index.matchAll(/href="\/docs\/([a-z0-9-]+)"/g)].map((m) => m[1]);
  assert.ok(linked.includes("quick-start") && linked.includes("tokens"));
  for (const slug of linked) {
    const res = await t.app.request(`/docs/${slug}`, { headers: { accept: "text/html" } });
    assert.equal(res.status, 200, slug);
    const html = await res.text();
    assert.match(html, /<article class="docs prose">/);
    assert.match(html, /<h1[^>]*>/, `${slug} has a heading`);
  }
});

Deno.test("docs — unknown pages and path tricks are a 404 page", async () => {
  for (const path of ["/docs/nope", "/docs/..%2Fdeno.json", "/docs/README"]) {
    const res = await t.app.request(path, { headers: { accept: "text/html" } });
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
  assert.ok(!DOC_PAGES.some((page) => page.slug.includes(".")));
});

Deno.test("docs — links between Markdown files become site links", async () => {
  const html = await markdownToHtml("[a](tokens.md) [b](docs/sdk.md#verify) [c](https://example.com/x.md)");
  assert.match(html, /href="\/docs\/tokens"/);
  assert.match(html, /href="\/docs\/sdk#verify"/);
  assert.match(html, /href="https:\/\/example.com\/x.md"/);
});
