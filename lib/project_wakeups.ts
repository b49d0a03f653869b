/**
 * Which projects a worker's next pass must visit. A NOTIFY that names its project (a payment event, a queued
 * mail) adds that project; anything else — the start, a re-listen after a failover, the periodic sweep, a retry
 * — asks for every project with work, which the worker then lists from Postgres. The named set saves that
 * listing on the common path (one callback, one project); the sweep still covers a wake-up lost on the way.
 */
import { z } from "zod";

export class ProjectWakeups {
  #named = new Set<string>();
  #everyProject = true;

  /** A wake-up naming `projectId`, or (null) one that names none. */
  add(projectId: string | null): void {
    if (projectId) this.#named.add(projectId);
    else this.#everyProject = true;
  }

  /** The next pass lists every project with work. */
  addEveryProject(): void {
    this.#everyProject = true;
  }

  /** The projects for one pass, or null: list them all. What it returns is no longer pending. */
  take(): string[] | null {
    const named = this.#everyProject ? null : [...this.#named];
    this.#everyProject = false;
    this.#named.clear();
    return named;
  }
}

const NamedProject = z.object({ project_id: z.string().min(1) });

/** The project a JSON NOTIFY payload names (`{"project_id": …}`), or null for any other payload. */
export function payloadProject(payload: string): string | null {
  try {
    return NamedProject.safeParse(JSON.parse(payload)).data?.project_id ?? null;
  } catch {
    return null; // not JSON: a wake-up that names no project
  }
}
