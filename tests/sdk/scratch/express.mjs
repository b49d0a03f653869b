/** Node + Express 5 using @astapa/sdk from its npm package. */
import express from "express";
import { answer, astapa, port } from "./common.mjs";

const app = express();
for (const name of ["login", "callback", "upgrade", "refresh"]) {
  app.get(`/${name}`, async (req, res) => {
    const { status, body } = await answer(name, req.query);
    res.status(status).json(body);
  });
}
app.get("/pro", astapa.requirePlan.express("pro"), (req, res) => res.json({ sub: req.astapa.sub }));
app.get("/scoped", astapa.requireScope.express("email"), (req, res) => res.json({ sub: req.astapa.sub }));
const server = app.listen(port, "127.0.0.1", () => console.log(`listening ${server.address().port}`));
