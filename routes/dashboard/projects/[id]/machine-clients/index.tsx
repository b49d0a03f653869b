import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { createMachineClient } from "@/db/machine_clients.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { manyValues, refuse } from "@/lib/dashboard/form_fields.ts";
import { machineClientsAction, machineClientsView } from "@/lib/dashboard/machine_clients_page.ts";
import { type MachineClientsData, MachineClientsView } from "@/components/dashboard/MachineClientsView.tsx";
import { dashboardLang } from "@/lib/dashboard/i18n.ts";
import { MACHINE_CLIENTS_TEXT } from "@/lib/dashboard/text/machine_clients.ts";

const CreateForm = z.object({
  csrf: z.string(),
  name: z.string().max(1000),
  scopes: manyValues,
  resources: manyValues,
  access_token_ttl: z.string().max(20).optional(),
});

/** "" → the project's lifetime; otherwise whole seconds (the SQL function checks the range). */
function lifetime(raw: string | undefined): number | null {
  const text = raw?.trim() ?? "";
  if (text === "") return null;
  if (!/^\d{1,9}$/.test(text)) refuse("The token lifetime is a whole number of seconds (300 to 86400).");
  return Number(text);
}

export const handler: Handlers<MachineClientsData> = {
  GET: async (c) => {
    const data = await withProject(
      c,
      "viewer",
      (tx, role, projectId) => machineClientsView(c, tx, projectId, role),
    );
    return page(data, { title: `${MACHINE_CLIENTS_TEXT[dashboardLang(c)].title} · ${data.project.name}` });
  },
  /** Admins create a client; the answer shows its secret, this once. */
  POST: (c) =>
    machineClientsAction(c, CreateForm, async (tx, _projectId, form) => {
      if (!form.name.trim()) refuse("Give the machine client a name.");
      const issued = await createMachineClient(tx, {
        name: form.name.trim(),
        scopes: form.scopes,
        resources: form.resources,
        accessTokenTtl: lifetime(form.access_token_ttl),
      });
      return { issued, notice: `Machine client ${issued.name} created.` };
    }),
};

export default function MachineClientsPage({ data }: PageProps<MachineClientsData>) {
  return <MachineClientsView data={data} />;
}
