import type { ComponentChildren } from "preact";
import type { Brand } from "@/lib/branding/brand.ts";
import { BrandBar, BrandFooter } from "@/components/BrandBar.tsx";

type LayoutProps = {
  title?: string;
  lang?: string;
  clientScript: string;
  /** A project's hosted page: its name, logo, stylesheet and links (lib/branding/use_brand.ts). */
  brand?: Brand;
  children: ComponentChildren;
};

/** The document shell every page shares. Scripts and styles come from our origin only (see the CSP). */
export function Layout({ title, lang = "en", clientScript, brand, children }: LayoutProps) {
  const site = brand?.name ?? "Astapa";
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title ? `${title} · ${site}` : site}</title>
        <link rel="stylesheet" href="/static/styles.css" />
        {brand?.stylesheetUrl && <link rel="stylesheet" href={brand.stylesheetUrl} />}
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <script type="module" src={clientScript} />
      </head>
      <body>
        {brand && <BrandBar brand={brand} />}
        <main class="page">{children}</main>
        {brand && <BrandFooter brand={brand} lang={lang} />}
      </body>
    </html>
  );
}
