/**
 * The user page's claims form → a Claims API patch. The form holds the user's whole own claims (role, flags,
 * custom claims as a JSON object), so a custom key left out of the JSON is removed (null in the patch).
 * Names, sizes and reserved words are checked in SQL by api.patch_user_claims, as for PATCH …/claims.
 */
import type { ClaimsPatch, Json } from "@/db/users.ts";
import { AppError } from "../http/errors.ts";
import { parseJson } from "../http/json.ts";
import { fieldMessage } from "./field_text.ts";
import type { Lang } from "./i18n.ts";

export type ClaimsForm = { role: string; feature_flags: string; extra: string };

const NAMED = ["plan", "role", "feature_flags"];

/** Builds the patch, or refuses (validation_failed, a 422 on the page) with a message naming the field. */
export function claimsPatchOf(form: ClaimsForm, storedExtra: Record<string, unknown>): ClaimsPatch {
  const extra = parseExtra(form.extra);
  const named = Object.keys(extra).filter((key) => NAMED.includes(key));
  if (named.length) {
    refuse(`Custom claims: ${named.join(", ")} has its own field (plan: use "Assign a plan").`);
  }
  const patch: ClaimsPatch = {
    role: form.role.trim() || null,
    feature_flags: [...new Set(form.feature_flags.split(/[\s,]+/).filter(Boolean))],
  };
  for (const key of Object.keys(storedExtra)) {
    if (!(key in extra)) patch[key] = null;
  }
  return { ...patch, ...extra };
}

function parseExtra(text: string): Record<string, Json> {
  if (!text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = parseJson(text);
  } catch {
    refuse('Custom claims must be valid JSON, for example {"seats": 5, "company_id": "acme"}.');
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    refuse('Custom claims must be a JSON object, for example {"seats": 5}.');
  }
  return parsed as Record<string, Json>;
}

function refuse(description: string): never {
  throw new AppError("validation_failed", { description });
}

/**
 * A refusal from api.patch_user_claims, with every field's problem spelled out for the page in its language
 * (lib/dashboard/field_text.ts; the field's name as it is).
 */
export function describeClaimsProblem(error: AppError, lang: Lang): AppError {
  if (error.code !== "validation_failed" || !error.fields) return error;
  const problems = Object.entries(error.fields).map(([field, list]) =>
    `${field}: ${list.map((problem) => fieldMessage(lang, field, problem, error.code)).join(" ")}`
  );
  return new AppError("validation_failed", { description: problems.join(" · "), cause: error });
}
