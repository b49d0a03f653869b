/**
 * The SCIM list query (RFC 7644 §3.4.2): `filter`, `startIndex` and `count`. Astapa answers the one filter shape
 * IdPs send to find a person before creating them — an attribute compared for equality with a string, such as
 * Okta's `userName eq "dewi@acme.test"` and Entra ID's `externalId eq "…"` — and refuses every other filter with
 * 400 invalidFilter (a malformed one too: never a 500).
 */
import type { ScimEquality } from "@/db/scim.ts";
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
};

const EQUALITY = /^\s*(\S+?|emails\[[^\]]{1,40}\]\.value)\s+eq\s+("(?:[^"\\]|\\.)*")\s*$/is;

/** Parses a filter; null for none. */
export function parseFilter(filter: string | undefined): ScimEquality | null {
  if (filter === undefined || filter.trim() === "") return null;
  if (filter.length > MAX_FILTER_LENGTH) {
    throw new ScimProblem(400, `A filter is at most ${MAX_FILTER_LENGTH} characters.`, "invalidFilter");
  }
  const match = EQUALITY.exec(filter);
  const attribute = match && ATTRIBUTES[match[1].replace(/\s+/g, " ").toLowerCase()];
  if (!match || !attribute) {
    throw new ScimProblem(
      400,
      'Only an equality filter on userName, externalId, id or emails.value is supported, e.g. userName eq "dewi@acme.test".',
      "invalidFilter",
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(match[2]);
  } catch {
    throw new ScimProblem(400, "The filter's value is not a valid string.", "invalidFilter");
  }
  return { attribute, value: value as string };
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
