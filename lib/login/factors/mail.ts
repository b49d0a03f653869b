/**
 * What Astapa tells a person about their second factor, in their language: a recovery code was used (someone
 * holding it signed in), an administrator removed their factors, or they changed their own. Plain text; never a code.
 */
import type { Lang } from "../i18n.ts";

export type FactorMail = { template: string; subject: string; text: string };

const WORDING = {
  recovery_code_used: {
    en: (app: string, left: number) => ({
      subject: `A recovery code was used to sign in to ${app}`,
      text:
        `Hello,\n\nSomeone signed in to ${app} with one of your recovery codes. It cannot be used again; ` +
        `${left} remain.\n\nIf this was not you, change your password and ask the app's support to reset your ` +
        `two-step verification.\n`,
    }),
    id: (app: string, left: number) => ({
      subject: `Kode pemulihan dipakai untuk masuk ke ${app}`,
      text: `Halo,\n\nSeseorang masuk ke ${app} dengan salah satu kode pemulihan Anda. Kode itu tidak bisa ` +
        `dipakai lagi; tersisa ${left}.\n\nJika itu bukan Anda, ganti kata sandi Anda dan minta dukungan aplikasi ` +
        `mengatur ulang verifikasi dua langkah Anda.\n`,
    }),
  },
  mfa_removed: {
    en: (app: string) => ({
      subject: `Two-step verification was removed from your ${app} account`,
      text:
        `Hello,\n\nAn administrator of ${app} removed the authenticator app and recovery codes from your ` +
        `account. You can set up a new one the next time you sign in.\n\nIf you did not ask for this, contact ` +
        `the app's support.\n`,
    }),
    id: (app: string) => ({
      subject: `Verifikasi dua langkah dihapus dari akun ${app} Anda`,
      text:
        `Halo,\n\nAdministrator ${app} menghapus aplikasi autentikator dan kode pemulihan dari akun Anda. ` +
        `Anda bisa menyiapkan yang baru saat masuk berikutnya.\n\nJika Anda tidak memintanya, hubungi dukungan ` +
        `aplikasi.\n`,
    }),
  },
  recovery_codes_regenerated: {
    en: (app: string) => ({
      subject: `New recovery codes were made for your ${app} account`,
      text:
        `Hello,\n\nNew recovery codes were made for your ${app} account; the old ones no longer work.\n\n` +
        `If this was not you, change your password and ask the app's support for help.\n`,
    }),
    id: (app: string) => ({
      subject: `Kode pemulihan baru dibuat untuk akun ${app} Anda`,
      text: `Halo,\n\nKode pemulihan baru dibuat untuk akun ${app} Anda; kode lama tidak berlaku lagi.\n\n` +
        `Jika itu bukan Anda, ganti kata sandi Anda dan minta bantuan dukungan aplikasi.\n`,
    }),
  },
  own_mfa_removed: {
    en: (app: string) => ({
      subject: `Two-step verification was removed from your ${app} account`,
      text: `Hello,\n\nYou removed the authenticator app and recovery codes from your ${app} account.\n\n` +
        `If this was not you, change your password and ask the app's support for help.\n`,
    }),
    id: (app: string) => ({
      subject: `Verifikasi dua langkah dihapus dari akun ${app} Anda`,
      text: `Halo,\n\nAnda menghapus aplikasi autentikator dan kode pemulihan dari akun ${app} Anda.\n\n` +
        `Jika itu bukan Anda, ganti kata sandi Anda dan minta bantuan dukungan aplikasi.\n`,
    }),
  },
} as const;

/** Sent when a recovery code signs someone in (`left`: the codes still unused after this one). */
export function recoveryCodeUsedMail(lang: Lang, appName: string, left: number): FactorMail {
  return { template: "recovery_code_used", ...WORDING.recovery_code_used[lang](appName, left) };
}

/** Sent when an administrator resets a person's factors. */
export function factorsRemovedMail(lang: Lang, appName: string): FactorMail {
  return { template: "mfa_removed", ...WORDING.mfa_removed[lang](appName) };
}

/** Sent when a person makes new recovery codes themselves, or removes their own app (the hosted manage page). */
export function ownFactorMail(lang: Lang, appName: string, action: "regenerate" | "remove"): FactorMail {
  const template = action === "regenerate" ? "recovery_codes_regenerated" : "own_mfa_removed";
  return { template, ...WORDING[template][lang](appName) };
}
