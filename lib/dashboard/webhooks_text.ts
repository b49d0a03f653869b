/**
 * The webhooks page's refusals worded here rather than by SQL, in English and Bahasa Indonesia together
 * (English first, as the API and CLI word trial and reconcile refusals). The page's notices are in its
 * catalogue, lib/dashboard/text/webhooks.ts.
 */
import { AppError, toAppError } from "../http/errors.ts";
import { both } from "./reconcile_text.ts";

const LIMIT = both({
  en: "This project has 16 webhook endpoints, the most it may have: remove one before adding another.",
  id:
    "Proyek ini sudah punya 16 endpoint webhook, jumlah terbanyak yang boleh: hapus satu sebelum menambah yang lain.",
});

/** The limit refused as a conflict in both languages (the page re-renders with 422); anything else as is. */
export function wordEndpointLimit(thrown: unknown): never {
  if (toAppError(thrown).code !== "webhook_endpoint_limit") throw thrown;
  throw new AppError("conflict", { description: LIMIT, cause: thrown });
}

const TEST_LIMIT = both({
  en: "Five test events a minute per endpoint: wait a minute, then send another.",
  id: "Lima event uji per menit per endpoint: tunggu satu menit, lalu kirim lagi.",
});

/** The test-event limit refused in both languages (the page re-renders with 422); anything else as is. */
export function wordTestLimit(thrown: unknown): never {
  if (toAppError(thrown).code !== "rate_limited") throw thrown;
  throw new AppError("conflict", { description: TEST_LIMIT, cause: thrown });
}
