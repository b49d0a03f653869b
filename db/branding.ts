/** Typed wrappers around the branding functions (db/api/branding.sql); settings.branding changes go through
 * api.update_project_settings (db/project_settings.ts). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { result } from "./result.ts";
import { type Branding, brandingOf } from "@/lib/branding/brand.ts";
import type { ValidLogo } from "@/lib/branding/logo_image.ts";

const BrandingResult = z.record(z.string(), z.unknown()).transform((b) => brandingOf({ branding: b }));

/** Stores an already decoded logo and names it in settings.branding.logo; returns the branding. */
export function setProjectLogo(tx: Tx, projectId: string, logo: ValidLogo): Promise<Branding> {
  return result(
    tx`select api.set_project_logo(${projectId}, ${logo.type}, ${logo.bytes}, ${logo.width}, ${logo.height})
      as result`,
    BrandingResult,
  );
}

/** Removes the project's logo (nothing happens when it has none); returns the branding. */
export function removeProjectLogo(tx: Tx, projectId: string): Promise<Branding> {
  return result(tx`select api.remove_project_logo(${projectId}) as result`, BrandingResult);
}

/** The logo's type and bytes when `sha256` is the project's current logo, else null. */
export async function projectLogo(
  tx: Tx,
  projectId: string,
  sha256: Uint8Array,
): Promise<{ content_type: string; image: Uint8Array } | null> {
  const [row] = await tx<{ content_type: string; image: Uint8Array }[]>`
    select content_type, image from api.project_logo(${projectId}, ${sha256})`;
  return row ?? null;
}

/** The project's name and settings.branding, or null for a project this transaction cannot see. */
export function projectBranding(
  tx: Tx,
  projectId: string,
): Promise<{ name: string; branding: Branding } | null> {
  return result(
    tx`select api.project_branding(${projectId}) as result`,
    z.object({ name: z.string(), branding: BrandingResult }).nullable(),
  );
}
