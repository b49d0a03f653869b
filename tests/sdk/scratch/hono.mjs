/** Node + Hono (with @hono/node-server) using @astapa/sdk from its npm package. */
import { Hono } from "hono";
import { serve } from "@hono/node-server";
import { answer, astapa, port } from "./common.mjs";

const app = new Hono();
for (const name of ["login", "callback", "upgrade", "refresh"]) {
  app.get(`/${name}`, async (c) => {
    const { status, body } = await answer(name, c.req.query());
    return c.json(body, status);
  });
}
app.get("/pro", astapa.requirePlan.hono("pro"), (c) => c.json({ sub: c.get("astapa").sub }));
app.get("/scoped", astapa.requireScope.hono("email"), (c) => c.json({ sub: c.get("astapa").sub }));
serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, (info) => console.log(`listening ${info.port}`));
