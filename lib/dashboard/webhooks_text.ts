/**
 * What the webhooks page says after its forms, in English and Bahasa Indonesia (English first, as the
 * dashboard words notices and refusals elsewhere): the `?done=` notices, the answers shown at once and the
 * refusals worded here rather than by SQL.
 */
import { AppError, toAppError } from "../http/errors.ts";
import { both } from "./reconcile_text.ts";

/** `?done=` keys → the notice. */
export const DONE_MESSAGES: Record<string, string> = {
  endpoint_saved: both({ en: "Webhook endpoint saved.", id: "Endpoint webhook disimpan." }),
  endpoint_enabled: both({
    en: "Webhook endpoint enabled: new events are delivered again.",
    id: "Endpoint webhook diaktifkan: event baru dikirim lagi.",
  }),
  endpoint_disabled: both({
    en: "Webhook endpoint paused: no deliveries until you enable it; waiting ones were marked failed.",
    id: "Endpoint webhook dijeda: tidak ada pengiriman sampai diaktifkan lagi; yang menunggu ditandai gagal.",
  }),
  endpoint_removed: both({
    en: "Webhook endpoint removed; deliveries still waiting were marked failed.",
    id: "Endpoint webhook dihapus; pengiriman yang masih menunggu ditandai gagal.",
  }),
  test_sent: both({
    en: "Test event queued: its delivery (webhook.test) is listed below once sent.",
    id: "Event uji diantrekan: pengirimannya (webhook.test) tampil di bawah setelah dikirim.",
  }),
  resent: both({
    en: "Delivery queued again: the next attempt is due now.",
    id: "Pengiriman diantrekan lagi: percobaan berikutnya sekarang.",
  }),
};

export const ADDED = both({ en: "Webhook endpoint added.", id: "Endpoint webhook ditambahkan." });

export const ROTATED = both({
  en: "A new signing secret is in force; deliveries are signed with it from now on.",
  id: "Secret penandatanganan baru berlaku; pengiriman mulai sekarang ditandatangani dengannya.",
});

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
