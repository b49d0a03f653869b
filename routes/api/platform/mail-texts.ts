/**
 * The project's own wording of its mail (settings.mail_texts, docs/project-settings.md "Mail"): per kind and
 * language a subject, an intro and a closing line with the kind's placeholders. GET answers them with the kinds
 * and their placeholders; PATCH replaces the whole set (null or {}: Astapa's wording everywhere), through the
 * setter the dashboard uses (api.update_project_settings: astapa.mail_texts_problem validates, audited).
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { getProject } from "@/db/projects.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { MAIL_TEXT_KINDS, MAIL_TEXT_LANGS } from "@/lib/mail/own_texts.ts";

const Texts = z.record(z.string(), z.record(z.string(), z.record(z.string(), z.string())));

const MailTexts = z.object({
  mail_texts: Texts.describe(
    "{kind: {en|id: {subject?, intro?, closing?}}}; absent parts keep Astapa's words.",
  ),
  kinds: z.record(z.string(), z.object({ about: z.string(), placeholders: z.array(z.string()) })),
  languages: z.array(z.string()),
});

// Shape only: which kinds, parts, placeholders and lengths are allowed is SQL's to say (one message per problem).
const Changes = z.strictObject({ mail_texts: Texts.nullable() });

/** How the project's mail reads is the project's own business: its own client only. */
export const callers = clients("project");

const answer = (settings: Record<string, unknown>) => ({
  mail_texts: (settings.mail_texts ?? {}) as z.infer<typeof Texts>,
  kinds: MAIL_TEXT_KINDS,
  languages: MAIL_TEXT_LANGS,
});

/** GET the texts; PATCH replaces them. */
export const handler: Handlers = {
  async GET(c) {
    const project = await asClient(c, (tx, projectId) => getProject(tx, projectId));
    return c.json(answer(project.settings), 200, NO_STORE);
  },
  async PATCH(c) {
    const { mail_texts } = validate(Changes, await bodyWithoutCredentials(c));
    const empty = mail_texts === null || Object.keys(mail_texts).length === 0;
    const project = await asClient(
      c,
      (tx, projectId) => updateProjectSettings(tx, projectId, { mail_texts: empty ? null : mail_texts }),
    );
    return c.json(answer(project.settings), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Projects",
    summary:
      "The project's own subject, intro and closing line of each mail, with the kinds and placeholders",
    description: "settings.mail_texts (docs/project-settings.md, Mail).",
    auth: "client",
    responses: { 200: { description: "The texts", schema: MailTexts }, ...COMMON_ERRORS },
  },
  patch: {
    tag: "Projects",
    summary: "Replace the project's own mail texts (null or {}: Astapa's wording everywhere)",
    description:
      "One line each (no line breaks: a subject is a header), subject ≤ 150, intro and closing ≤ 300 characters, " +
      "only the kind's placeholders ({app}, {code}, …); the link, the code and the security note stay Astapa's " +
      "and cannot be removed. Refused as a whole with the reason (400 validation_failed). Audited as " +
      "project.settings.",
    auth: "client",
    body: { schema: Changes, media: ["json"] },
    responses: { 200: { description: "The texts", schema: MailTexts }, ...COMMON_ERRORS },
  },
};
