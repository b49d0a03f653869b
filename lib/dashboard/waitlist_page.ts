/**
 * The dashboard's Waitlist page (Users → Waitlist; docs/project-settings.md#the-waitlist): loading it for GETs
 * and for re-rendering a refused decision, and what its Approve / Decline buttons post.
 */
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { getProject, type Project } from "@/db/projects.ts";
import {
  listWaitlist,
  type WaitlistEntry,
  type WaitlistStatus,
  WaitlistStatusSchema,
} from "@/db/waitlist.ts";
import { signUpMode } from "../login/sign_up_mode.ts";
import type { FrameData } from "./page_data.ts";
import { frameOf } from "./frame.ts";
import type { Loader } from "./form_action.ts";
import { dashboardLang, doneNotice } from "./i18n.ts";
import { WAITLIST_TEXT } from "./text/waitlist.ts";

/** What each `?done=` after a decision says (its words: lib/dashboard/text/waitlist.ts). */
const WAITLIST_DONE_NOTICES = { approved: "approvedNotice", declined: "declinedNotice" } as const;

export const DecisionFormSchema = z.object({
  csrf: z.string(),
  id: z.string().regex(/^wle_[a-z2-7]{24}$/),
  decision: z.enum(["approve", "decline"]),
});

const Query = z.object({
  status: WaitlistStatusSchema.catch("waiting"),
  before: z.string().regex(/^wle_[a-z2-7]{24}$/).optional().catch(undefined),
});

export type WaitlistData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  /** Whether settings.sign_up.mode is waitlist now (the list stays readable when it is not). */
  active: boolean;
  status: WaitlistStatus;
  entries: WaitlistEntry[];
  nextBefore: string | null;
  notice?: string;
  error?: string;
};

/** A page of the waitlist, in the status and from the cursor the address asks for (waiting first). */
export function waitlistView(c: Ctx): Loader<WaitlistData> {
  return async (tx: Tx, role, projectId, extra) => {
    const query = Query.parse(c.req.query());
    const project = await getProject(tx, projectId);
    const page = await listWaitlist(tx, { status: query.status, before: query.before, limit: 50 });
    return {
      frame: frameOf(c),
      project,
      role,
      active: signUpMode(project) === "waitlist",
      status: query.status,
      entries: page.entries,
      nextBefore: page.next_before,
      notice: doneNotice(WAITLIST_TEXT[dashboardLang(c)], WAITLIST_DONE_NOTICES, c.req.query("done")),
      ...(extra.error ? { error: extra.error } : {}),
    };
  };
}
