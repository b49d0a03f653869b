/**
 * POST /dashboard/projects/:id/settings/logo: upload the project's logo (multipart, the file validated by
 * decoding: lib/branding/logo_image.ts) or remove it. A refused file re-renders the Branding page with why.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { z } from "zod";
import { AppError } from "@/lib/http/errors.ts";
import { removeProjectLogo, setProjectLogo } from "@/db/branding.ts";
import { acceptLogo } from "@/lib/branding/api_body.ts";
import { brandingAction, type BrandingPageData } from "@/lib/dashboard/branding_page.ts";
import { BrandingView } from "@/components/dashboard/BrandingView.tsx";

const RemoveForm = z.object({ csrf: z.string(), action: z.literal("remove") });

export const handler: Handlers<BrandingPageData> = {
  POST: async (c) => {
    // The upload is multipart (the middleware checked its CSRF token); the removal is a plain form.
    const multipart = /^multipart\//i.test(c.req.header("content-type") ?? "");
    const form = multipart ? await c.req.formData() : null;
    const file = form?.get("logo");
    return brandingAction(c, form ? undefined : RemoveForm, async (tx, projectId) => {
      if (!form) {
        await removeProjectLogo(tx, projectId);
        return "logo_removed";
      }
      if (!(file instanceof File)) {
        throw new AppError("validation_failed", { description: "Choose an image file to upload." });
      }
      const logo = await acceptLogo(new Uint8Array(await file.arrayBuffer()), file.type || null);
      await setProjectLogo(tx, projectId, logo);
      return "logo_saved";
    });
  },
};

export default function LogoPage({ data }: PageProps<BrandingPageData>) {
  return <BrandingView data={data} />;
}
