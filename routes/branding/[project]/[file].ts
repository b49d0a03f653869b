import type { Handlers } from "@/lib/router/routes.ts";
import { asApp } from "@/db/client.ts";
import { projectBranding, projectLogo } from "@/db/branding.ts";
import { LOGO_TYPES, stylesheetHash } from "@/lib/branding/brand.ts";
import { brandStylesheet } from "@/lib/branding/stylesheet.ts";
import { notFound } from "@/lib/http/respond.tsx";

const PROJECT = /^proj_[a-z0-9_]{1,60}$/;
const LOGO = /^logo-([0-9a-f]{64})\.(png|jpg|webp)$/;
const STYLE = /^style-([0-9a-f]{16})\.css$/;
/** The hash in the URL names the content, so a browser or CDN may keep it forever. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * A project's brand assets at hashed URLs: its logo (the bytes whose SHA-256 the name carries, with the type it
 * was validated as) and its stylesheet (the CSS whose hash the name carries). Anything else is 404: an old
 * hash, another project's logo under this project's id, a wrong extension.
 */
export const handler: Handlers = {
  async GET(c) {
    const projectId = c.req.param("project") ?? "";
    const file = c.req.param("file") ?? "";
    if (!PROJECT.test(projectId)) notFound();
    const logo = LOGO.exec(file);
    if (logo) {
      const hash = Uint8Array.from(logo[1].match(/../g)!.map((h) => parseInt(h, 16)));
      const found = await asApp(c.var.deps.sql, projectId, (tx) => projectLogo(tx, projectId, hash));
      if (!found || LOGO_TYPES[found.content_type as keyof typeof LOGO_TYPES] !== logo[2]) notFound();
      return c.body(new Uint8Array(found.image), 200, {
        "content-type": found.content_type,
        "cache-control": IMMUTABLE,
      });
    }
    const style = STYLE.exec(file);
    if (style) {
      const brand = await asApp(c.var.deps.sql, projectId, (tx) => projectBranding(tx, projectId));
      const css = brand && brandStylesheet(brand.branding);
      if (!css || stylesheetHash(css) !== style[1]) notFound();
      return c.body(css, 200, { "content-type": "text/css; charset=utf-8", "cache-control": IMMUTABLE });
    }
    notFound();
  },
};
