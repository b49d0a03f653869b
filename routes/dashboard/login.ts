import type { Handlers } from "../../lib/router/routes.ts";
import { beginSignIn } from "../../lib/dashboard/sign_in.ts";

/** GET /dashboard/login: off to the console project's hosted login. */
export const handler: Handlers = {
  GET: async (c) => c.redirect(await beginSignIn(c), 303),
};
