/**
 * The dashboard's Branding page: the brand fields with a live preview (islands/BrandPreview.tsx), and the logo
 * upload (multipart, no JavaScript needed). Viewers read; admins change.
 */
import { CsrfField, Frame, Notice } from "./Frame.tsx";
import { Island } from "@/lib/islands/Island.tsx";
import BrandPreview from "@/islands/BrandPreview.tsx";
import type { BrandingPageData } from "@/lib/dashboard/branding_page.ts";

export function BrandingView({ data }: { data: BrandingPageData }) {
  const { project, branding } = data;
  const base = `/dashboard/projects/${project.project_id}`;
  const canEdit = data.role !== "viewer";
  return (
    <Frame
      frame={data.frame}
      crumbs={[
        { href: "/dashboard", label: "Projects" },
        { href: base, label: project.name },
        { href: `${base}/settings`, label: "Settings" },
      ]}
      project={{ id: project.project_id, section: "settings" }}
    >
      <div class="dash-title">
        <h1>Branding</h1>
      </div>
      <Notice notice={data.notice} error={data.error} />
      <p class="muted">
        Your app's name, logo and colour on every hosted page (sign-in, sign-up, verification, reset, consent,
        second factor, billing, checkout) and in every mail.
      </p>
      <section class="card" aria-labelledby="brand-heading">
        <h2 id="brand-heading">Name, colour and links</h2>
        <form method="post" action={`${base}/settings/branding`} class="form">
          <CsrfField token={data.frame.csrf} />
          <Island
            of={BrandPreview}
            props={{
              projectName: project.name,
              logoUrl: data.logoUrl,
              disabled: !canEdit,
              values: {
                display_name: branding.display_name ?? "",
                primary_color: branding.primary_color ?? "",
                theme: branding.theme ?? "auto",
                terms_url: branding.terms_url ?? "",
                privacy_url: branding.privacy_url ?? "",
                support_email: branding.support_email ?? "",
              },
            }}
          />
          {canEdit && <button type="submit" class="button">Save branding</button>}
        </form>
      </section>
      <section class="card" aria-labelledby="logo-heading">
        <h2 id="logo-heading">Logo</h2>
        {data.logoUrl
          ? (
            <p>
              <img class="brand-logo" src={data.logoUrl} alt={`The current logo of ${project.name}`} />
            </p>
          )
          : <p class="muted">No logo yet: hosted pages show the name alone.</p>}
        {canEdit && (
          <form method="post" action={`${base}/settings/logo`} enctype="multipart/form-data" class="form">
            <CsrfField token={data.frame.csrf} />
            <label for="logo">PNG, JPEG or WebP, at most 256 KB and 2048 × 2048 pixels (no SVG)</label>
            <input id="logo" name="logo" type="file" accept="image/png,image/jpeg,image/webp" required />
            <button type="submit" class="button" name="action" value="upload">Upload logo</button>
          </form>
        )}
        {canEdit && data.logoUrl && (
          <form method="post" action={`${base}/settings/logo`} class="form">
            <CsrfField token={data.frame.csrf} />
            <button type="submit" class="button secondary" name="action" value="remove">Remove logo</button>
          </form>
        )}
      </section>
    </Frame>
  );
}
