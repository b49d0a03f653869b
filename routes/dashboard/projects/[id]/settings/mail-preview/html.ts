/**
 * GET /dashboard/projects/:id/settings/mail-preview/html?kind=&lang=: the HTML part of the previewed mail as a
 * document of its own, framed by the preview page only. Its policy lets the mail's inline styles and the
 * project's logo show and nothing run: no script, no form, no other origin, sandboxed (the texts in it are
 * escaped anyway — lib/mail/own_texts.ts). Framing is allowed by both headers that speak of it: browsers
 * that read `frame-ancestors` ignore X-Frame-Options, older ones read only the latter (SAMEORIGIN, not DENY).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { getProject } from "@/db/projects.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { previewChoice, projectPreview } from "@/lib/dashboard/mail_preview.ts";

const POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
  "sandbox",
].join("; ");

export const handler: Handlers = {
  GET: async (c) => {
    const choice = previewChoice(c);
    const mail = await withProject(c, "viewer", async (tx) => {
      const project = await getProject(tx, c.req.param("id")!);
      return projectPreview(c, project, choice);
    });
    return new Response(mail.html ?? "", {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": POLICY,
        "x-frame-options": "SAMEORIGIN",
        "cache-control": "no-store",
      },
    });
  },
};
