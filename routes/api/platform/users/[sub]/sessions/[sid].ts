/** Ending one of a user's hosted-login sessions (a lost phone, a shared computer), the others untouched. */
import type { Handlers } from "@/lib/router/routes.ts";
import { endUserSession, LoginSessionSchema } from "@/db/user_admin.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** Signing a user out: the project's own client only, as the whole list. */
export const callers = clients("project");

/** DELETE ends it (200 with ended_at; an ended one answers as it is); another user's or an unknown sid is 404. */
export const handler: Handlers = {
  async DELETE(c) {
    const sub = subParam(c);
    const sid = c.req.param("sid") ?? "";
    if (!/^ses_[a-z2-7]{24}$/.test(sid)) {
      throw new AppError("not_found", { description: "No session of this user has that sid." });
    }
    return c.json(await asClient(c, (tx, id) => endUserSession(tx, id, sub, sid)), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  delete: {
    tag: "Users",
    summary: "End one of a user's sessions",
    description:
      "As signing out in that browser: the session ends, its refresh tokens (but `offline_access` " +
      "ones) are revoked and the apps it signed in to are sent back-channel logout tokens. The `sid` is the " +
      "session list's and the ID tokens' `sid`. Audited `user.session_ended`.",
    auth: "client",
    responses: { 200: { description: "The session, ended", schema: LoginSessionSchema }, ...COMMON_ERRORS },
  },
};
