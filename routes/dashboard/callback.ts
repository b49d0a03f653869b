import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { finishSignIn } from "@/lib/dashboard/sign_in.ts";
import { setSessionCookie, startSession } from "@/lib/dashboard/session.ts";

const Callback = z.union([
  z.object({ code: z.string().min(1).max(512), state: z.string().min(1).max(128) }),
  z.object({ error: z.string().max(200), error_description: z.string().max(1000).optional() }),
]);

/** GET /dashboard/callback: the hosted login's answer → a dashboard session. */
export const handler: Handlers = {
  GET: async (c) => {
    const query = validate(Callback, c.req.query());
    if ("error" in query) {
      throw new AppError("forbidden", {
        description: query.error === "access_denied"
          ? "Sign-in was cancelled."
          : `Sign-in failed (${query.error}). Start again from the dashboard.`,
      });
    }
    const account = await finishSignIn(c, query.code, query.state);
    setSessionCookie(c, await startSession(c.var.deps.sql, account.id));
    return c.redirect("/dashboard", 303);
  },
};
