/**
 * settings.sign_up's mode as the hosted pages read it (docs/project-settings.md): whether they offer "Create an
 * account". Postgres enforces the rule itself (astapa.assert_sign_up_allowed); this only hides dead links.
 */
/** open: anyone; invitation: an invited address; waitlist: an approved address (db/api/waitlist.sql); closed. */
export type SignUpMode = "open" | "invitation" | "waitlist" | "closed";

type Request = { project: { settings: Record<string, unknown> }; invitation?: string };

/** The project's sign-up mode (open unless settings.sign_up.mode says otherwise). */
export function signUpMode(project: Request["project"]): SignUpMode {
  const mode = (project.settings.sign_up as { mode?: unknown } | undefined)?.mode;
  return mode === "invitation" || mode === "waitlist" || mode === "closed" ? mode : "open";
}

/**
 * Whether the pages offer "Create an account": not while closed, and by invitation only inside one's flow; under
 * a waitlist the sign-up page offers the waitlist (or, with a login_hint, the approved address's form).
 */
export function signUpOffered(request: Request): boolean {
  const mode = signUpMode(request.project);
  return mode === "open" || mode === "waitlist" ||
    (mode === "invitation" && request.invitation !== undefined);
}

/**
 * The links the sign-up form's "I agree" box shows (branding's terms and privacy addresses, only those set), or
 * null when settings.sign_up.require_legal_consent is off. Postgres refuses an account without it
 * (astapa.assert_sign_up_allowed, AS4N7); this only draws the box.
 */
export function legalConsentAsked(
  project: Request["project"],
): { termsUrl?: string; privacyUrl?: string } | null {
  if (
    (project.settings.sign_up as { require_legal_consent?: unknown } | undefined)?.require_legal_consent !==
      true
  ) {
    return null;
  }
  const branding = (project.settings.branding ?? {}) as { terms_url?: unknown; privacy_url?: unknown };
  const url = (value: unknown) =>
    typeof value === "string" && /^https?:\/\//i.test(value) ? value : undefined;
  const termsUrl = url(branding.terms_url);
  const privacyUrl = url(branding.privacy_url);
  return { ...(termsUrl ? { termsUrl } : {}), ...(privacyUrl ? { privacyUrl } : {}) };
}

/** settings.sign_up with its defaults filled in, as the Platform API, the SDK and the dashboard show it. */
export type SignUpSettings = {
  mode: SignUpMode;
  allowed_domains: string[];
  blocked_domains: string[];
  /** Refuse addresses at throwaway mail services (astapa.disposable_email_domains). */
  block_disposable_domains: boolean;
  /** Domains block_disposable_domains does not refuse (alias services people keep, such as duck.com). */
  disposable_allowed_domains: string[];
  /** Refuse addresses with +, = or # in the local part (dewi+promo@example.com). */
  block_subaddresses: boolean;
  /** The sign-up form asks "I agree to the Terms and Privacy Policy", and no account is made without it. */
  require_legal_consent: boolean;
};

const domains = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((d): d is string => typeof d === "string") : [];

/** The project's sign-up settings, defaults filled in. */
export function signUpSettingsOf(settings: Record<string, unknown>): SignUpSettings {
  const stored = (settings.sign_up ?? {}) as Record<string, unknown>;
  return {
    mode: signUpMode({ settings }),
    allowed_domains: domains(stored.allowed_domains),
    blocked_domains: domains(stored.blocked_domains),
    block_disposable_domains: stored.block_disposable_domains === true,
    disposable_allowed_domains: domains(stored.disposable_allowed_domains),
    block_subaddresses: stored.block_subaddresses === true,
    require_legal_consent: stored.require_legal_consent === true,
  };
}

/**
 * The `sign_up` change api.update_project_settings merges: a value back at its default is sent as null (so an
 * untouched project keeps no sign_up at all; a switch off is its default), domains trimmed and in lower case.
 */
export function signUpChange(changes: Partial<SignUpSettings>): Record<string, unknown> {
  const list = (value: string[] | undefined) =>
    value === undefined ? undefined : value.length ? value.map((d) => d.trim().toLowerCase()) : null;
  const flag = (value: boolean | undefined) => value === undefined ? undefined : value || null;
  const change: Record<string, unknown> = {
    mode: changes.mode === undefined ? undefined : changes.mode === "open" ? null : changes.mode,
    allowed_domains: list(changes.allowed_domains),
    blocked_domains: list(changes.blocked_domains),
    block_disposable_domains: flag(changes.block_disposable_domains),
    disposable_allowed_domains: list(changes.disposable_allowed_domains),
    block_subaddresses: flag(changes.block_subaddresses),
    require_legal_consent: flag(changes.require_legal_consent),
  };
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined));
}
