/**
 * The last error the billing pass met reconciling a charge or a refund, as SQL stores and answers it
 * (astapa.reconcile_error_json; the codes are the tables' reconcile_error_code_check, migration 4217).
 */
import { z } from "zod";

/** What a failed question to Xendit met: lib/payments/reconcile_errors.ts says which is which. */
export const RECONCILE_ERROR_CODES = [
  "credentials_refused",
  "provider_refused",
  "rate_limited",
  "provider_5xx",
  "provider_timeout",
  "provider_unreachable",
  "provider_interrupted",
  "unexpected_answer",
  "internal_error",
] as const;
export type ReconcileErrorCode = typeof RECONCILE_ERROR_CODES[number];

export const ReconcileLastErrorSchema = z.object({
  code: z.enum(RECONCILE_ERROR_CODES).describe(
    "credentials_refused (Xendit refused the project's API key: 401/403), provider_refused (another 4xx), " +
      "rate_limited (429), provider_5xx, provider_timeout, provider_unreachable, provider_interrupted (no or a " +
      "cut-off answer), unexpected_answer (one Astapa could not read) or internal_error (Astapa's own). Only " +
      "provider_refused, unexpected_answer and internal_error count towards reconcile_errors.",
  ),
  message: z.string().describe(
    "The error in a sentence (at most 300 characters): Xendit's status and error code at most, never a key or " +
      "Xendit's body. The server log has the rest.",
  ),
  at: z.string().describe("When it happened."),
}).describe(
  "The last error the billing pass met asking Xendit about it, kept until the next error (a resume keeps it, " +
    "for the record), or null when there was none: with reconcile_stopped_at set, why reconciliation stopped.",
);
export type ReconcileLastError = z.infer<typeof ReconcileLastErrorSchema>;

/** A charge's or refund's last reconcile error as the tables keep it. */
export type ReconcileErrorRecord = { code: ReconcileErrorCode; message: string };
