/**
 * SCIM request bodies: `application/scim+json` (or plain JSON), bounded in size (routes/scim/_middleware.ts) and
 * depth (lib/http/json.ts) before parsing, checked with zod; a failure is a SCIM 400 naming the fields.
 */
import type { z } from "zod";
import type { Ctx } from "../app_env.ts";
import { bodyKind, readText } from "../http/body.ts";
import { parseJsonBody } from "../http/json.ts";
import { ScimProblem } from "./problem.ts";

export async function readScimBody<S extends z.ZodType>(c: Ctx, schema: S): Promise<z.infer<S>> {
  if (bodyKind(c.req.header("content-type")) !== "json") {
    throw new ScimProblem(415, "Send the body as application/scim+json.");
  }
  return validateScim(schema, parseJsonBody(await readText(c)));
}

/** Checks a value against a schema; the issues become one SCIM invalidValue detail. */
export function validateScim<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) =>
    `${issue.path.length ? issue.path.join(".") : "(body)"}: ${issue.message}`
  );
  throw new ScimProblem(
    400,
    `Some attributes are missing or invalid. ${problems.join("; ")}`,
    "invalidValue",
  );
}
