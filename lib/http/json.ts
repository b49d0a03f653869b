/**
 * The one JSON parser for untrusted text (request bodies, webhook payloads, JSON typed into forms). Nesting
 * depth and size are bounded BEFORE parsing: JSON.parse accepts 100,000 levels, and what walks the result next
 * (zod, Postgres' jsonb) then recurses until it overflows the stack — a 500 instead of a 400.
 */
import { AppError } from "./errors.ts";

/** Deeper than any document Astapa accepts has a reason to be (claims, metadata, webhook payloads). */
export const MAX_JSON_DEPTH = 32;
/** Characters; the HTTP body limit (lib/app.ts) stops larger uploads earlier. */
export const MAX_JSON_LENGTH = 1_000_000;

export class JsonTooComplexError extends Error {}

/**
 * JSON.parse behind the bounds; throws SyntaxError for bad JSON and JsonTooComplexError past a bound, so each
 * caller keeps its own error answer (see parseJsonBody for the common one).
 */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH, maxLength = MAX_JSON_LENGTH): unknown {
  if (text.length > maxLength) throw new JsonTooComplexError(`JSON longer than ${maxLength}`);
  if (nestingDepth(text) > maxDepth) throw new JsonTooComplexError(`JSON nested deeper than ${maxDepth}`);
  return JSON.parse(text);
}

/** parseJson for request bodies: 400 invalid_json, saying which bound was passed. */
export function parseJsonBody(text: string): unknown {
  try {
    return parseJson(text);
  } catch (cause) {
    const description = cause instanceof JsonTooComplexError
      ? `The JSON is nested deeper than ${MAX_JSON_DEPTH} levels or longer than ${MAX_JSON_LENGTH} characters.`
      : undefined;
    throw new AppError("invalid_json", { description, cause });
  }
}

/** The deepest bracket nesting outside strings, in one pass; stops counting once it passes the bound. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > deepest) deepest = depth;
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return deepest;
}
