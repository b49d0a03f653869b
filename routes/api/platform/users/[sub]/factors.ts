/** Resetting a user's second factors over the Platform API (a lost phone and no recovery codes left). */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { resetFactorsAsAdmin } from "@/lib/users/admin_removals.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

export const handler: Handlers = {
  async DELETE(c) {
    const sub = subParam(c);
    const reset = await asClient(c, (tx, id) => resetFactorsAsAdmin(tx, id, sub));
    return c.json(reset, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  delete: {
    tag: "Users",
    summary: "Reset a user's second factors (authenticator app, phone) and recovery codes",
    description:
      "Their remembered browsers are forgotten too, so the next sign-in asks for a factor again (and, where the " +
      "project requires one, to enrol a new one). When one was enrolled: audited and emitted as " +
      "`user.mfa_removed`, and the user mailed (English and Indonesian) when they have an address. `removed`: " +
      "how many factors went (0: nothing to reset, nothing sent). Passkeys stay (DELETE …/passkeys/{id}).",
    auth: "client",
    responses: {
      200: {
        description: "What was removed",
        schema: z.object({ removed: z.number().int(), mailed: z.boolean() }),
      },
      ...COMMON_ERRORS,
    },
  },
};
