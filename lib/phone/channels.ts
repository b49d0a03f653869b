/**
 * Which channels a project's codes can go by (issue 27): a sandbox project "sends" by every channel (the code
 * goes to the message log); otherwise those of its own provider accounts (project_credentials.ts) and of the
 * deployment's. So a "Send by SMS" button shows when the project's own Zenziva or Twilio account can send it,
 * even on a deployment with no SMS provider of its own.
 */
import type { Deps } from "@/lib/app_env.ts";
import type { Channel } from "./providers/types.ts";
import { availableChannels } from "./providers/index.ts";
import { projectSenders } from "./providers/project_credentials.ts";

type Project = { id: string; mode: string };

/** The channels this project can send codes by, in the order WhatsApp, SMS. */
export async function projectChannels(
  deps: Pick<Deps, "config" | "masterKeys" | "sql">,
  project: Project,
): Promise<Channel[]> {
  if (project.mode === "sandbox") return ["whatsapp", "sms"];
  const deployment = availableChannels(deps.config.phone);
  if (deployment.length === 2) return deployment; // nothing the project's own accounts could add
  const own = (await projectSenders(deps, project.id)).flatMap((s) => s.channels);
  const all = new Set([...deployment, ...own]);
  return (["whatsapp", "sms"] as const).filter((channel) => all.has(channel));
}

/** Whether the project can send a code by SMS (the pages' "Send by SMS" buttons). */
export async function smsAvailable(
  deps: Pick<Deps, "config" | "masterKeys" | "sql">,
  project: Project,
): Promise<boolean> {
  return (await projectChannels(deps, project)).includes("sms");
}
