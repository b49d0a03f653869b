/**
 * The words of remembered consent (components/dashboard/ConsentsSection.tsx): a user's page's "Apps this user
 * allowed" and Machine clients' third-party clients people allowed.
 */
import { catalogue } from "./catalogue.ts";

export const CONSENTS_TEXT = catalogue({
  publishedAt: "(published at {host})",
  appsAllowed: "Apps this user allowed",
  noConsents: "No third-party app has this user's consent.",
  columnApp: "App",
  columnResource: "Resource",
  columnScopes: "Scopes",
  columnLastAllowed: "Last allowed",
  columnRevoke: "Revoke",
  revokeOf: "Revoke {client} ({resource})",
  revoke: "Revoke",
  revokeExplained: "Revoking ends the app's refresh tokens for that resource; it must ask again.",
  thirdPartyTitle: "Registered clients people allowed",
  thirdPartyIntro:
    "Self-registered (RFC 7591) and metadata-document clients that users of this project allowed. Their names are their own claims.",
  noneYet: "None yet.",
  columnClient: "Client",
  columnKind: "Kind",
  columnUsers: "Users",
  columnResources: "Resources",
  columnLastUsed: "Last used",
  kindRegistered: "registered",
  kindMetadataDocument: "metadata document",
}, {
  publishedAt: "(dipublikasikan di {host})",
  appsAllowed: "Aplikasi yang diizinkan pengguna ini",
  noConsents: "Tidak ada aplikasi pihak ketiga yang mendapat persetujuan pengguna ini.",
  columnApp: "Aplikasi",
  columnResource: "Resource",
  columnScopes: "Scope",
  columnLastAllowed: "Terakhir diizinkan",
  columnRevoke: "Cabut",
  revokeOf: "Cabut {client} ({resource})",
  revoke: "Cabut",
  revokeExplained:
    "Mencabut mengakhiri refresh token aplikasi itu untuk resource tersebut; aplikasi harus meminta izin lagi.",
  thirdPartyTitle: "Client terdaftar yang diizinkan orang",
  thirdPartyIntro:
    "Client yang mendaftar sendiri (RFC 7591) dan client metadata-document yang diizinkan pengguna proyek ini. Namanya adalah klaim mereka sendiri.",
  noneYet: "Belum ada.",
  columnClient: "Client",
  columnKind: "Jenis",
  columnUsers: "Pengguna",
  columnResources: "Resource",
  columnLastUsed: "Terakhir dipakai",
  kindRegistered: "terdaftar",
  kindMetadataDocument: "metadata document",
});
