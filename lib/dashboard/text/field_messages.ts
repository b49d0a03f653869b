/**
 * English messages a dashboard form can show beside a field that come from elsewhere — a schema shared with
 * the Platform API (lib/platform/profile_body.ts) or the database (astapa.profile_problem) — and their
 * Indonesian. `{field}` is the field's name, which stays as it is. lib/dashboard/field_text.ts finds a
 * message here by its English; one not found stays English. zod's own messages need none: its locales word them.
 */
import { catalogue } from "./catalogue.ts";

export const FIELD_MESSAGES_TEXT = catalogue({
  // The profile schema's (lib/platform/profile_body.ts).
  notText: "{field} must be a string or null.",
  tooLong: "{field} is too long.",
  // astapa.profile_problem's (db/api/profile.sql).
  atMost256: "{field} is at most 256 characters, without control or invisible formatting characters.",
  atMost128: "{field} is at most 128 characters, without control or invisible formatting characters.",
  atMost64: "{field} is at most 64 characters, without control or invisible formatting characters.",
  picture: "{field} is an https:// URL of at most 2048 characters (non-ASCII percent-encoded).",
  website: "{field} is an https:// or http:// URL of at most 2000 characters (non-ASCII percent-encoded).",
  locale: "{field} is a BCP 47 language tag, e.g. id-ID.",
  zoneinfo: "{field} is an IANA time zone name, e.g. Asia/Jakarta.",
  birthdate: "{field} is a date in the past as YYYY-MM-DD, or 0000-MM-DD without the year.",
}, {
  notText: "{field} harus berupa teks atau null.",
  tooLong: "{field} terlalu panjang.",
  atMost256:
    "{field} paling banyak 256 karakter, tanpa karakter kontrol atau karakter format yang tak terlihat.",
  atMost128:
    "{field} paling banyak 128 karakter, tanpa karakter kontrol atau karakter format yang tak terlihat.",
  atMost64:
    "{field} paling banyak 64 karakter, tanpa karakter kontrol atau karakter format yang tak terlihat.",
  picture: "{field} berupa URL https:// paling banyak 2048 karakter (karakter non-ASCII di-percent-encode).",
  website:
    "{field} berupa URL https:// atau http:// paling banyak 2000 karakter (karakter non-ASCII di-percent-encode).",
  locale: "{field} berupa tag bahasa BCP 47, mis. id-ID.",
  zoneinfo: "{field} berupa nama zona waktu IANA, mis. Asia/Jakarta.",
  birthdate: "{field} berupa tanggal yang sudah lewat, YYYY-MM-DD, atau 0000-MM-DD tanpa tahun.",
});
