/**
 * The words of the account page's later sections (passkeys, organizations, connected apps and agents) in
 * English and Bahasa Indonesia: kept apart from lib/account/i18n.ts so sections added by different changes
 * do not edit one dictionary.
 */
import type { Lang } from "@/lib/login/i18n.ts";

const en = {
  passkeys: "Passkeys",
  passkeysNone: "No passkeys yet.",
  passkeyAdded: "added {date}",
  passkeyUsed: "last used {date}",
  passkeyNeverUsed: "never used",
  passkeySynced: "synced",
  managePasskeys: "Add or remove passkeys",
  organizations: "Organizations",
  roleOwner: "Owner",
  roleAdmin: "Admin",
  roleMember: "Member",
  memberSince: "member since {date}",
  leave: "Leave",
  appFrom: "from {host}",
  appHolds: "holds: {scopes}",
  allowedFor: "You allowed {resource}: {scopes}",
  noScopes: "no scopes",
  withdraw: "Withdraw",
};

export type SectionKey = keyof typeof en;

const id: Record<SectionKey, string> = {
  passkeys: "Passkey",
  passkeysNone: "Belum ada passkey.",
  passkeyAdded: "ditambahkan {date}",
  passkeyUsed: "terakhir dipakai {date}",
  passkeyNeverUsed: "belum pernah dipakai",
  passkeySynced: "tersinkron",
  managePasskeys: "Tambah atau hapus passkey",
  organizations: "Organisasi",
  roleOwner: "Pemilik",
  roleAdmin: "Admin",
  roleMember: "Anggota",
  memberSince: "anggota sejak {date}",
  leave: "Keluar",
  appFrom: "dari {host}",
  appHolds: "memegang: {scopes}",
  allowedFor: "Anda mengizinkan {resource}: {scopes}",
  noScopes: "tanpa cakupan",
  withdraw: "Cabut",
};

export const SECTION_TEXT: Record<Lang, Record<SectionKey, string>> = { en, id };

/** The text for `key` with {placeholders} filled in. */
export function sectionSay(
  lang: Lang,
  key: SectionKey,
  values: Record<string, string | number> = {},
): string {
  return SECTION_TEXT[lang][key].replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** A date and time as the account page prints them (UTC, in the page's language). */
export const accountDate = (lang: Lang, iso: string) =>
  new Date(iso).toLocaleString(lang === "id" ? "id-ID" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "UTC",
  }) + " UTC";
