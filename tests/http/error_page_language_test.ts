/** Error pages follow the person's language like the hosted sign-in pages (issue 29, item 1). */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const html = { accept: "text/html,*/*" };

Deno.test("error page — an Indonesian browser gets the heading, message and reference in Indonesian", async () => {
  const res = await t.app.request("/nothing", { headers: { ...html, "accept-language": "id-ID,id;q=0.9" } });
  assert.equal(res.status, 404);
  const body = await res.text();
  assert.match(body, /<html lang="id">/);
  assert.match(body, /<h1 id="error-heading">Halaman tidak ditemukan<\/h1>/);
  assert.match(body, /<p>Tidak ada apa pun di alamat ini\.<\/p>/);
  assert.match(body, />Referensi: <code>/);
  assert.ok(!body.includes("Nothing lives at this address"));
});

Deno.test("error page — ?lang=en wins over Accept-Language; English stays the default", async () => {
  const asked = await t.app.request("/nothing?lang=en", { headers: { ...html, "accept-language": "id" } });
  assert.match(await asked.text(), /<h1 id="error-heading">Page not found<\/h1>/);
  const plain = await t.app.request("/nothing", { headers: html });
  assert.match(await plain.text(), /<html lang="en">.*Nothing lives at this address\./s);
});

Deno.test("error page — a specific English description stays, marked lang=en, under the Indonesian message", async () => {
  const res = await t.app.request("/billing?client_id=cid_aaaaaaaaaaaaaaaaaaaaaaaa", {
    headers: { ...html, "accept-language": "id" },
  });
  assert.equal(res.status, 404);
  const body = await res.text();
  assert.match(
    body,
    /<p>Tidak ada apa pun di alamat ini\.<\/p><p lang="en">This app is not registered with Astapa\.<\/p>/,
  );
});
