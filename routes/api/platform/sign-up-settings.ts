/**
 * Who may create an account through the hosted login (settings.sign_up, docs/project-settings.md): the mode
 * (open, invitation, waitlist, closed), the allowed and blocked email domains, the switches refusing throwaway
 * domains and subaddresses and the throwaway switch's exceptions, as the dashboard's Settings → Sign-ups sets
 * them, through the same setter (api.update_project_settings: validated, merged key by key, audited).
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
import { signUpChange, signUpSettingsOf } from "@/lib/login/sign_up_mode.ts";

// Each domain's form (ASCII, *. for subdomains, no repeats) is checked in SQL, which says which one is wrong.
const Domains = z.array(z.string().max(300)).max(100);

const SignUpSettings = z.object({
  mode: z.enum(["open", "invitation", "waitlist", "closed"]).describe(
    "open: anyone; invitation: only the address an organization invitation in the sign-in names; waitlist: " +
      "only an address the project approved on its waitlist; closed: no new accounts through the hosted login " +
      "(default open).",
  ),
  allowed_domains: Domains.describe(
    "When not empty, only addresses at these domains sign up: example.co.id exactly, *.example.co.id its " +
      "subdomains; ASCII (xn--) form; at most 100.",
  ),
  blocked_domains: Domains.describe("Addresses at these domains never sign up (same form); at most 100."),
  block_disposable_domains: z.boolean().describe(
    "Refuse addresses at throwaway mail services or their subdomains (the mailchecker list, kept in Postgres; " +
      "default false).",
  ),
  disposable_allowed_domains: Domains.describe(
    "Domains block_disposable_domains lets through all the same, such as the alias services duck.com or " +
      "*.mozmail.com (same form); never past blocked_domains or allowed_domains; at most 100.",
  ),
  block_subaddresses: z.boolean().describe(
    "Refuse addresses with +, = or # in the local part, as Clerk's Block email subaddresses (default false).",
  ),
  require_legal_consent: z.boolean().describe(
    "The hosted sign-up asks the person to agree to the terms and privacy policy (branding.terms_url or " +
      "privacy_url must be set) and records legal_accepted_at; no account is made without it (default false).",
  ),
});

const Changes = z.strictObject({
  mode: SignUpSettings.shape.mode.optional(),
  allowed_domains: Domains.optional(),
  blocked_domains: Domains.optional(),
  block_disposable_domains: SignUpSettings.shape.block_disposable_domains.optional(),
  disposable_allowed_domains: Domains.optional(),
  block_subaddresses: SignUpSettings.shape.block_subaddresses.optional(),
  require_legal_consent: SignUpSettings.shape.require_legal_consent.optional(),
}).refine((body) => Object.keys(body).length > 0, {
  message: "Send at least one of mode, allowed_domains, blocked_domains, block_disposable_domains, " +
    "disposable_allowed_domains, block_subaddresses and require_legal_consent.",
});

/** Settings change who can get in: the project's own client only. */
export const callers = clients("project");

/** GET the sign-up settings; PATCH some of them (a list given replaces that list). */
export const handler: Handlers = {
  async GET(c) {
    const project = await asClient(c, (tx, projectId) => getProject(tx, projectId));
    return c.json(signUpSettingsOf(project.settings), 200, NO_STORE);
  },
  async PATCH(c) {
    const changes = validate(Changes, await bodyWithoutCredentials(c));
    const project = await asClient(
      c,
      (tx, projectId) => updateProjectSettings(tx, projectId, { sign_up: signUpChange(changes) }),
    );
    return c.json(signUpSettingsOf(project.settings), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Tokens",
    summary:
      "Who may sign up: open, by invitation, waitlist or closed; allowed, blocked and disposable domains",
    description: "settings.sign_up with its defaults (docs/project-settings.md).",
    auth: "client",
    responses: { 200: { description: "The sign-up settings", schema: SignUpSettings }, ...COMMON_ERRORS },
  },
  patch: {
    tag: "Tokens",
    summary: "Change who may sign up",
    description:
      "The dashboard's setter (audited as project.settings). A list given replaces that list; a malformed " +
      "domain, a repeat or more than 100 is 400 with the reason, and nothing changes. Existing users and " +
      "the project's own calls (import, dashboard) are never restricted.",
    auth: "client",
    body: { schema: Changes, media: ["json"] },
    responses: { 200: { description: "The sign-up settings", schema: SignUpSettings }, ...COMMON_ERRORS },
  },
};
