import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { findUserByEmail } from "@/db/users.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Query = z.object({ email: z.string().trim().min(3).max(254) });

export const callers = clients("project");

/** Finds a user's `sub` by email (any case, the project's current mode); 404 when there is none. */
export const handler: Handlers = {
  async GET(c) {
    const { email } = validate(Query, { email: c.req.query("email") });
    const user = await asClient(c, (tx, projectId) => findUserByEmail(tx, projectId, email));
    if (!user) throw new AppError("not_found", { description: "No user has this email in this project." });
    const { id, ...rest } = user;
    return c.json({ sub: id, ...rest }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Claims",
    summary: "Find a user's sub by email",
    auth: "client",
    query: Query,
    responses: { 200: { description: "The user" }, ...COMMON_ERRORS },
  },
};
