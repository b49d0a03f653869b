import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { exportUsersPage } from "@/db/user_import.ts";
import { validate } from "@/lib/http/body.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { EXPORT_PAGE_SIZE, ndjsonExport } from "@/lib/import/export_stream.ts";

const Query = z.object({ with_password_hashes: z.enum(["true", "false"]).default("false") });

export const callers = clients("project");

/**
 * Streams the project's users (current environment) as NDJSON in the shape the import reads. Password hashes
 * only with ?with_password_hashes=true, which the audit log records (user.export).
 */
export const handler: Handlers = {
  async GET(c) {
    const { with_password_hashes } = validate(Query, {
      with_password_hashes: c.req.query("with_password_hashes"),
    });
    const page = (afterId: string) => exportPage(c, afterId, with_password_hashes === "true");
    // The first page before answering: a refusal is still a proper error response, not a cut stream.
    const first = await page("0");
    return new Response(ndjsonExport(first, page), {
      headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" },
    });
  },
};

function exportPage(c: Ctx, afterId: string, withPasswordHashes: boolean) {
  return asClient(
    c,
    (tx, projectId) =>
      exportUsersPage(tx, projectId, { afterId, size: EXPORT_PAGE_SIZE, withPasswordHashes }),
  );
}

export const openapi: RouteDoc = {
  get: {
    tag: "Users",
    summary: "Export users as NDJSON (streamed)",
    description:
      "Every user of the project's current environment, one a line, in the shape the import reads. " +
      "Password hashes only with with_password_hashes=true (audited).",
    auth: "client",
    query: Query,
    responses: { 200: { description: "application/x-ndjson, one user a line" }, ...COMMON_ERRORS },
  },
};
