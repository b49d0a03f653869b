/** How a user signs in, over the Platform API: what support needs before removing a way in or resetting MFA. */
import type { Handlers } from "@/lib/router/routes.ts";
import { userWaysIn, UserWaysInSchema } from "@/db/user_admin.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const sub = subParam(c);
    return c.json(await asClient(c, (tx, id) => userWaysIn(tx, id, sub)), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Users",
    summary: "Everything a user signs in with: methods, passkeys and second factors",
    description:
      "`methods`: the password, Google/GitHub/Apple/Microsoft identities (each `removable` while another usable way in " +
      "stays), a verified phone number and email codes when the project offers them; `passkeys` (id: the " +
      "credential id in hex, as DELETE …/passkeys/{id} takes it); `factors`: the enrolled second factors and " +
      "unused recovery codes. Never a secret, key or hash.",
    auth: "client",
    responses: { 200: { description: "The user's ways in", schema: UserWaysInSchema }, ...COMMON_ERRORS },
  },
};
