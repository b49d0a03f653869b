/**
 * Who must present a second factor. A project's `settings.mfa.policy`: `off` (nobody is asked, nobody enrols),
 * `optional` (the default: people who set up an app are asked for its code, and an app may send anyone to set
 * one up with acr_values), `required` (everyone without a factor sets one up at their next sign-in). An app
 * asks for MFA per request with `acr_values` naming ACR_MFA (OIDC Core §3.1.2.1), which also steps up a
 * signed-in person whose session lacks it.
 */
import { z } from "zod";

/** The PAPE multi-factor policy URI, as Auth0 and others name MFA in acr/acr_values. */
export const ACR_MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";
/** A sign-in with one factor (OIDC Core §2: "0" does not meet ISO/IEC 29115 level 1 assurance for money). */
export const ACR_SINGLE_FACTOR = "0";
export const ACR_VALUES_SUPPORTED = [ACR_MFA, ACR_SINGLE_FACTOR];

export const MFA_POLICIES = ["off", "optional", "required"] as const;
export type MfaPolicy = typeof MFA_POLICIES[number];

const MfaSettings = z.object({
  policy: z.enum(MFA_POLICIES).optional(),
  remember_days: z.number().int().min(0).max(90).optional(),
  /** A verified phone may be the second factor (off unless turned on, as Clerk and Auth0 ship SMS). */
  phone: z.boolean().optional(),
}).catch({});

type Project = { settings: Record<string, unknown> };

export function mfaPolicy(project: Project): MfaPolicy {
  return MfaSettings.parse(project.settings.mfa ?? {}).policy ?? "optional";
}

/** How many days a browser may skip the second factor after presenting it (0: never remembered). */
export function rememberDays(project: Project): number {
  return MfaSettings.parse(project.settings.mfa ?? {}).remember_days ?? 0;
}

/** Whether the project accepts a code to a verified phone as the second factor (`settings.mfa.phone`). */
export function phoneFactorOffered(project: Project): boolean {
  return MfaSettings.parse(project.settings.mfa ?? {}).phone === true && mfaPolicy(project) !== "off";
}

/** Whether the app asked for multi-factor authentication in this request. */
export function wantsMfa(acrValues: string | undefined): boolean {
  return (acrValues ?? "").split(" ").includes(ACR_MFA);
}

/**
 * The amr of a session support staff opened as the person (docs/impersonation.md): none of the person's factors
 * was presented, so neither `mfa` nor a first factor's value; RFC 8176 registers none for this.
 */
export const IMPERSONATION_AMR = "imp";

/**
 * Whether a sign-in (first factor passed, or a live session with `amr`) owes a second factor now. An
 * impersonation's session never does: the actor cannot present the person's factor, and its tokens say `act`.
 */
export function mfaOwed(project: Project, acrValues: string | undefined, amr: string[]): boolean {
  const policy = mfaPolicy(project);
  if (policy === "off" || amr.includes("mfa") || amr.includes(IMPERSONATION_AMR)) return false;
  return policy === "required" || wantsMfa(acrValues);
}

/** The acr a sign-in with these methods reached. */
export function acrFor(amr: string[]): string {
  return amr.includes("mfa") ? ACR_MFA : ACR_SINGLE_FACTOR;
}
