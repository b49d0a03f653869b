/**
 * A password the project's app sets for a user (Platform API: create, update) checked as a person's own choice
 * at sign-up — length, the most used, Pwned Passwords while the project's `breached_passwords` is on — then hashed.
 */
import type { Ctx } from "../app_env.ts";
import { getProject } from "@/db/projects.ts";
import { AppError } from "../http/errors.ts";
import { chosenPasswordProblem, hashPassword } from "../passwords.ts";
import { projectBreachLookup } from "../breached_passwords.ts";
import { asClient } from "./caller.ts";

const PROBLEMS = {
  weakPassword: "A password has at least 8 characters.",
  commonPassword: "This password is among the most used ones; choose another.",
  breachedPassword: "This password appeared in a data breach (Pwned Passwords); choose another.",
} as const;

/** The argon2id hash of an acceptable password; a 400 naming the problem on `password` otherwise. */
export async function chosenPasswordHash(c: Ctx, password: string): Promise<string> {
  const project = await asClient(c, getProject);
  const problem = await chosenPasswordProblem(
    projectBreachLookup(c.var.deps.config.breachedPasswords, project, "chosen"),
    password,
  );
  if (problem) throw new AppError("validation_failed", { fields: { password: [PROBLEMS[problem]] } });
  return await hashPassword(password);
}
