/**
 * docs/billing.md "Operations: dashboard, Platform API, SDK" stays true (issue 23 item 8): every Platform API
 * route the table names is in the served OpenAPI document with that method and the shape of its answer, and
 * every SDK call it names is a function of the SDK's client. A route or helper renamed or removed fails here instead of leaving the table
 * wrong.
 */
import assert from "node:assert/strict";
import { createAstapa } from "@/sdk/mod.ts";
import { testApp } from "../helpers/app.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const DOC = await Deno.readTextFile(new URL("../../docs/billing.md", import.meta.url));
const section = DOC.split("## Operations: dashboard, Platform API, SDK")[1]?.split("\n## ")[0] ?? "";
const rows = section.split("\n").filter((line) => line.startsWith("| ") && !/^\| (Operation|-)/.test(line));

Deno.test("docs/billing.md operations — the table lists the billing operations", () => {
  assert.ok(rows.length >= 30, `rows: ${rows.length}`);
  for (
    const op of ["Cancel at the end of what is paid", "MRR and churn by month", "A coupon's redemptions"]
  ) {
    assert.ok(rows.some((row) => row.startsWith(`| ${op}`)), op);
  }
});

Deno.test("docs/billing.md operations — each Platform API route named is in the OpenAPI document", async () => {
  const doc = await (await t.app.request("/api/openapi.json")).json();
  const routes = rows.flatMap((row) =>
    [...row.matchAll(/`(GET|POST|PATCH|DELETE) (\/api\/platform\/[^`\s]+)`/g)].map((m) => [m[1], m[2]])
  );
  assert.ok(routes.length >= 30, `routes: ${routes.length}`);
  const missing = routes.filter(([method, path]) => !doc.paths[path]?.[method.toLowerCase()]?.summary);
  assert.deepEqual(missing, []);
  // The success answer is documented with its fields, not only a sentence.
  const unshaped = routes.filter(([method, path]) => {
    const responses = doc.paths[path][method.toLowerCase()].responses;
    const success = Object.entries(responses).find(([status]) => status.startsWith("2"))?.[1] as
      | { content?: { "application/json"?: { schema?: { properties?: object } } } }
      | undefined;
    return !success?.content?.["application/json"]?.schema?.properties;
  });
  assert.deepEqual(unshaped, []);
});

Deno.test("docs/billing.md operations — each SDK call named is a function of the client", () => {
  const astapa = createAstapa({ baseUrl: "https://auth.example.com", clientId: "c", clientSecret: "s" });
  const calls = rows.flatMap((row) =>
    [...row.matchAll(/`((?:billing|checkout|claims)(?:\.[A-Za-z]+)+)\(/g)].map((m) => m[1])
  );
  assert.ok(calls.length >= 30, `calls: ${calls.length}`);
  const missing = calls.filter((call) => {
    const found = call.split(".").reduce<unknown>(
      (at, name) => (at as Record<string, unknown> | undefined)?.[name],
      astapa,
    );
    return typeof found !== "function";
  });
  assert.deepEqual(missing, []);
});
