import type { Brand } from "@/lib/branding/brand.ts";

/** A project's name and logo above its hosted pages. The name is text, so the logo's alt stays empty. */
export function BrandBar({ brand }: { brand: Brand }) {
  return (
    <header class="brand-bar">
      {brand.logo && (
        <img
          class="brand-logo"
          src={brand.logo.url}
          alt=""
          width={brand.logo.width}
          height={brand.logo.height}
        />
      )}
      <span class="brand-name">{brand.name}</span>
    </header>
  );
}

const FOOTER_TEXT = {
  en: { terms: "Terms", privacy: "Privacy", support: "Help", nav: "About this app" },
  id: { terms: "Ketentuan", privacy: "Privasi", support: "Bantuan", nav: "Tentang aplikasi ini" },
};

/** The project's terms, privacy policy and support address, where it set them. */
export function BrandFooter({ brand, lang }: { brand: Brand; lang: string }) {
  if (!brand.termsUrl && !brand.privacyUrl && !brand.supportEmail) return null;
  const t = FOOTER_TEXT[lang === "id" ? "id" : "en"];
  return (
    <footer class="brand-footer">
      <nav aria-label={t.nav}>
        {brand.termsUrl && <a href={brand.termsUrl} rel="noopener noreferrer">{t.terms}</a>}
        {brand.privacyUrl && <a href={brand.privacyUrl} rel="noopener noreferrer">{t.privacy}</a>}
        {brand.supportEmail && <a href={`mailto:${brand.supportEmail}`}>{t.support}: {brand.supportEmail}</a>}
      </nav>
    </footer>
  );
}
