import type { ComponentChildren } from "preact";

type LayoutProps = { title?: string; lang?: string; clientScript: string; children: ComponentChildren };

/** The document shell every page shares. Scripts and styles come from our origin only (see the CSP). */
export function Layout({ title, lang = "en", clientScript, children }: LayoutProps) {
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title ? `${title} · Astapa` : "Astapa"}</title>
        <link rel="stylesheet" href="/static/styles.css" />
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <script type="module" src={clientScript} />
      </head>
      <body>
        <main class="page">{children}</main>
      </body>
    </html>
  );
}
