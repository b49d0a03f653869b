/**
 * SCIM PATCH (RFC 7644 §3.5.2) on a Group → the ordered steps api.scim_change_group applies, in the dialects the IdPs
 * send: Okta's path-less `replace` of `{id, displayName}` and `remove` of `members[value eq "…"]`, Entra ID's
 * capitalised `Add`/`Remove` of `members` with `value` arrays and `Replace` of `displayName`, and RFC 7644's
 * `remove` of all `members` and `replace` of the whole list. Attributes Astapa does not keep change nothing.
 */
import type { ScimGroupStep } from "@/db/scim_groups.ts";
import type { PatchOperation } from "./patch.ts";
import { ScimProblem } from "./problem.ts";
import { MAX_MEMBERS_PER_REQUEST, ScimGroupMembers } from "./group_resource.ts";
import { validateScim } from "./body.ts";

const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:group:";
const MEMBER_FILTER = /^members\[\s*value\s+eq\s+("(?:[^"\\]|\\.)*")\s*\]$/i;

/** The steps of a PATCH's operations, in order; a SCIM 400 for what cannot be applied. */
export function groupPatchSteps(operations: PatchOperation[]): ScimGroupStep[] {
  const steps: ScimGroupStep[] = [];
  for (const operation of operations) {
    const op = operation.op.toLowerCase();
    if (op !== "add" && op !== "replace" && op !== "remove") {
      throw new ScimProblem(
        400,
        `Unknown PATCH op "${operation.op}": use add, replace or remove.`,
        "invalidSyntax",
      );
    }
    const path = operation.path?.trim() ?? "";
    if (path === "") {
      if (op === "remove") throw new ScimProblem(400, "A remove operation needs a path.", "noTarget");
      const value = operation.value;
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new ScimProblem(
          400,
          "An operation without a path takes an object of attributes.",
          "invalidValue",
        );
      }
      for (const [key, attribute] of Object.entries(value)) steps.push(...stepsAt(op, key, attribute));
    } else steps.push(...stepsAt(op, path, operation.value));
  }
  const named = steps.reduce((sum, step) => sum + ("ids" in step ? step.ids.length : 0), 0);
  if (named > MAX_MEMBERS_PER_REQUEST) {
    throw new ScimProblem(400, `A request names at most ${MAX_MEMBERS_PER_REQUEST} members.`, "invalidValue");
  }
  return steps;
}

function stepsAt(op: "add" | "replace" | "remove", rawPath: string, value: unknown): ScimGroupStep[] {
  const path = rawPath.toLowerCase().startsWith(CORE_GROUP) ? rawPath.slice(CORE_GROUP.length) : rawPath;
  const filtered = MEMBER_FILTER.exec(path);
  if (filtered) {
    if (op !== "remove") {
      throw new ScimProblem(400, "A member filter is supported in remove only.", "invalidPath");
    }
    return [{ op: "remove", ids: [literal(filtered[1], rawPath)] }];
  }
  if (!/^[a-z][a-z0-9_$-]*$/i.test(path) && !/^urn:/i.test(path)) {
    throw new ScimProblem(400, `The path "${rawPath.slice(0, 100)}" is not supported.`, "invalidPath");
  }
  switch (path.toLowerCase()) {
    case "displayname":
      if (op === "remove" || typeof value !== "string" || value.trim() === "") {
        throw new ScimProblem(400, "displayName is required: replace it with a string.", "invalidValue");
      }
      return [{ op: "displayName", value }];
    case "externalid":
      if (op !== "remove" && typeof value !== "string" && value !== null) {
        throw new ScimProblem(400, "externalId is a string.", "invalidValue");
      }
      return [{ op: "externalId", value: op === "remove" ? null : value as string | null }];
    case "members": {
      // Entra ID's Remove carries the members to remove as its value; RFC 7644's remove without one removes all.
      if (op === "remove" && (value === undefined || value === null)) return [{ op: "remove_all" }];
      const members = validateScim(ScimGroupMembers, Array.isArray(value) ? value : [value]);
      return [{ op, ids: members.map((m) => m.value) }];
    }
    default:
      return []; // id (Okta repeats it), meta, an extension: nothing Astapa keeps
  }
}

function literal(quoted: string, path: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    throw new ScimProblem(400, `The member filter "${path.slice(0, 100)}" is not supported.`, "invalidPath");
  }
}
