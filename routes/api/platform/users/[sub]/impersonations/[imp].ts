/** Ending an impersonation early (docs/impersonation.md): its session and every token issued from it stop. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { endImpersonation, ImpersonationSchema } from "@/db/impersonations.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Params = z.object({ imp: z.string().regex(/^imp_[a-z2-7]{24}$/, "An impersonation id (imp_…).") });

/** Ending a way into a user's account: the project's own client only. */
export const callers = clients("project");

/** DELETE ends it now (200 with ended_at); another user's or an unknown id is 404. */
export const handler: Handlers = {
  async DELETE(c) {
    const sub = subParam(c);
    const { imp } = validate(Params, { imp: c.req.param("imp") });
    const ended = await asClient(c, (tx, projectId) => endImpersonation(tx, projectId, sub, imp));
    return c.json(ended, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  delete: {
    tag: "Users",
    summary: "End an impersonation now",
    description:
      "The link no longer opens, the session it opened ends, every refresh token issued from it is revoked and " +
      "unredeemed codes are void. Access tokens already issued expire by themselves (never after `ends_at`). " +
      "Audited `user.impersonation_ended`.",
    auth: "client",
    responses: {
      200: { description: "The impersonation, ended", schema: ImpersonationSchema },
      ...COMMON_ERRORS,
    },
  },
};
