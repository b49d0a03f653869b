/**
 * The project's audit log over the Platform API, as the dashboard's audit page reads it: newest first, a page at a
 * time, filtered by actor, action or user — for a support tool, or to copy into the team's own log store (SIEM).
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { AuditEntrySchema, listAudit } from "@/db/project_logs.ts";
import { validate } from "@/lib/http/body.ts";
import { UserIdSchema } from "@/lib/http/user_id.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Query = z.object({
  actor: z.string().trim().min(1).max(254).optional()
    .describe("Who acted: api, cli, user:<sub>, account:<id> or a developer's email, system…"),
  action: z.string().trim().min(1).max(100).optional()
    .describe("An action (user.create), or every action under a prefix ending in a dot (user.)."),
  user: UserIdSchema.optional().describe("Only entries about this user (their sub)."),
  before: z.string().regex(/^[1-9]\d{0,17}$/, "An audit entry id (the previous page's next_before).")
    .optional()
    .describe("The previous page's next_before: entries older than this id."),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe("Entries a page, 1 to 200 (50)."),
});

const AuditPage = z.object({
  entries: z.array(AuditEntrySchema),
  next_before: z.string().nullable().describe("The before of the next (older) page; null on the last page."),
});

/** The log says who did what to the project's users and settings: its own client only. */
export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const query = validate(Query, c.req.query());
    const filters = { actor: query.actor, action: query.action, user: query.user };
    const entries = await asClient(
      c,
      (tx, projectId) => listAudit(tx, projectId, { filters, beforeId: query.before, size: query.limit }),
    );
    const next = entries.length === query.limit ? entries.at(-1)!.id : null;
    return c.json({ entries, next_before: next }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Audit",
    summary: "The project's audit log, newest first, a page at a time",
    description: "Entries about the other environment's users are left out. A filter the log cannot read " +
      "(an action that is not a.b, a user that is not a sub) is a 400 naming it.",
    auth: "client",
    query: Query,
    responses: { 200: { description: "A page", schema: AuditPage }, ...COMMON_ERRORS },
  },
};
