import type { Handlers } from "@/lib/router/routes.ts";
import { developer } from "@/lib/dashboard/access.ts";
import { endSession } from "@/lib/dashboard/session.ts";

/** POST /dashboard/logout: ends the dashboard session (the CSRF check ran in the middleware). */
export const handler: Handlers = {
  POST: async (c) => {
    await endSession(c, developer(c));
    return c.redirect("/", 303);
  },
};
