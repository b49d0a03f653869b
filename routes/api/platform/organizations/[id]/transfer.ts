/** The Platform API's ownership transfer: one owner makes another member owner and becomes admin. */
import { UserIdSchema } from "@/lib/http/user_id.ts";
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { transferOwnership } from "@/db/organizations.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const SUB = UserIdSchema;
const Transfer = z.strictObject({
  from: SUB.describe("The giving owner's sub."),
  to: SUB.describe("The new owner."),
});

export const callers = clients("project");

export const handler: Handlers = {
  async POST(c) {
    const id = organizationParam(c);
    const { from, to } = validate(Transfer, await bodyWithoutCredentials(c));
    return c.json(await asClient(c, (tx) => transferOwnership(tx, id, from, to)), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Organizations",
    summary: "Transfer ownership: `to` becomes owner, `from` becomes admin; answers with the members",
    auth: "client",
    body: { schema: Transfer, media: ["json"] },
    responses: { 200: { description: "The members" }, ...COMMON_ERRORS },
  },
};
