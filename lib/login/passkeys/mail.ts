/**
 * What Astapa tells a person when an administrator removes one of their passkeys on the dashboard. Plain text,
 * no link and no key material; English then Indonesian in one message, as the factors reset does, since the
 * dashboard does not know the person's language.
 */
import type { Lang } from "../i18n.ts";
import { inBothLanguages } from "@/lib/mail/both_languages.ts";

export type PasskeyMail = { template: string; subject: string; text: string };

const REMOVED_BY_ADMIN: Record<Lang, (app: string) => { subject: string; text: string }> = {
  en: (app) => ({
    subject: `A passkey was removed from your ${app} account`,
    text: `Hello,\n\nAn administrator of ${app} removed one of your passkeys from your account. It can no ` +
      `longer be used to sign in; you can add a new passkey to your account.\n\nIf you did not ask for this, ` +
      `contact the app's support.\n`,
  }),
  id: (app) => ({
    subject: `Sebuah passkey dihapus dari akun ${app} Anda`,
    text:
      `Halo,\n\nAdministrator ${app} menghapus salah satu passkey dari akun Anda. Passkey itu tidak bisa ` +
      `dipakai lagi untuk masuk; Anda bisa menambahkan passkey baru ke akun Anda.\n\nJika Anda tidak ` +
      `memintanya, hubungi dukungan aplikasi.\n`,
  }),
};

/** Sent when an administrator removes one of a person's passkeys (English, then Indonesian). */
export function passkeyRemovedByAdminMail(appName: string): PasskeyMail {
  return inBothLanguages("passkey_removed", REMOVED_BY_ADMIN.en(appName), REMOVED_BY_ADMIN.id(appName));
}
