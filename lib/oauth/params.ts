/**
 * OAuth request parameters (RFC 6749 §3.1–3.2): a form body (any charset parameter), or JSON as Astapa
 * also accepts. Empty values count as absent, repeated parameters are refused, unknown ones are ignored.
 * Every failure is `invalid_request`, never a generic validation code.
 */
import type { Context } from "hono";
import { AppError } from "../http/errors.ts";
import { JsonTooComplexError, parseJson } from "../http/json.ts";
import { bodyKind, readText } from "../http/body.ts";

export type OAuthParams = Record<string, string>;

export async function readOAuthParams(c: Context): Promise<OAuthParams> {
  const kind = bodyKind(c.req.header("content-type"));
  if (!kind) {
    throw new AppError("invalid_request", {
      description: "Send parameters as application/x-www-form-urlencoded or application/json.",
    });
  }
  const text = await readText(c);
  return kind === "form" ? fromForm(text) : fromJson(text);
}

function fromForm(text: string): OAuthParams {
  const params: OAuthParams = {};
  const seen = new Set<string>();
  for (const [key, value] of new URLSearchParams(text)) {
    if (seen.has(key)) {
      throw new AppError("invalid_request", { description: `The ${key} parameter is repeated.` });
    }
    seen.add(key);
    if (value !== "") params[key] = value;
  }
  return params;
}

function fromJson(text: string): OAuthParams {
  let parsed: unknown;
  try {
    parsed = parseJson(text);
  } catch (cause) {
    throw new AppError("invalid_request", {
      description: cause instanceof JsonTooComplexError
        ? "The JSON body is nested too deeply or too long."
        : "The request body is not valid JSON.",
      cause,
    });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AppError("invalid_request", { description: "The JSON body must be an object." });
  }
  const params: OAuthParams = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (value === null || value === "") continue;
    if (typeof value !== "string") {
      throw new AppError("invalid_request", { description: `The ${key} parameter must be a string.` });
    }
    params[key] = value;
  }
  return params;
}

/** A required parameter, or invalid_request naming it. */
export function required(params: OAuthParams, name: string): string {
  const value = params[name];
  if (value === undefined) {
    throw new AppError("invalid_request", { description: `The ${name} parameter is missing.` });
  }
  return value;
}
