import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateMachineClient } from "@/db/machine_clients.ts";
import { machineClientsAction } from "@/lib/dashboard/machine_clients_page.ts";
import { type MachineClientsData, MachineClientsView } from "@/components/dashboard/MachineClientsView.tsx";

const EnabledForm = z.object({ csrf: z.string(), enabled: z.enum(["true", "false"]) });

/** POST …/machine-clients/:client/enabled: disable (token requests refused) or enable again. */
export const handler: Handlers<MachineClientsData> = {
  POST: (c) => {
    const clientId = c.req.param("client") ?? "";
    return machineClientsAction(c, EnabledForm, async (tx, _projectId, form) => {
      await updateMachineClient(tx, clientId, { enabled: form.enabled === "true" });
      return form.enabled === "true" ? "client_enabled" : "client_disabled";
    });
  },
};

export default function EnabledPage({ data }: PageProps<MachineClientsData>) {
  return <MachineClientsView data={data} />;
}
