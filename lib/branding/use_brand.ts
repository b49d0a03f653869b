/**
 * The one place a hosted page takes on a project's brand: whatever resolves the project for a hosted page
 * (the authorization request, a client id, a checkout) calls `useBrand`, and the layout every page renders in
 * (components/Layout.tsx, through lib/router/page.tsx and the error pages) shows it.
 */
import type { Ctx } from "../app_env.ts";
import { asApp } from "@/db/client.ts";
import { projectBranding } from "@/db/branding.ts";
import { brandOf } from "./brand.ts";

/** Makes this request's pages (and error pages) carry the project's brand. */
export function useBrand(
  c: Ctx,
  project: { id: string; name: string; settings?: Record<string, unknown> | null },
): void {
  c.set("brand", brandOf(project));
}

/** The same for a page that knows only the project's id (a checkout, a receipt): one read of its brand. */
export async function useProjectBrand(c: Ctx, projectId: string): Promise<void> {
  const found = await asApp(c.var.deps.sql, projectId, (tx) => projectBranding(tx, projectId));
  if (found) useBrand(c, { id: projectId, name: found.name, settings: { branding: found.branding } });
}
