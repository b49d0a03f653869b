/**
 * The machine-clients page (…/machine-clients): its data, the `?done=` messages, and the shape of its forms
 * (every action re-renders or redirects back to this one page).
 */
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { listMachineClients } from "@/db/machine_clients.ts";
import { listResources, listScopes } from "@/db/resources.ts";
import { getProject } from "@/db/projects.ts";
import { projectThirdPartyClients } from "@/db/consents.ts";
import type { MachineClientsData } from "./page_data.ts";
import type { PageResult } from "../router/page.tsx";
import { frameOf } from "./frame.ts";
import { AfterCommit, formAction, type FormBody } from "./form_action.ts";
import { dashboardLang, doneNotice } from "./i18n.ts";
import { MACHINE_CLIENTS_TEXT } from "./text/machine_clients.ts";

const DONE_NOTICES = {
  client_enabled: "clientEnabled",
  client_disabled: "clientDisabled",
  scope_declared: "scopeDeclared",
  scope_removed: "scopeRemoved",
  resource_added: "resourceAdded",
  resource_removed: "resourceRemoved",
  self_registration_saved: "selfRegistrationSaved",
} as const;

export async function machineClientsView(
  c: Ctx,
  tx: Tx,
  projectId: string,
  role: MemberRole,
  extra: Partial<Pick<MachineClientsData, "error" | "notice" | "issued" | "confirmRotation">> = {},
): Promise<MachineClientsData> {
  return {
    frame: frameOf(c),
    project: await getProject(tx, projectId),
    role,
    clients: await listMachineClients(tx),
    scopes: await listScopes(tx),
    resources: await listResources(tx),
    thirdPartyClients: await projectThirdPartyClients(tx),
    notice: doneNotice(MACHINE_CLIENTS_TEXT[dashboardLang(c)], DONE_NOTICES, c.req.query("done")),
    ...extra,
  };
}

/** Runs one form of the page, given its `body` parsed, for a member with at least `needed` (admin for every change). */
export function machineClientsAction<B>(
  c: Ctx,
  body: FormBody<B>,
  run: (
    tx: Tx,
    projectId: string,
    form: B,
  ) => Promise<string | Partial<MachineClientsData> | AfterCommit<string>>,
): Promise<Response | PageResult<MachineClientsData>> {
  return formAction<MachineClientsData, B>(c, {
    needed: "admin",
    back: `/dashboard/projects/${c.req.param("id")}/machine-clients`,
    body,
    load: (tx, role, projectId, extra) => machineClientsView(c, tx, projectId, role, extra),
    run: async (tx, projectId, role, form) => {
      const answer = await run(tx, projectId, form);
      if (typeof answer === "string" || answer instanceof AfterCommit) return answer;
      return await machineClientsView(c, tx, projectId, role, answer);
    },
    title: (data) => `${MACHINE_CLIENTS_TEXT[dashboardLang(c)].title} · ${data.project.name}`,
  });
}
