/**
 * Import documents: a JSON array of users, a JSON object `{ "hash_config": {…}, "users": […] }` (Firebase's
 * parameters given once), or NDJSON — one user a line, optionally after a first line `{"hash_config": {…}}`.
 * A line that is not JSON is refused on its own; the rest of the document goes on. Depth is bounded before
 * parsing (lib/http/json.ts).
 */
import { HashConfig, MAX_ROWS_PER_REQUEST, type Refusal } from "./rows.ts";
import { JsonTooComplexError, MAX_JSON_DEPTH, parseJson } from "@/lib/http/json.ts";

/** The import route (lib/app.ts gives it a larger body limit). */
export const IMPORT_PATH = "/api/platform/users/import";
/** A body or file larger than this is refused whole (about 10,000 users with long custom claims). */
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;
/** One NDJSON line, one user. */
export const MAX_LINE_BYTES = 64 * 1024;

export type Item = { row: number; value: unknown } | Refusal;

/** The whole document is unusable (not a row's fault): the caller answers 400 with this reason. */
export class DocumentProblem extends Error {}

/** A JSON or NDJSON document → its hash_config and its items in order, numbered from 1. */
export function parseImportDocument(
  text: string,
  kind: "json" | "ndjson",
  limits: { maxRows: number; maxBytes: number } = {
    maxRows: MAX_ROWS_PER_REQUEST,
    maxBytes: MAX_IMPORT_BYTES,
  },
): { hashConfig?: HashConfig; items: Item[] } {
  if (kind === "ndjson") {
    const lines = new NdjsonLines();
    const items = text.split("\n").flatMap((line) => lines.take(line) ?? []);
    checkCount(items.length, limits.maxRows);
    return { hashConfig: lines.hashConfig, items };
  }
  let doc: unknown;
  try {
    doc = parseJson(text, MAX_JSON_DEPTH, limits.maxBytes);
  } catch (cause) {
    if (cause instanceof SyntaxError || cause instanceof JsonTooComplexError) {
      throw new DocumentProblem(`The body is not a JSON array of users: ${cause.message}`);
    }
    throw cause;
  }
  let users: unknown = doc;
  let hashConfig: HashConfig | undefined;
  if (doc !== null && typeof doc === "object" && !Array.isArray(doc)) {
    const { users: listed, hash_config: config, ...rest } = doc as Record<string, unknown>;
    const extra = Object.keys(rest).filter((key) => key !== "client_id" && key !== "client_secret");
    if (extra.length) throw new DocumentProblem(`Unknown field ${extra[0]}: send users and hash_config.`);
    users = listed;
    if (config !== undefined) hashConfig = readHashConfig(config);
  }
  if (!Array.isArray(users)) throw new DocumentProblem('Send a JSON array of users, or { "users": [...] }.');
  checkCount(users.length, limits.maxRows);
  return { hashConfig, items: users.map((value, i) => ({ row: i + 1, value })) };
}

/**
 * NDJSON read a line at a time (the CLI streams files through it): blank lines are skipped but counted, so
 * row numbers are line numbers; a first line holding only hash_config sets it for the rest.
 */
export class NdjsonLines {
  hashConfig?: HashConfig;
  #line = 0;

  /** The item on this line, or null for a blank line or the hash_config line. */
  take(raw: string): Item | null {
    const row = ++this.#line;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") return null;
    if (line.length > MAX_LINE_BYTES) {
      return { row, reason: `The line is longer than ${MAX_LINE_BYTES} bytes.` };
    }
    let value: unknown;
    try {
      value = parseJson(line, MAX_JSON_DEPTH, MAX_LINE_BYTES);
    } catch (cause) {
      if (cause instanceof SyntaxError || cause instanceof JsonTooComplexError) {
        return { row, reason: `The line is not one JSON object: ${cause.message}` };
      }
      throw cause;
    }
    if (row === 1 && value !== null && typeof value === "object" && "hash_config" in value) {
      const { hash_config, ...rest } = value as Record<string, unknown>;
      if (Object.keys(rest).length === 0) {
        this.hashConfig = readHashConfig(hash_config);
        return null;
      }
    }
    return { row, value };
  }
}

/** Firebase's hash_config, or DocumentProblem: a bad key would make every row wrong. */
export function readHashConfig(value: unknown): HashConfig {
  const parsed = HashConfig.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DocumentProblem(`hash_config.${issue.path.join(".")}: ${issue.message}`);
  }
  for (const field of ["base64_signer_key", "base64_salt_separator"] as const) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(parsed.data[field]) || parsed.data[field].length % 4 !== 0) {
      throw new DocumentProblem(`hash_config.${field} is not standard base64.`);
    }
  }
  return parsed.data;
}

/** At most `max` users in one document (MAX_ROWS_PER_REQUEST over HTTP). */
function checkCount(count: number, max: number): void {
  if (count > max) {
    throw new DocumentProblem(`At most ${max} users a request; this one has ${count}.`);
  }
}
