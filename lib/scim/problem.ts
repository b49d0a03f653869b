/**
 * SCIM's error answers (RFC 7644 §3.12): every failure below /scim/v2 is `application/scim+json` with the SCIM
 * Error schema, its status as a string and, for 400 and 409, a scimType. A ScimProblem is raised where the SCIM
 * layer itself decides (a bad filter, a PATCH it cannot apply); anything else (the SQL functions' AS4xx codes, the
 * body limit, bad JSON) comes through the one error catalogue and is translated here.
 */
import { AppError, toAppError } from "../http/errors.ts";

export const SCIM_CONTENT_TYPE = "application/scim+json";
export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** RFC 7644 Table 9's scimType values Astapa answers with. */
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue";

/**
 * A failure in SCIM's own terms. An AppError (validation_failed with SCIM's status), so the app's error handler,
 * which runs first, takes it as a client's fault; routes/scim/_middleware.ts then answers it in SCIM's shape.
 */
export class ScimProblem extends AppError {
  override name = "ScimProblem";
  constructor(status: number, readonly detail: string, readonly scimType?: ScimType) {
    super("validation_failed", { status, description: detail });
  }
}

/** The scimType a catalogue failure carries (400 and 409 only, RFC 7644 §3.12). */
function scimTypeOf(error: AppError): ScimType | undefined {
  if (error.status === 409 && error.code === "conflict") return "uniqueness";
  if (error.status !== 400) return undefined;
  return error.code === "invalid_json" || error.code === "invalid_request" ? "invalidSyntax" : "invalidValue";
}

/**
 * The SCIM answer for anything thrown below /scim/v2: the catalogue's public text only (the app's error handler
 * has logged a server error's cause with the request id already).
 */
export function scimErrorResponse(thrown: unknown): Response {
  let problem: ScimProblem;
  let headers: Record<string, string> = {};
  if (thrown instanceof ScimProblem) problem = thrown;
  else {
    const error = toAppError(thrown);
    const fields = error.fields
      ? ` ${Object.entries(error.fields).map(([k, v]) => `${k}: ${v.join(" ")}`).join("; ")}`
      : "";
    problem = new ScimProblem(error.status, `${error.description}${fields}`, scimTypeOf(error));
    headers = { ...error.headers };
  }
  return scimJson(
    {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(problem.status),
      ...(problem.scimType ? { scimType: problem.scimType } : {}),
      detail: problem.detail,
    },
    problem.status,
    headers,
  );
}

/** A SCIM JSON answer: `application/scim+json`, never cached (it names people). */
export function scimJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, "content-type": SCIM_CONTENT_TYPE, "cache-control": "no-store" },
  });
}

/** The 401 every missing, wrong, rotated or revoked token gets (RFC 7644 §3.12, RFC 6750 §3). */
export function unauthenticated(): AppError {
  return new AppError("unauthorized", {
    description: "The SCIM bearer token is missing, wrong, rotated or revoked.",
    headers: { "WWW-Authenticate": 'Bearer realm="scim"' },
  });
}
