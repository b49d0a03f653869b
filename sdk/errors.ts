/** Every failure the SDK reports: Astapa's error code, its description, and the HTTP status. */
export class AstapaError extends Error {
  override name = "AstapaError";
  /** Astapa's error code (RFC 6749 codes on token endpoints), or `network_error` / `invalid_response`. */
  readonly code: string;
  readonly status: number;
  /** Field problems for validation failures. */
  readonly fields?: Record<string, string[]>;

  constructor(code: string, message: string, status: number, fields?: Record<string, string[]>) {
    super(message);
    this.code = code;
    this.status = status;
    this.fields = fields;
  }
}

/** Thrown by verify() and the middleware: the token is missing, invalid, or lacks a plan or scope. */
export class AstapaAuthError extends AstapaError {
  override name = "AstapaAuthError";
}

/** Reads an error response from Astapa into an AstapaError. */
export async function errorFrom(res: Response): Promise<AstapaError> {
  let body: { error?: unknown; error_description?: unknown; fields?: Record<string, string[]> } = {};
  try {
    body = await res.json();
  } catch {
    // not JSON: keep the status
  }
  return new AstapaError(
    typeof body.error === "string" ? body.error : "http_error",
    typeof body.error_description === "string" ? body.error_description : `Astapa answered ${res.status}`,
    res.status,
    body.fields,
  );
}
