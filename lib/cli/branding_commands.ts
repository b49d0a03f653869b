/**
 * `astapa project branding …`: show a project's branding, change its fields, upload or remove its logo, or
 * clear it all. Fields go through api.update_project_settings (SQL validates them: contrast, http(s) links,
 * one address); a logo is checked like an upload on the dashboard (magic bytes, header size, a full decode).
 */
import { asApp, type Sql } from "@/db/client.ts";
import { projectBranding, removeProjectLogo, setProjectLogo } from "@/db/branding.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { AppError } from "@/lib/http/errors.ts";
import { type Branding, logoPath } from "../branding/brand.ts";
import { LOGO_MAX_BYTES, LogoProblem } from "../branding/logo_header.ts";
import { validateLogo } from "../branding/logo_image.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";

export const BRANDING_USAGE = `  project branding ID        show the project's branding
  project branding ID set [--display-name N] [--color #rrggbb] [--theme light|dark|auto]
      [--terms-url URL] [--privacy-url URL] [--support-email ADDRESS]
                             change those fields; an empty value ("") removes one
  project branding ID logo FILE
                             upload a PNG, JPEG or WebP logo (at most 256 KB, 2048 x 2048)
  project branding ID remove-logo
                             remove the logo
  project branding ID clear  remove the whole branding, the logo included`;

const CLI = { actor: "cli" };

/** --flag name → settings.branding field. */
const FIELDS: Record<string, keyof Branding> = {
  "display-name": "display_name",
  color: "primary_color",
  theme: "theme",
  "terms-url": "terms_url",
  "privacy-url": "privacy_url",
  "support-email": "support_email",
};

export async function brandingCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const action = args.positionals[3];
  const id = args.positionals[2];
  if (!id) throw new UsageError('Expected ID after "project branding"');
  let branding: Branding;
  switch (action) {
    case undefined: {
      allowFlags(args, []);
      const shown = await asApp(sql, id, (tx) => projectBranding(tx, id), CLI);
      if (!shown) throw new AppError("not_found", { description: `No project ${id}.` });
      branding = shown.branding;
      break;
    }
    case "set": {
      allowFlags(args, Object.keys(FIELDS));
      operands(args, 4, []);
      const changes: Record<string, string | null> = {};
      for (const [name, field] of Object.entries(FIELDS)) {
        const value = flag(args, name);
        if (value !== undefined) changes[field] = value.trim() === "" ? null : value;
      }
      if (!Object.keys(changes).length) {
        throw new UsageError(`Give at least one of ${Object.keys(FIELDS).map((f) => `--${f}`).join(", ")}`);
      }
      branding = await changeSettings(sql, id, changes);
      break;
    }
    case "logo": {
      allowFlags(args, []);
      const [file] = operands(args, 4, ["FILE"]);
      const logo = await readLogo(file);
      if (typeof logo === "string") {
        console.error(logo);
        return 1;
      }
      branding = await asApp(sql, id, (tx) => setProjectLogo(tx, id, logo), CLI);
      break;
    }
    case "remove-logo":
      allowFlags(args, []);
      operands(args, 4, []);
      branding = await asApp(sql, id, (tx) => removeProjectLogo(tx, id), CLI);
      break;
    case "clear":
      allowFlags(args, []);
      operands(args, 4, []);
      branding = await changeSettings(sql, id, null);
      break;
    default:
      throw new UsageError(
        `Expected set, logo, remove-logo or clear after "project branding ID", not "${action}"`,
      );
  }
  showBranding(out, id, branding);
  return 0;
}

async function changeSettings(sql: Sql, id: string, branding: Record<string, string | null> | null) {
  const project = await asApp(sql, id, (tx) => updateProjectSettings(tx, id, { branding }), CLI);
  return (project.settings.branding ?? {}) as Branding;
}

/** The checked logo, or the reason it is refused (too big, not an image, damaged, too many pixels). */
async function readLogo(file: string) {
  let size: number;
  try {
    size = (await Deno.stat(file)).size;
  } catch (error) {
    return `Cannot read ${file}: ${(error as Error).message}`;
  }
  // Checked before reading, so a huge file is never loaded.
  if (size > LOGO_MAX_BYTES) return `The logo is ${Math.ceil(size / 1024)} KB; it may be at most 256 KB.`;
  try {
    return await validateLogo(await Deno.readFile(file));
  } catch (error) {
    if (error instanceof LogoProblem) return error.message;
    throw error;
  }
}

function showBranding(out: Output, id: string, branding: Branding): void {
  const logo = branding.logo ? logoPath(id, branding.logo) : undefined;
  out.result(
    { project_id: id, ...branding, ...(logo ? { logo: { ...branding.logo, url: logo } } : {}) },
    table([
      ["project_id", id],
      ["display_name", branding.display_name ?? "(the project's name)"],
      ["primary_color", branding.primary_color ?? "(default)"],
      ["theme", branding.theme ?? "auto"],
      ["terms_url", branding.terms_url ?? "(none)"],
      ["privacy_url", branding.privacy_url ?? "(none)"],
      ["support_email", branding.support_email ?? "(none)"],
      ["logo", logo ? `${logo} (${branding.logo!.width} x ${branding.logo!.height})` : "(none)"],
    ]),
  );
}
