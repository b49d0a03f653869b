/**
 * The project's ways to sign in over the Platform API (issue 20, "dashboard settings + settings API"):
 * passwords, passkeys (and the upgrade after a password sign-in), email codes, whether codes create accounts, and
 * the breached-password lookups — the
 * switches the dashboard's Settings → Ways to sign in sets, through the same setter (api.update_project_settings: audited, and
 * passwords off refused unless email codes or passkeys stay on).
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

const SignInMethods = z.object({
  passwords: z.boolean().describe("Password sign-in, sign-up and reset (default true)."),
  passkeys: z.boolean().describe(
    "Passkey sign-in, offered after sign-up, and /auth/passkeys (default false).",
  ),
  passkey_upgrade: z.boolean().describe(
    "After a password sign-in the browser's password manager may make a passkey without a dialog (WebAuthn " +
      "conditional create; only while passkeys are on; default false).",
  ),
  email_codes: z.boolean().describe('"Email me a code": a 6-digit code and a sign-in link (default false).'),
  email_code_sign_up: z.boolean().describe("An emailed code may create the account (default false)."),
  breached_passwords: z.boolean().describe(
    "A password people choose is refused when Pwned Passwords knows it from a breach (default true).",
  ),
  breached_password_sign_in: z.boolean().describe(
    "A right password that Pwned Passwords knows from a breach lets nobody in; its owner is mailed a reset link " +
      "(default true).",
  ),
});

const Changes = z.strictObject({
  passwords: z.boolean().optional(),
  passkeys: z.boolean().optional(),
  passkey_upgrade: z.boolean().optional(),
  email_codes: z.boolean().optional(),
  email_code_sign_up: z.boolean().optional(),
  breached_passwords: z.boolean().optional(),
  breached_password_sign_in: z.boolean().optional(),
}).refine((body) => Object.keys(body).length > 0, { message: "Send at least one of the switches." });

/** Settings change who can get in: the project's own client only. */
export const callers = clients("project");

const shown = (settings: Record<string, unknown>): z.infer<typeof SignInMethods> => ({
  passwords: settings.passwords !== false,
  passkeys: settings.passkeys === true,
  passkey_upgrade: settings.passkey_upgrade === true,
  email_codes: settings.email_codes === true,
  email_code_sign_up: settings.email_code_sign_up === true,
  breached_passwords: settings.breached_passwords !== false,
  breached_password_sign_in: settings.breached_password_sign_in !== false,
});

/** Switches that are on unless set to false. */
const ON_BY_DEFAULT = new Set(["passwords", "breached_passwords", "breached_password_sign_in"]);

/** A switch back at its default is removed, as the dashboard does, so untouched settings stay empty. */
const stored = (key: keyof z.infer<typeof Changes>, on: boolean) =>
  ON_BY_DEFAULT.has(key) ? (on ? null : false) : (on ? true : null);

/** GET the switches; PATCH some of them. */
export const handler: Handlers = {
  async GET(c) {
    const project = await asClient(c, (tx, projectId) => getProject(tx, projectId));
    return c.json(shown(project.settings), 200, NO_STORE);
  },
  async PATCH(c) {
    const changes = validate(Changes, await bodyWithoutCredentials(c));
    const entries = Object.entries(changes) as [keyof typeof changes, boolean][];
    const project = await asClient(
      c,
      (tx, projectId) =>
        updateProjectSettings(
          tx,
          projectId,
          Object.fromEntries(entries.map(([k, on]) => [k, stored(k, on)])),
        ),
    );
    return c.json(shown(project.settings), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Tokens",
    summary: "The project's ways to sign in: passwords, passkeys, email codes, breached-password lookups",
    description: "The switches of the dashboard's Settings → Ways to sign in (docs/passkeys.md).",
    auth: "client",
    responses: { 200: { description: "The switches", schema: SignInMethods }, ...COMMON_ERRORS },
  },
  patch: {
    tag: "Tokens",
    summary: "Turn passwords, passkeys, email codes, sign-up by code or breached-password lookups on or off",
    description:
      "The dashboard's setter (audited as project.settings). Passwords may be off only while email " +
      "codes or passkeys stay on: otherwise 400 with the reason, and nothing changes.",
    auth: "client",
    body: { schema: Changes, media: ["json"] },
    responses: { 200: { description: "The switches", schema: SignInMethods }, ...COMMON_ERRORS },
  },
};
