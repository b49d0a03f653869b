/** The fetch-handler form (Deno here; the same for Bun and Workers) using @astapa/sdk from its npm package. */
import { answer, astapa, port } from "./common.mjs";

const pro = astapa.requirePlan.handler(["pro"], (_request, claims) => Response.json({ sub: claims.sub }));
const scoped = astapa.requireScope.handler(
  ["email"],
  (_request, claims) => Response.json({ sub: claims.sub }),
);

Deno.serve(
  { hostname: "127.0.0.1", port, onListen: ({ port }) => console.log(`listening ${port}`) },
  async (req) => {
    const url = new URL(req.url);
    const name = url.pathname.slice(1);
    if (name === "pro") return await pro(req);
    if (name === "scoped") return await scoped(req);
    const { status, body } = await answer(name, Object.fromEntries(url.searchParams));
    return Response.json(body, { status });
  },
);
