import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { approveWaitlistEntry, declineWaitlistEntry } from "@/db/waitlist.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import { DecisionFormSchema, type WaitlistData, waitlistView } from "@/lib/dashboard/waitlist_page.ts";
import { waitlistApproval } from "@/lib/waitlist/approval_mail.ts";
import WaitlistPage from "./index.tsx";
import { dashboardLang } from "@/lib/dashboard/i18n.ts";
import { WAITLIST_TEXT } from "@/lib/dashboard/text/waitlist.ts";

/** POST …/waitlist/decide: approves (mailing the sign-up link) or declines an entry; admins and owners. */
export const handler: Handlers<WaitlistData> = {
  POST: (c) => {
    const baseUrl = c.var.deps.config.baseUrl;
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/waitlist`,
      body: DecisionFormSchema,
      load: waitlistView(c),
      run: async (tx, projectId, _role, form) => {
        if (form.decision === "decline") {
          await declineWaitlistEntry(tx, form.id);
          return "declined";
        }
        await approveWaitlistEntry(
          tx,
          projectId,
          form.id,
          (entry, p) => waitlistApproval(baseUrl, p, entry),
        );
        return "approved";
      },
      title: (data) => `${WAITLIST_TEXT[dashboardLang(c)].title} · ${data.project.name}`,
    });
  },
};

export default function DecidePage(props: PageProps<WaitlistData>) {
  return <WaitlistPage {...props} />;
}
