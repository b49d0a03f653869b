import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { readBody } from "@/lib/http/body.ts";
import { rotateMachineClientSecret } from "@/db/machine_clients.ts";
import { machineClientsAction } from "@/lib/dashboard/machine_clients_page.ts";
import { type MachineClientsData, MachineClientsView } from "@/components/dashboard/MachineClientsView.tsx";

/** POST …/machine-clients/:client/secret: a new secret, shown once; the old one stops at once. */
export const handler: Handlers<MachineClientsData> = {
  POST: async (c) => {
    await readBody(c, z.object({ csrf: z.string() }), ["form"]);
    const clientId = c.req.param("client") ?? "";
    return machineClientsAction(c, async (tx) => {
      const issued = await rotateMachineClientSecret(tx, clientId);
      return { issued, notice: `A new secret for ${issued.name} is in force; the old one no longer works.` };
    });
  },
};

export default function RotatePage({ data }: PageProps<MachineClientsData>) {
  return <MachineClientsView data={data} />;
}
