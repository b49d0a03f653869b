import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { importUsers } from "@/db/user_import.ts";
import { readText, validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { DocumentProblem, parseImportDocument } from "@/lib/import/parse_input.ts";
import { checkItems, withRefusals } from "@/lib/import/batch.ts";
import { ImportRow } from "@/lib/import/rows.ts";

const Query = z.object({ dry_run: z.enum(["true", "false"]).default("false") });

export const callers = clients("project");

/**
 * Imports up to 10,000 users (JSON array, { hash_config, users }, or NDJSON) with the password hashes they
 * come with; each refused row is listed with its reason and the rest are stored (docs/migrating.md).
 */
export const handler: Handlers = {
  async POST(c) {
    const { dry_run } = validate(Query, { dry_run: c.req.query("dry_run") });
    const { hashConfig, items } = readDocument(c.req.header("content-type"), await readText(c));
    const { rows, refused } = checkItems(items, hashConfig);
    const result = await asClient(
      c,
      (tx, projectId) =>
        importUsers(tx, projectId, rows, { dryRun: dry_run === "true", source: "claims_api" }),
    );
    return c.json(withRefusals(result, refused), 200, NO_STORE);
  },
};

function readDocument(contentType: string | undefined, text: string) {
  const media = contentType?.split(";")[0].trim().toLowerCase();
  const kind = media === "application/json"
    ? "json"
    : media === "application/x-ndjson" || media === "application/jsonl"
    ? "ndjson"
    : null;
  if (!kind) {
    throw new AppError("unsupported_media_type", {
      description: "Send the users as application/json or application/x-ndjson.",
    });
  }
  try {
    return parseImportDocument(text, kind);
  } catch (cause) {
    if (cause instanceof DocumentProblem) {
      throw new AppError("validation_failed", { description: cause.message });
    }
    throw cause;
  }
}

export const openapi: RouteDoc = {
  post: {
    tag: "Users",
    summary: "Import users with their existing password hashes",
    description:
      "A JSON array, { hash_config, users } or NDJSON; at most 10,000 users and 16 MiB a request. " +
      "Idempotent by external_id and email. ?dry_run=true checks and answers without writing.",
    auth: "client",
    query: Query,
    body: { schema: z.array(ImportRow), media: ["json"] },
    responses: { 200: { description: "Counts and each refused row with its reason" }, ...COMMON_ERRORS },
  },
};
