/**
 * SCIM PATCH (RFC 7644 §3.5.2) on a User: `add`, `replace` and `remove` operations applied to the resource's
 * attributes in order, the result then checked as a PUT body would be. IdPs' dialects are accepted as they are
 * sent: Entra ID's capitalised ops ("Replace") and string booleans ("False"), Okta's and Entra's path-less replace
 * with an object (`{"op":"replace","value":{"active":false}}`, also with dotted keys such as "name.givenName"), and
 * the email filters both use (`emails[type eq "work"].value`). Paths to attributes Astapa does not keep (title,
 * phoneNumbers, the enterprise extension) change nothing.
 */
import { z } from "zod";
import { ScimProblem } from "./problem.ts";

export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:user:";

export const PatchBody = z.looseObject({
  schemas: z.array(z.string().max(200)).max(10).optional(),
  Operations: z.array(z.looseObject({
    op: z.string().max(20),
    path: z.string().max(300).optional(),
    value: z.unknown().optional(),
  })).min(1).max(100),
});
export type PatchOperation = z.infer<typeof PatchBody>["Operations"][number];

type Attributes = Record<string, unknown>;
type Op = "add" | "replace" | "remove";

/** The attributes a PATCH may change, by their lower-cased names (SCIM names compare without case). */
const KEPT: Record<string, string> = {
  username: "userName",
  externalid: "externalId",
  displayname: "displayName",
  active: "active",
  locale: "locale",
  preferredlanguage: "preferredLanguage",
  nickname: "nickName",
  timezone: "timezone",
  name: "name",
  emails: "emails",
};
const NAME_PARTS: Record<string, string> = {
  givenname: "givenName",
  familyname: "familyName",
  formatted: "formatted",
};

/** The resource's attributes after the operations (not checked yet: the caller validates them as a PUT body). */
export function applyPatch(resource: Attributes, operations: PatchOperation[]): Attributes {
  const out = structuredClone(resource);
  for (const operation of operations) {
    const op = operation.op.toLowerCase();
    if (op !== "add" && op !== "replace" && op !== "remove") {
      throw new ScimProblem(
        400,
        `Unknown PATCH op "${operation.op}": use add, replace or remove.`,
        "invalidSyntax",
      );
    }
    if (operation.path === undefined || operation.path.trim() === "") {
      if (op === "remove") throw new ScimProblem(400, "A remove operation needs a path.", "noTarget");
      if (!isObject(operation.value)) {
        throw new ScimProblem(
          400,
          "An operation without a path takes an object of attributes.",
          "invalidValue",
        );
      }
      for (const [key, value] of Object.entries(operation.value)) applyAt(out, op, key, value);
    } else applyAt(out, op, operation.path.trim(), operation.value);
  }
  return out;
}

function applyAt(out: Attributes, op: Op, rawPath: string, value: unknown): void {
  const path = rawPath.toLowerCase().startsWith(CORE_USER) ? rawPath.slice(CORE_USER.length) : rawPath;
  if (/^urn:/i.test(path)) return; // an extension's attribute: not kept
  const filtered = /^emails\[(.*)\](?:\.([a-z]+))?$/is.exec(path);
  if (filtered) return applyToEmails(out, op, filtered[1], filtered[2]?.toLowerCase(), value);
  if (!/^[a-z][a-z0-9_$-]*(\.[a-z][a-z0-9_$-]*)?$/i.test(path)) {
    throw new ScimProblem(400, `The path "${rawPath.slice(0, 100)}" is not supported.`, "invalidPath");
  }
  const [head, sub] = path.split(".");
  const attribute = KEPT[head.toLowerCase()];
  if (!attribute) return; // an attribute Astapa does not keep
  if (sub !== undefined) {
    if (attribute !== "name") return; // sub-attributes of simple attributes do not exist; nothing to keep
    const part = NAME_PARTS[sub.toLowerCase()];
    if (!part) return;
    const name: Attributes = isObject(out.name) ? { ...out.name } : {};
    if (op === "remove") delete name[part];
    else name[part] = value;
    out.name = name;
    return;
  }
  if (op === "remove") {
    // An unset active would read as active: a remove must not re-provision anyone.
    if (attribute === "active") {
      throw new ScimProblem(400, "active cannot be removed: replace it with true or false.", "invalidValue");
    }
    delete out[attribute];
    return;
  }
  if (attribute === "name" && isObject(value)) {
    // A complex attribute's sub-attributes not named are left as they were (RFC 7644 §3.5.2.3).
    out.name = { ...(isObject(out.name) ? out.name : {}), ...value };
    return;
  }
  if (attribute === "emails" && op === "add") {
    const current = Array.isArray(out.emails) ? out.emails : [];
    const added = Array.isArray(value) ? value : [value];
    const known = new Set(current.map((e) => String(isObject(e) ? e.value : "").toLowerCase()));
    out.emails = [
      ...current,
      ...added.filter((e) => !known.has(String(isObject(e) ? e.value : "").toLowerCase())),
    ];
    return;
  }
  out[attribute] = attribute === "emails" && !Array.isArray(value) ? [value] : value;
}

/** `emails[type eq "work"].value` and the like: the entries the filter selects. */
function applyToEmails(
  out: Attributes,
  op: Op,
  filter: string,
  sub: string | undefined,
  value: unknown,
): void {
  const match = /^\s*(type|primary|value)\s+eq\s+("(?:[^"\\]|\\.)*"|true|false)\s*$/i.exec(filter);
  if (!match) {
    throw new ScimProblem(400, `The email filter "${filter.slice(0, 100)}" is not supported.`, "invalidPath");
  }
  if (sub !== undefined && !["value", "type", "primary"].includes(sub)) return;
  const key = match[1].toLowerCase();
  const wanted = literalOf(match[2], filter);
  const selects = (e: unknown) =>
    isObject(e) && String(e[key] ?? "").toLowerCase() === String(wanted).toLowerCase();
  const emails: unknown[] = Array.isArray(out.emails) ? [...out.emails] : [];
  if (op === "remove") {
    out.emails = sub === undefined || sub === "value"
      ? emails.filter((e) => !selects(e))
      : emails.map((e) => selects(e) && isObject(e) ? omit(e, sub) : e);
    return;
  }
  const change = sub === undefined ? (isObject(value) ? value : { value }) : { [sub]: value };
  let found = false;
  out.emails = emails.map((e) => {
    if (!selects(e) || !isObject(e)) return e;
    found = true;
    return { ...e, ...change };
  });
  // Entra ID replaces emails[type eq "work"].value on a user that has no work address yet: it is added.
  if (!found) (out.emails as unknown[]).push({ [key]: wanted, ...change });
}

/** A filter's comparison value: a JSON string, or true/false in any case. */
function literalOf(literal: string, filter: string): string | boolean {
  if (!literal.startsWith('"')) return literal.toLowerCase() === "true";
  try {
    return JSON.parse(literal) as string;
  } catch {
    throw new ScimProblem(400, `The email filter "${filter.slice(0, 100)}" is not supported.`, "invalidPath");
  }
}

function isObject(value: unknown): value is Attributes {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function omit(entry: Attributes, key: string): Attributes {
  const { [key]: _dropped, ...rest } = entry;
  return rest;
}
