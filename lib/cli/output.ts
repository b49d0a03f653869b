/** CLI output: a human summary, or with --json one JSON document on stdout. */
export type Output = { result(data: unknown, human: string): void };

export function createOutput(json: boolean, write: (text: string) => void = console.log): Output {
  return {
    result: (data, human) => write(json ? JSON.stringify(data, null, 2) : human),
  };
}

/** Two aligned columns for human output. */
export function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join("\n");
}
