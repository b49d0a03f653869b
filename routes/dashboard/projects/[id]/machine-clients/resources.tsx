import { z } from "zod";
import type { Handlers } from "../../../../../lib/router/routes.ts";
import type { PageProps } from "../../../../../lib/router/page.tsx";
import { readBody } from "../../../../../lib/http/body.ts";
import { addResource, removeResource } from "../../../../../db/resources.ts";
import { canonicalResource } from "../../../../../lib/oauth/scope.ts";
import { refuse } from "../../../../../lib/dashboard/form_fields.ts";
import { machineClientsAction } from "../../../../../lib/dashboard/machine_clients_page.ts";
import {
  type MachineClientsData,
  MachineClientsView,
} from "../../../../../components/dashboard/MachineClientsView.tsx";

const ResourceForm = z.object({
  csrf: z.string(),
  intent: z.enum(["add", "remove"]),
  uri: z.string().max(2000),
  name: z.string().max(1000).optional(),
});

/** POST …/machine-clients/resources: register a protected resource URI (canonical form), or remove one. */
export const handler: Handlers<MachineClientsData> = {
  POST: async (c) => {
    const form = await readBody(c, ResourceForm, ["form"]);
    return machineClientsAction(c, async (tx) => {
      if (form.intent === "remove") {
        await removeResource(tx, form.uri);
        return "resource_removed";
      }
      const uri = canonicalResource(form.uri.trim());
      if (!uri) refuse(`${form.uri} is not an absolute URI without a fragment.`);
      await addResource(tx, uri, form.name?.trim() ?? "");
      return "resource_added";
    });
  },
};

export default function ResourcesPage({ data }: PageProps<MachineClientsData>) {
  return <MachineClientsView data={data} />;
}
