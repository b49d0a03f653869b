/**
 * What the dashboard's Resume button posts (a payment or refund whose reconciliation with Xendit stopped after
 * three errors of ours) and its refusals — from api.resume_*_reconciliation, the same functions as the Platform
 * API and the CLI — worded in English and Bahasa Indonesia as trial refusals are.
 */
import { z } from "zod";
import { AppError, type ErrorCode, toAppError } from "../http/errors.ts";
import { both, type Worded } from "./reconcile_text.ts";

const REFUSALS: Partial<Record<ErrorCode, Worded>> = {
  reconciliation_not_stopped: {
    en: "Its reconciliation has not stopped (or was resumed already): Xendit is still asked about it.",
    id: "Rekonsiliasinya belum berhenti (atau sudah dilanjutkan): Xendit masih ditanya tentangnya.",
  },
  already_final: {
    en: "It is already final (paid, expired, succeeded or failed): there is nothing left to reconcile.",
    id: "Sudah final (dibayar, kedaluwarsa, berhasil, atau gagal): tidak ada lagi yang perlu direkonsiliasi.",
  },
  not_found: {
    en: "It was not found in this project.",
    id: "Tidak ditemukan di proyek ini.",
  },
};

/** The form the button posts: the CSRF token and the payment's checkout id or the refund's id. */
export const ResumeFormSchema = z.object({
  csrf: z.string(),
  id: z.string().regex(/^(chk|rfd)_[a-z2-7]{24}$/, "A payment's checkout id or a refund's id."),
});

/** Rethrows a refusal with both wordings (same code, so the page re-renders with 422); anything else as is. */
export function wordResumeRefusal(thrown: unknown): never {
  const error = toAppError(thrown);
  const worded = REFUSALS[error.code];
  if (!worded) throw thrown;
  throw new AppError(error.code, { description: both(worded), cause: thrown });
}
