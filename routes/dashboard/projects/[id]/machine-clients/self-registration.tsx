import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { getProject, updateProject } from "@/db/projects.ts";
import { machineClientsAction } from "@/lib/dashboard/machine_clients_page.ts";
import { type MachineClientsData, MachineClientsView } from "@/components/dashboard/MachineClientsView.tsx";

/** An unticked checkbox is absent from the form: absent means off. */
const SwitchesForm = z.object({
  csrf: z.string(),
  dynamic_clients: z.literal("on").optional(),
  client_metadata_documents: z.literal("on").optional(),
});

/**
 * POST …/machine-clients/self-registration: whether clients that register themselves (RFC 7591) and clients
 * known by a metadata-document URL may sign people in for this project — the dashboard's side of
 * `PUT /api/platform/dynamic-clients` (docs/mcp.md "The per-project switch").
 */
export const handler: Handlers<MachineClientsData> = {
  POST: (c) =>
    machineClientsAction(c, SwitchesForm, async (tx, projectId, form) => {
      const { settings } = await getProject(tx, projectId);
      await updateProject(tx, projectId, {
        settings: {
          ...settings,
          dynamic_clients: form.dynamic_clients === "on",
          client_metadata_documents: form.client_metadata_documents === "on",
        },
      });
      return "self_registration_saved";
    }),
};

export default function SelfRegistrationPage({ data }: PageProps<MachineClientsData>) {
  return <MachineClientsView data={data} />;
}
