/** Small helpers for dashboard form input: repeated fields and readable refusals. */
import { z } from "zod";
import { AppError } from "../http/errors.ts";

/** A form field that may come once (a string), repeated (an array) or not at all: always an array here. */
export const manyValues = z.union([z.string(), z.array(z.string())]).optional().transform((value) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]
);

/** Refuses bad input with a message the page shows (formAction turns it into a 422 re-render). */
export function refuse(description: string): never {
  throw new AppError("validation_failed", { description });
}
