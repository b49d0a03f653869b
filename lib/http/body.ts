/**
 * Request bodies: JSON or form-encoded, validated with a zod schema. Every failure is a 4xx AppError.
 * Form fields that repeat become arrays, so a schema expecting one string refuses them.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { AppError, closedMidBody } from "./errors.ts";
import { parseJsonBody } from "./json.ts";

export type BodyKind = "json" | "form";

/** Reads and validates the body; `accept` limits which encodings the endpoint takes. */
export async function readBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  accept: BodyKind[] = ["json", "form"],
): Promise<z.infer<S>> {
  return validate(schema, await readRaw(c, accept));
}

/** A form-encoded body as posted, not yet validated (a dashboard form validates it where it can show a refusal). */
export async function readForm(c: Context): Promise<Record<string, string | string[]>> {
  return await readRaw(c, ["form"]) as Record<string, string | string[]>;
}

/** The body in one of the `accept`ed encodings, parsed but not validated (415 for another). */
async function readRaw(c: Context, accept: BodyKind[]): Promise<unknown> {
  const kind = bodyKind(c.req.header("content-type"));
  if (!kind || !accept.includes(kind)) {
    throw new AppError("unsupported_media_type", { description: mediaHint(accept) });
  }
  return kind === "json" ? await readJson(c) : formToObject(await readText(c));
}

/**
 * Validates any untrusted value (query strings, JSON) and turns zod issues into field errors (zod's English).
 * The issues go along on the AppError, with their input (zod's messages say what was received), so that a
 * dashboard page can word them in its own language.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const fields: Record<string, string[]> = {};
  for (const issue of result.error.issues) (fields[issueField(issue)] ??= []).push(issue.message);
  throw new AppError("validation_failed", { fields, issues: result.error.issues });
}

/** The `fields` key a zod issue is filed under: its path, dotted, or "(body)" for the whole value. */
export function issueField(issue: z.core.$ZodIssue): string {
  return issue.path.length ? issue.path.join(".") : "(body)";
}

export function bodyKind(contentType: string | undefined): BodyKind | null {
  const mediaType = contentType?.split(";")[0].trim().toLowerCase();
  if (mediaType === "application/json" || mediaType?.endsWith("+json")) return "json";
  if (mediaType === "application/x-www-form-urlencoded") return "form";
  return null;
}

/** URL-encoded form → object; a key that appears twice maps to an array of its values. */
export function formToObject(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const prior = out[key];
    out[key] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return { ...out };
}

async function readJson(c: Context): Promise<unknown> {
  return parseJsonBody(await readText(c));
}

/**
 * The raw body; a broken upload is invalid_request, a connection the client closed before the body arrived is
 * client_closed_request (499, no 400 in the logs or metrics), and the body limit stays payload_too_large.
 */
export async function readText(c: Context): Promise<string> {
  try {
    return await c.req.text();
  } catch (cause) {
    // Body-limit aborts and broken uploads surface here.
    if (cause instanceof AppError) throw cause;
    if (closedMidBody(cause)) throw new AppError("client_closed_request", { cause });
    throw new AppError("invalid_request", { description: "The request body could not be read.", cause });
  }
}

function mediaHint(accept: BodyKind[]): string {
  const names = accept.map((kind) =>
    kind === "json" ? "application/json" : "application/x-www-form-urlencoded"
  );
  return `Send the body as ${names.join(" or ")}.`;
}
