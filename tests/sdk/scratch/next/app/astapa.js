/** The route handlers' shared part: one route per common.mjs function, answered as JSON. */
import { answer } from "../common.mjs";

export const route = (name) => async (request) => {
  const { status, body } = await answer(name, Object.fromEntries(new URL(request.url).searchParams));
  return Response.json(body, { status });
};
