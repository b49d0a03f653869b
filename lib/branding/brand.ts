/**
 * A project's brand as the hosted pages and mail use it, read from settings.branding (validated by SQL when
 * saved, read leniently here so a bad value can never break a page): the name to show, the logo's and the
 * stylesheet's hashed URLs, the links and the support address. See docs/branding.md.
 */
import { z } from "zod";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { brandStylesheet } from "./stylesheet.ts";

export const LOGO_TYPES = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp" } as const;
export type LogoType = keyof typeof LOGO_TYPES;

const HttpUrl = z.string().regex(/^https?:\/\/[^\s<>"]+$/i);

/** settings.branding; every field optional, each dropped on its own when it does not parse. */
export const BrandingSchema = z.object({
  display_name: z.string().min(1).max(80).optional().catch(undefined),
  primary_color: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional().catch(undefined),
  theme: z.enum(["light", "dark", "auto"]).optional().catch(undefined),
  terms_url: HttpUrl.optional().catch(undefined),
  privacy_url: HttpUrl.optional().catch(undefined),
  support_email: z.string().email().optional().catch(undefined),
  logo: z.object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    type: z.enum(["image/png", "image/jpeg", "image/webp"]),
    width: z.number().int(),
    height: z.number().int(),
  }).optional().catch(undefined),
});
export type Branding = z.infer<typeof BrandingSchema>;

/** What a page or a mail shows of a project's brand. URLs are paths (mail makes them absolute). */
export type Brand = {
  projectId: string;
  name: string;
  logo?: { url: string; width: number; height: number };
  stylesheetUrl?: string;
  color?: string;
  theme: "light" | "dark" | "auto";
  termsUrl?: string;
  privacyUrl?: string;
  supportEmail?: string;
};

/** settings.branding of a settings object, parsed leniently. */
export function brandingOf(settings: Record<string, unknown> | null | undefined): Branding {
  const parsed = BrandingSchema.safeParse(settings?.branding ?? {});
  return parsed.success ? parsed.data : {};
}

/** The path of a project's logo: the hash names the bytes, so the URL never changes meaning. */
export function logoPath(projectId: string, logo: NonNullable<Branding["logo"]>): string {
  return `/branding/${projectId}/logo-${logo.sha256}.${LOGO_TYPES[logo.type]}`;
}

/** The hash in a stylesheet's URL: the first 16 hex digits of the CSS's SHA-256. */
export function stylesheetHash(css: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(css))).slice(0, 16);
}

/** The brand of a project from its id, name and settings. */
export function brandOf(
  project: { id: string; name: string; settings?: Record<string, unknown> | null },
): Brand {
  const b = brandingOf(project.settings);
  const css = brandStylesheet(b);
  return {
    projectId: project.id,
    name: b.display_name ?? project.name,
    ...(b.logo
      ? { logo: { url: logoPath(project.id, b.logo), width: b.logo.width, height: b.logo.height } }
      : {}),
    ...(css ? { stylesheetUrl: `/branding/${project.id}/style-${stylesheetHash(css)}.css` } : {}),
    ...(b.primary_color ? { color: b.primary_color.toLowerCase() } : {}),
    theme: b.theme ?? "auto",
    ...(b.terms_url ? { termsUrl: b.terms_url } : {}),
    ...(b.privacy_url ? { privacyUrl: b.privacy_url } : {}),
    ...(b.support_email ? { supportEmail: b.support_email } : {}),
  };
}
