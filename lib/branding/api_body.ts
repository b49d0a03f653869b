/**
 * What the branding endpoints and the dashboard form accept: the settings.branding fields as strings (null or
 * an empty form field removes one; SQL's astapa.branding_problem judges the values and says why), and the
 * logo upload turned into an AppError the person can act on.
 */
import { z } from "zod";
import { AppError } from "@/lib/http/errors.ts";
import { LogoProblem, validateLogo, type ValidLogo } from "./logo_image.ts";
import { type Branding, logoPath } from "./brand.ts";

const Field = z.string().max(1000).nullable().optional();

export const BrandingChanges = z.strictObject({
  display_name: Field,
  primary_color: Field,
  theme: Field,
  terms_url: Field,
  privacy_url: Field,
  support_email: Field,
}).refine((changes) => Object.keys(changes).length > 0, {
  message: "Give at least one branding field to change (null removes one).",
});
export type BrandingChanges = z.infer<typeof BrandingChanges>;

/** The branding as the API shows it: the logo as its hashed URL, the rest as stored. */
export function brandingView(projectId: string, branding: Branding, logoUrl: (path: string) => string) {
  const { logo, ...rest } = branding;
  return {
    ...rest,
    logo: logo
      ? {
        url: logoUrl(logoPath(projectId, logo)),
        type: logo.type,
        width: logo.width,
        height: logo.height,
      }
      : null,
  };
}

/** Validates an uploaded logo by decoding it; every refusal is a 4xx with the reason. */
export async function acceptLogo(bytes: Uint8Array, declared: string | null | undefined): Promise<ValidLogo> {
  try {
    return await validateLogo(bytes, declared);
  } catch (error) {
    if (!(error instanceof LogoProblem)) throw error;
    throw new AppError("validation_failed", {
      description: error.message,
      fields: { logo: [error.message] },
    });
  }
}
