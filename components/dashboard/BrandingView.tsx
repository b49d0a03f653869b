/**
 * The dashboard's Branding page: the brand fields with a live preview (islands/BrandPreview.tsx), and the logo
 * upload (multipart, no JavaScript needed). Viewers read; admins change.
 */
import { CsrfField, Frame, Notice } from "./Frame.tsx";
import { Island } from "@/lib/islands/Island.tsx";
import BrandPreview from "@/islands/BrandPreview.tsx";
import type { BrandingPageData } from "@/lib/dashboard/branding_page.ts";
import { fill } from "@/lib/dashboard/i18n.ts";
import { BRANDING_TEXT } from "@/lib/dashboard/text/branding.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";
import { SETTINGS_TEXT } from "@/lib/dashboard/text/settings.ts";

export function BrandingView({ data }: { data: BrandingPageData }) {
  const { project, branding } = data;
  const base = `/dashboard/projects/${project.project_id}`;
  const canEdit = data.role !== "viewer";
  const lang = data.frame.lang;
  const text = BRANDING_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[
        { href: "/dashboard", label: PROJECTS_TEXT[lang].title },
        { href: base, label: project.name },
        { href: `${base}/settings`, label: SETTINGS_TEXT[lang].title },
      ]}
      project={{ id: project.project_id, section: "settings" }}
    >
      <div class="dash-title">
        <h1>{text.title}</h1>
      </div>
      <Notice notice={data.notice} error={data.error} />
      <p class="muted">{text.explained}</p>
      <section class="card" aria-labelledby="brand-heading">
        <h2 id="brand-heading">{text.nameColourLinks}</h2>
        <form method="post" action={`${base}/settings/branding`} class="form">
          <CsrfField token={data.frame.csrf} />
          <Island
            of={BrandPreview}
            props={{
              projectName: project.name,
              logoUrl: data.logoUrl,
              disabled: !canEdit,
              lang,
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
          {canEdit && <button type="submit" class="button">{text.saveBranding}</button>}
        </form>
      </section>
      <section class="card" aria-labelledby="logo-heading">
        <h2 id="logo-heading">{text.logo}</h2>
        {data.logoUrl
          ? (
            <p>
              <img
                class="brand-logo"
                src={data.logoUrl}
                alt={fill(text.currentLogo, { name: project.name })}
              />
            </p>
          )
          : <p class="muted">{text.noLogo}</p>}
        {canEdit && (
          <form method="post" action={`${base}/settings/logo`} enctype="multipart/form-data" class="form">
            <CsrfField token={data.frame.csrf} />
            <label for="logo">{text.logoField}</label>
            <input id="logo" name="logo" type="file" accept="image/png,image/jpeg,image/webp" required />
            <button type="submit" class="button" name="action" value="upload">{text.uploadLogo}</button>
          </form>
        )}
        {canEdit && data.logoUrl && (
          <form method="post" action={`${base}/settings/logo`} class="form">
            <CsrfField token={data.frame.csrf} />
            <button type="submit" class="button secondary" name="action" value="remove">
              {text.removeLogo}
            </button>
          </form>
        )}
      </section>
    </Frame>
  );
}
