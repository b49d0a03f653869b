/**
 * Who may do what in a project: members only (others get 404, as if the project did not exist); viewers
 * read; admins change settings and users; owners also flip the mode. Checked on the server for every
 * request, in the same transaction as the work, which runs as the account for the audit log.
 */
import type { Ctx, SignedInDeveloper } from "../app_env.ts";
import { asApp, type Tx } from "@/db/client.ts";
import { memberRole } from "@/db/dashboard.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { AppError } from "../http/errors.ts";

const RANK: Record<MemberRole, number> = { viewer: 0, admin: 1, owner: 2 };
const PROJECT_ID = /^proj_[a-z2-7]{16}$/;
const PROJECT_PAGE = /^\/dashboard\/projects\/([^/]+)(\/|$)/;
const READS = new Set(["GET", "HEAD"]);

/** The developer the dashboard middleware signed in; every dashboard page runs behind it. */
export function developer(c: Ctx): SignedInDeveloper {
  const signedIn = c.get("dashboard");
  if (!signedIn) throw new AppError("unauthorized");
  return signedIn;
}

/** The audit log's name for the signed-in developer. */
export function actorOf(signedIn: SignedInDeveloper): string {
  return `account:${signedIn.session.id}`;
}

/** Whether a member with `role` may do what needs `needed`. */
export function allows(role: MemberRole, needed: MemberRole): boolean {
  return RANK[role] >= RANK[needed];
}

/**
 * Runs `work` for the project in the URL when the developer's role there is at least `needed`:
 * not a member → not_found; a lower role → forbidden.
 */
export async function withProject<T>(
  c: Ctx,
  needed: MemberRole,
  work: (tx: Tx, role: MemberRole, projectId: string) => Promise<T>,
): Promise<T> {
  const signedIn = developer(c);
  const projectId = c.req.param("id") ?? "";
  if (!PROJECT_ID.test(projectId)) throw new AppError("not_found");
  return await asApp(c.var.deps.sql, projectId, async (tx) => {
    const role = await memberRole(tx, projectId, signedIn.session.id);
    if (!role) throw new AppError("not_found", { description: "You are not a member of this project." });
    if (!allows(role, needed)) {
      throw new AppError("forbidden", {
        description: `This needs the ${needed} role in this project; yours is ${role}.`,
      });
    }
    return await work(tx, role, projectId);
  }, { actor: actorOf(signedIn) });
}

/**
 * The family-wide check routes/dashboard/_middleware.ts makes before any handler of a project's pages runs (so
 * no form is read for a caller who may not post it): members only (others 404), and viewers only read (403 on
 * every other method). Each handler's withProject then checks the role its change needs.
 */
export async function assertMayReachProject(c: Ctx, signedIn: SignedInDeveloper): Promise<void> {
  const match = PROJECT_PAGE.exec(c.req.path);
  if (!match || match[1] === "new") return;
  const projectId = match[1]; // ids are plain ASCII: anything encoded is simply not one
  if (!PROJECT_ID.test(projectId)) throw new AppError("not_found");
  const role = await asApp(c.var.deps.sql, projectId, (tx) => memberRole(tx, projectId, signedIn.session.id));
  if (!role) throw new AppError("not_found", { description: "You are not a member of this project." });
  if (role === "viewer" && !READS.has(c.req.method)) {
    throw new AppError("forbidden", {
      description: "Viewers can look but not change anything in this project.",
    });
  }
}
