/**
 * What the dashboard's mail preview reads: the kind and language asked for (one of the registry's, else the
 * first), and the project's mail of that kind composed with sample values and its brand (lib/mail/previews.ts).
 */
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import type { Project } from "@/db/projects.ts";
import { MAIL_TEXT_KINDS, MAIL_TEXT_LANGS, type MailTextKind } from "@/lib/mail/own_texts.ts";
import { type PreviewMail, previewMail } from "@/lib/mail/previews.ts";

const KIND_NAMES = Object.keys(MAIL_TEXT_KINDS) as [MailTextKind, ...MailTextKind[]];

/** `?kind=&lang=` (or the same fields of a form); anything else falls back to the first kind, in English. */
export const PreviewChoice = z.object({
  kind: z.enum(KIND_NAMES).catch(KIND_NAMES[0]),
  lang: z.enum(MAIL_TEXT_LANGS).catch("en"),
});
export type PreviewChoice = z.infer<typeof PreviewChoice>;

export const previewChoice = (c: Ctx): PreviewChoice =>
  PreviewChoice.parse({ kind: c.req.query("kind"), lang: c.req.query("lang") });

/** The project's mail of this kind and language, as it would go now (sample values, its brand). */
export const projectPreview = (c: Ctx, project: Project, choice: PreviewChoice): PreviewMail =>
  previewMail(choice.kind, choice.lang, project, c.var.deps.config.baseUrl);

/** The preview's address on the dashboard. */
export const previewPath = (projectId: string, choice: PreviewChoice, part = "") =>
  `/dashboard/projects/${projectId}/settings/mail-preview${part}?${new URLSearchParams(choice)}`;
