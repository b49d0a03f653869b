/** Node + Fastify 5 using @astapa/sdk from its npm package (the gate is a preHandler). */
import Fastify from "fastify";
import { answer, astapa, port } from "./common.mjs";

const app = Fastify();
for (const name of ["login", "callback", "upgrade", "refresh"]) {
  app.get(`/${name}`, async (request, reply) => {
    const { status, body } = await answer(name, request.query);
    return reply.code(status).send(body);
  });
}
app.get(
  "/pro",
  { preHandler: astapa.requirePlan.fastify("pro") },
  (request) => ({ sub: request.astapa.sub }),
);
app.get(
  "/scoped",
  { preHandler: astapa.requireScope.fastify("email") },
  (request) => ({ sub: request.astapa.sub }),
);
const address = await app.listen({ port, host: "127.0.0.1" });
console.log(`listening ${new URL(address).port}`);
