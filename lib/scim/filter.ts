/**
 * The SCIM list query (RFC 7644 §3.4.2): `filter`, `startIndex` and `count`. Astapa answers the one filter shape
 * IdPs send to find a person before creating them — an attribute compared for equality with a string, such as
 * Okta's `userName eq "dewi@acme.test"` and Entra ID's `externalId eq "…"` — and refuses every other filter with
 * 400 invalidFilter (a malformed one too: never a 500). Groups are found the same way, by displayName (Entra ID, Okta),
 * externalId or id.
 */
import type { ScimEquality } from "@/db/scim.ts";
import type { ScimGroupEquality } from "@/db/scim_groups.ts";
import { ScimProblem } from "./problem.ts";

/** Longer than any equality filter on a 254-character address needs. */
const MAX_FILTER_LENGTH = 1024;

/** Attribute paths (compared without case, RFC 7643 §2.1) → the attribute SQL filters on. */
const ATTRIBUTES: Record<string, ScimEquality["attribute"]> = {
  "username": "userName",
  "externalid": "externalId",
  "id": "id",
  "emails.value": "emails.value",
  'emails[type eq "work"].value': "emails.value",
  "emails[primary eq true].value": "emails.value",
  "name.givenname": "name.givenName",
  "name.familyname": "name.familyName",
};

const EQUALITY = /^\s*(\S+?|emails\[[^\]]{1,40}\]\.value)\s+eq\s+("(?:[^"\\]|\\.)*")\s*$/is;

/** Parses a filter on Users; null for none. */
export function parseFilter(filter: string | undefined): ScimEquality | null {
  return parseEquality(
    filter,
    ATTRIBUTES,
    'Only an equality filter on userName, externalId, id, emails.value, name.givenName or name.familyName is supported, e.g. userName eq "dewi@acme.test".',
  );
}

/** Group attribute paths (without case) → the attribute SQL filters on: what Okta and Entra ID look groups up by. */
const GROUP_ATTRIBUTES: Record<string, ScimGroupEquality["attribute"]> = {
  "displayname": "displayName",
  "externalid": "externalId",
  "id": "id",
};

/** Parses a filter on Groups (Entra ID's `displayName eq "…"`, Okta's the same or `externalId eq`); null for none. */
export function parseGroupFilter(filter: string | undefined): ScimGroupEquality | null {
  return parseEquality(
    filter,
    GROUP_ATTRIBUTES,
    'Only an equality filter on displayName, externalId or id is supported, e.g. displayName eq "Engineering".',
  );
}

function parseEquality<A extends string>(
  filter: string | undefined,
  attributes: Record<string, A>,
  supported: string,
): { attribute: A; value: string } | null {
  if (filter === undefined || filter.trim() === "") return null;
  if (filter.length > MAX_FILTER_LENGTH) {
    throw new ScimProblem(400, `A filter is at most ${MAX_FILTER_LENGTH} characters.`, "invalidFilter");
  }
  const match = EQUALITY.exec(filter);
  const attribute = match && attributes[match[1].replace(/\s+/g, " ").toLowerCase()];
  if (!match || !attribute) throw new ScimProblem(400, supported, "invalidFilter");
  let value: unknown;
  try {
    value = JSON.parse(match[2]);
  } catch {
    throw new ScimProblem(400, "The filter's value is not a valid string.", "invalidFilter");
  }
  return { attribute, value: value as string };
}

/**
 * Whether a list or read leaves members out: `excludedAttributes=members` (Entra ID always sends it), or an
 * `attributes` list without members (RFC 7644 §3.4.2.5). Members are a group's large part.
 */
export function withMembers(attributes: string | undefined, excluded: string | undefined): boolean {
  const names = (list: string | undefined) =>
    (list ?? "").split(",").map((name) => name.trim().toLowerCase().replace(/^urn:.*:group:/, ""));
  if (names(excluded).includes("members")) return false;
  return attributes === undefined || attributes.trim() === "" || names(attributes).includes("members");
}

/** RFC 7644 §3.4.2.4: startIndex below 1 is 1, a negative count is 0; at most 100 a page. */
export const MAX_PAGE = 100;

export function parsePaging(startIndex: string | undefined, count: string | undefined) {
  return { startIndex: Math.max(1, integerParam("startIndex", startIndex, 1)), count: pageSize(count) };
}

function pageSize(count: string | undefined): number {
  return Math.min(MAX_PAGE, Math.max(0, integerParam("count", count, MAX_PAGE)));
}

function integerParam(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === "") return fallback;
  if (!/^-?\d{1,9}$/.test(text.trim())) {
    throw new ScimProblem(400, `${name} must be an integer.`, "invalidValue");
  }
  return Number(text.trim());
}
