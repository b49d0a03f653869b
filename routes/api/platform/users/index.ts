import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { findUserByEmail, findUserByPhone } from "@/db/users.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { parsePhone } from "@/lib/phone/number.ts";

const Query = z.object({
  email: z.string().trim().min(3).max(254).optional(),
  phone: z.string().trim().min(3).max(40).optional(),
}).refine((q) => (q.email === undefined) !== (q.phone === undefined), {
  message: "Give either email or phone (one of them).",
  path: ["email"],
});

export const callers = clients("project");

/**
 * Finds a user's `sub` by email (any case) or by phone number (as people type it; matched in E.164), in the
 * project's current mode; 404 when there is none.
 */
export const handler: Handlers = {
  async GET(c) {
    const asked = validate(Query, { email: c.req.query("email"), phone: c.req.query("phone") });
    if (asked.phone !== undefined) {
      const phone = asked.phone;
      const parsed = await parsePhone(phone);
      const user = "problem" in parsed
        ? null
        : await asClient(c, (tx, projectId) => findUserByPhone(tx, projectId, parsed.e164));
      if (!user) {
        throw new AppError("not_found", { description: "No user has this phone number in this project." });
      }
      const { id, ...rest } = user;
      return c.json({ sub: id, ...rest }, 200, NO_STORE);
    }
    const user = await asClient(c, (tx, projectId) => findUserByEmail(tx, projectId, asked.email!));
    if (!user) throw new AppError("not_found", { description: "No user has this email in this project." });
    const { id, ...rest } = user;
    return c.json({ sub: id, ...rest }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Claims",
    summary: "Find a user's sub by email or phone number",
    auth: "client",
    query: Query,
    responses: { 200: { description: "The user" }, ...COMMON_ERRORS },
  },
};
