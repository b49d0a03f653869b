/**
 * Why the dashboard could not start a user's trial, in English and Bahasa Indonesia: api.start_trial's refusals
 * (the same function the Platform API and the plan picker use) worded for the user page's alert.
 */
import { AppError, toAppError } from "../http/errors.ts";

type Worded = { en: string; id: string };

/** The SQL message's pattern → both wordings (plan named where the message names it). */
const REFUSALS: [RegExp, (plan: string) => Worded][] = [
  [/address .* already had a trial/, (plan) => ({
    en: `This user's address has already had the free trial of ${plan} on another account: one trial per ` +
      "address and plan.",
    id:
      `Alamat pengguna ini sudah pernah memakai masa coba gratis ${plan} di akun lain: satu kali per alamat ` +
      "dan paket.",
  })],
  [/is a guest/, () => ({
    en: "This user is a guest: a trial starts once they have an account (a trial is held by an address).",
    id: "Pengguna ini tamu: masa coba dimulai setelah mereka punya akun (masa coba terikat pada alamat).",
  })],
  [/already had a trial/, (plan) => ({
    en: `This user has already had the free trial of ${plan}: one trial per user and plan.`,
    id: `Pengguna ini sudah pernah memakai masa coba gratis ${plan}: satu kali per pengguna dan paket.`,
  })],
  [/already has the paid plan/, () => ({
    en: "This user already has a paid plan (or a trial of one): a trial is for users without one.",
    id:
      "Pengguna ini sudah punya paket berbayar (atau masa cobanya): masa coba hanya untuk yang belum punya.",
  })],
  [/team plan/, (plan) => ({
    en: `${plan} is a team plan: an organization buys it, a person cannot trial it.`,
    id: `${plan} adalah paket tim: dibeli oleh organisasi, tidak bisa dicoba perorangan.`,
  })],
  [/offers no trial/, (plan) => ({
    en: `${plan} offers no free trial: give the plan trial days first (Plans).`,
    id: `${plan} tidak menawarkan masa coba gratis: isi dulu hari masa coba paketnya (Paket).`,
  })],
  [/was not found/, () => ({
    en: "This user was not found in this project's current mode, or is disabled.",
    id: "Pengguna ini tidak ditemukan di mode proyek saat ini, atau dinonaktifkan.",
  })],
];

/** Rethrows a refusal with both wordings (same code, so the form re-renders with 422); anything else as is. */
export function wordTrialRefusal(thrown: unknown, plan: string): never {
  const error = toAppError(thrown);
  const match = REFUSALS.find(([pattern]) => pattern.test(error.description));
  if (!match) throw thrown;
  const worded = match[1](plan);
  throw new AppError(error.code, { description: `${worded.en} — ${worded.id}` });
}

/**
 * api.assign_plan's refusal of a team plan, worded for the user page in both languages (the dashboard's plan
 * form lists every plan; a team plan is an organization's: Organizations → its plan). Anything else as is.
 */
export function wordAssignRefusal(thrown: unknown, plan: string): never {
  const error = toAppError(thrown);
  if (!/is a team plan/.test(error.description)) throw thrown;
  throw new AppError(error.code, {
    description: `${plan} is a team plan: an organization buys it (or gets it on Organizations), ` +
      `not a person. — ${plan} adalah paket tim: dibeli oleh organisasi (atau dipasang di Organisasi), ` +
      `bukan perorangan.`,
  });
}
