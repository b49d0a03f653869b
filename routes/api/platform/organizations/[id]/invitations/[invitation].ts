/** The Platform API's invitation: revoke it (its link stops working). */
import type { Handlers } from "@/lib/router/routes.ts";
import { revokeInvitation } from "@/db/organizations.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { invitationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

export const handler: Handlers = {
  async DELETE(c) {
    const invitation = invitationParam(c);
    return c.json(await asClient(c, (tx) => revokeInvitation(tx, invitation)), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  delete: {
    tag: "Organizations",
    summary: "Revoke an open invitation; answers with it (status revoked)",
    auth: "client",
    responses: { 200: { description: "The invitation" }, 401: COMMON_ERRORS[401], 404: COMMON_ERRORS[404] },
  },
};
