import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { declareScope, removeScope } from "@/db/resources.ts";
import { machineClientsAction } from "@/lib/dashboard/machine_clients_page.ts";
import { type MachineClientsData, MachineClientsView } from "@/components/dashboard/MachineClientsView.tsx";

const ScopeForm = z.object({
  csrf: z.string(),
  intent: z.enum(["add", "remove"]),
  name: z.string().max(1000),
  description: z.string().max(1000).optional(),
});

/** POST …/machine-clients/scopes: declare (or redescribe) a scope, or remove it from the project. */
export const handler: Handlers<MachineClientsData> = {
  POST: (c) =>
    machineClientsAction(c, ScopeForm, async (tx, _projectId, form) => {
      if (form.intent === "remove") {
        await removeScope(tx, form.name);
        return "scope_removed";
      }
      await declareScope(tx, form.name.trim(), form.description?.trim() ?? "");
      return "scope_declared";
    }),
};

export default function ScopesPage({ data }: PageProps<MachineClientsData>) {
  return <MachineClientsView data={data} />;
}
