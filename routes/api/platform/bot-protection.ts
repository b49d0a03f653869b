/**
 * GET / PUT / DELETE /api/platform/bot-protection: the project's bot protection on its hosted login
 * (settings.bot_protection, docs/hosted-login.md#bot-protection) — Cloudflare Turnstile or hCaptcha, its site
 * key, its secret key (write-only: sealed under the master key, never answered) and the forms that ask for it.
 * Changes go through api.update_project_settings (validated, audited without the secret).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { getProject } from "@/db/projects.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import {
  BotProtectionChange,
  botProtectionSetting,
  BotProtectionView,
  botProtectionView,
} from "@/lib/login/bot_protection_settings.ts";

/** Who must solve a challenge to get in, and the project's secret key: the project's own client only. */
export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const project = await asClient(c, (tx, projectId) => getProject(tx, projectId));
    return c.json(botProtectionView(project.settings), 200, NO_STORE);
  },
  async PUT(c) {
    const change = validate(BotProtectionChange, await bodyWithoutCredentials(c));
    const project = await asClient(c, async (tx, projectId) =>
      updateProjectSettings(tx, projectId, {
        bot_protection: await botProtectionSetting(c.var.deps.masterKeys.social, projectId, change),
      }));
    return c.json(botProtectionView(project.settings), 200, NO_STORE);
  },
  async DELETE(c) {
    await asClient(c, (tx, projectId) => updateProjectSettings(tx, projectId, { bot_protection: null }));
    return c.body(null, 204);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Tokens",
    summary: "Bot protection on the hosted login: provider, site key, protected forms (never the secret)",
    auth: "client",
    responses: { 200: { description: "The bot protection", schema: BotProtectionView }, ...COMMON_ERRORS },
  },
  put: {
    tag: "Tokens",
    summary: "Turn bot protection on or change it (Turnstile or hCaptcha; the secret key is write-only)",
    description:
      "Replaces provider, site_key and on. secret_key is sealed under the master key; omitted, the stored one " +
      "is kept (a new provider needs its own: 400). Audited as project.settings without the secret.",
    auth: "client",
    body: { schema: BotProtectionChange, media: ["json"] },
    responses: { 200: { description: "The bot protection", schema: BotProtectionView }, ...COMMON_ERRORS },
  },
  delete: {
    tag: "Tokens",
    summary: "Turn bot protection off (the stored secret key is removed)",
    auth: "client",
    responses: { 204: { description: "Off" }, ...COMMON_ERRORS },
  },
};
