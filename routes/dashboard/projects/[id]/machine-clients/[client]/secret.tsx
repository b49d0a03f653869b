import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { listMachineClients, rotateMachineClientSecret } from "@/db/machine_clients.ts";
import { AppError } from "@/lib/http/errors.ts";
import { machineClientsAction } from "@/lib/dashboard/machine_clients_page.ts";
import { type MachineClientsData, MachineClientsView } from "@/components/dashboard/MachineClientsView.tsx";

const RotateForm = z.object({ csrf: z.string(), confirm: z.literal("yes").optional() });

/**
 * POST …/machine-clients/:client/secret: a new secret, shown once; the old one stops at once. The row's link
 * posts without `confirm` and is answered with the question first, as the project's and webhooks' rotations ask.
 */
export const handler: Handlers<MachineClientsData> = {
  POST: (c) => {
    const clientId = c.req.param("client") ?? "";
    return machineClientsAction(c, RotateForm, async (tx, _projectId, form) => {
      if (form.confirm !== "yes") {
        const client = (await listMachineClients(tx)).find((one) => one.client_id === clientId);
        if (!client) throw new AppError("not_found", { description: "This machine client was not found." });
        return { confirmRotation: { client_id: client.client_id, name: client.name } };
      }
      const issued = await rotateMachineClientSecret(tx, clientId);
      return { issued, notice: `A new secret for ${issued.name} is in force; the old one no longer works.` };
    });
  },
};

export default function RotatePage({ data }: PageProps<MachineClientsData>) {
  return <MachineClientsView data={data} />;
}
