/**
 * An OpenID Connect connection's mapped claim name, read from an ID token (docs/enterprise-sso.md "Attribute
 * mapping and groups"): the name as a top-level claim first, so a claim whose name has dots in it (a URL such as
 * `https://example.com/groups`) is read as it is; else the name as a path through nested objects, split at dots
 * (`realm_access.roles`, `resource_access.app.roles`), where a key that itself has dots is found too (at each level
 * the whole rest of the path as one key first, then the shortest key that leads on). Only own keys of plain objects
 * are followed: never an array index, a prototype's property or a value that is not an object.
 */

/** How many dots a claim name may have (the same in astapa.assert_sso_claim_path). */
export const MAX_CLAIM_PATH_DOTS = 15;
export const CLAIM_PATH_RULE =
  `a claim path has no empty part (no leading, trailing or doubled dot) and at most ${MAX_CLAIM_PATH_DOTS} dots`;

/** Whether `name` may be saved as an OpenID Connect claim name (astapa.assert_sso_claim_path says the same). */
export function isClaimPath(name: string): boolean {
  return !name.startsWith(".") && !name.endsWith(".") && !name.includes("..") &&
    name.split(".").length - 1 <= MAX_CLAIM_PATH_DOTS;
}

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function walk(object: JsonObject, rest: string): unknown {
  if (Object.hasOwn(object, rest)) return object[rest];
  for (let dot = rest.indexOf("."); dot > 0; dot = rest.indexOf(".", dot + 1)) {
    const head = rest.slice(0, dot);
    const next = Object.hasOwn(object, head) ? object[head] : undefined;
    if (!isObject(next)) continue;
    const found = walk(next, rest.slice(dot + 1));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The claim `name` names in `claims` (top-level first, then as a dotted path); undefined when there is none. */
export function claimAt(claims: JsonObject, name: string): unknown {
  return walk(claims, name);
}
