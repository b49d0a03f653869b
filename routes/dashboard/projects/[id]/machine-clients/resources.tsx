import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { addResource, removeResource } from "@/db/resources.ts";
import { getProject } from "@/db/projects.ts";
import { canonicalResource } from "@/lib/oauth/scope.ts";
import { proofForMode, proofOptions } from "@/lib/oauth/resource_registration.ts";
import { AppError } from "@/lib/http/errors.ts";
import { refuse } from "@/lib/dashboard/form_fields.ts";
import { machineClientsAction } from "@/lib/dashboard/machine_clients_page.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { AfterCommit } from "@/lib/dashboard/form_action.ts";
import { type MachineClientsData, MachineClientsView } from "@/components/dashboard/MachineClientsView.tsx";

const ResourceForm = z.object({
  csrf: z.string(),
  intent: z.enum(["add", "remove"]),
  uri: z.string().max(2000),
  name: z.string().max(1000).optional(),
});

/** POST …/machine-clients/resources: register a protected resource URI (canonical form), or remove one. */
export const handler: Handlers<MachineClientsData> = {
  POST: (c) =>
    machineClientsAction(c, ResourceForm, async (tx, projectId, form) => {
      if (form.intent === "remove") {
        await removeResource(tx, form.uri);
        return "resource_removed";
      }
      const uri = canonicalResource(form.uri.trim());
      if (!uri) refuse(`${form.uri} is not an absolute URI without a fragment.`);
      // A production project proves control by a fetch, made once this transaction has ended (it holds no
      // connection); the resource is then added in a transaction of its own, the role checked again.
      const { mode } = await getProject(tx, projectId);
      return new AfterCommit(async () => {
        const proven = await proofForMode(proofOptions(c.var.deps.config), mode, projectId, uri).catch(
          (e) => {
            if (e instanceof AppError) refuse(e.description);
            throw e;
          },
        );
        await withProject(c, "admin", (tx) => addResource(tx, uri, form.name?.trim() ?? "", proven));
        return "resource_added";
      });
    }),
};

export default function ResourcesPage({ data }: PageProps<MachineClientsData>) {
  return <MachineClientsView data={data} />;
}
