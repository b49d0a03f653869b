import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { Island, registerIsland, serialise } from "@/lib/islands/Island.tsx";
import { toUrlPattern } from "@/lib/router/routes.ts";

Deno.test("island props — a </script> in a value cannot close the element", () => {
  const json = serialise({ bio: "</script><script>alert(1)</script>", amp: "a&b", ls: "x\u2028y" });
  assert.ok(!json.includes("<"));
  assert.ok(!json.includes(">"));
  assert.ok(!json.includes("&"));
  assert.ok(!json.includes("\u2028"));
  assert.deepEqual(JSON.parse(json), {
    bio: "</script><script>alert(1)</script>",
    amp: "a&b",
    ls: "x\u2028y",
  });
});

Deno.test("island props — functions, symbols and class instances are refused, not dropped", () => {
  assert.throws(() => serialise({ onClick: () => {} }), /props.onClick is a function/);
  assert.throws(() => serialise({ list: [1, Symbol("x")] }), /props.list\[1\] is a symbol/);
  assert.throws(() => serialise({ when: new Map() }), /props.when is a Map/);
  assert.doesNotThrow(() => serialise({ at: new Date(0), nested: { ok: [1, "two", null, true] } }));
});

Deno.test("island — renders marker, server HTML and escaped props; unregistered components are refused", () => {
  function Greeting(props: { name: string }) {
    return <p>Hello {props.name}</p>;
  }
  assert.throws(() => renderToString(<Island of={Greeting} props={{ name: "x" }} />), /not an island/);
  registerIsland("Greeting", Greeting as never);
  const html = renderToString(<Island of={Greeting} props={{ name: "</script>" }} />);
  assert.equal(
    html,
    '<div data-island="Greeting"><p>Hello &lt;/script></p></div>' +
      '<script type="application/json" data-island-props>{"name":"\\u003c/script\\u003e"}</script>',
  );
});

Deno.test("routes — file names map to URL patterns", () => {
  assert.equal(toUrlPattern("index.tsx"), "/");
  assert.equal(toUrlPattern("healthz.ts"), "/healthz");
  assert.equal(toUrlPattern("api/platform/token.ts"), "/api/platform/token");
  assert.equal(toUrlPattern("api/users/[sub].ts"), "/api/users/:sub");
  assert.equal(toUrlPattern("dashboard/index.tsx"), "/dashboard");
  assert.equal(toUrlPattern("dashboard/_middleware.ts"), "/dashboard");
  assert.equal(toUrlPattern(".well-known/jwks.json.ts"), "/.well-known/jwks.json");
});
