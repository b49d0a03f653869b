import { useEffect } from "preact/hooks";
import { getBrowserCapabilities, startRegistration, WebAuthnAbortService } from "@simplewebauthn/browser";

type PasskeyUpgradeProps = {
  request: string;
  csrf: string;
  lang: string;
  /** The name the new passkey gets (the person may rename it on /auth/passkeys). */
  name: string;
  /** Where the sign-in goes on to: the sign-in page, which hands the app its code for the new session. */
  next: string;
};

/**
 * How long the sign-in may wait here, at most: a password manager that makes the passkey answers within it; one
 * that will not may leave the request pending for good (Chromium does), and the sign-in must not wait on that.
 */
const UPGRADE_WAIT_MS = 2000;

/** Asks for a passkey silently (WebAuthn conditional create) and posts it like the "Add a passkey" form. */
async function upgrade(props: PasskeyUpgradeProps): Promise<void> {
  const body = new URLSearchParams({ request: props.request, csrf: props.csrf, purpose: "register" });
  const answer = await fetch("/auth/passkey/options", { method: "POST", body });
  if (!answer.ok) return; // not a recent sign-in after all, too many attempts, …: nothing to ask for
  const result = await startRegistration({ optionsJSON: await answer.json(), useAutoRegister: true });
  const added = new URLSearchParams({
    request: props.request,
    csrf: props.csrf,
    action: "add",
    name: props.name,
    credential: JSON.stringify(result),
  });
  // keepalive: should the wait end while this is on its way, the page moves on and the passkey is still stored.
  await fetch(`/auth/passkeys?lang=${props.lang}`, { method: "POST", body: added, keepalive: true });
}

/**
 * Automatic passkey upgrade, right after a password sign-in: where the browser can create a passkey
 * conditionally, the password manager that just filled the password may make one without a dialog; nothing
 * shows otherwise. The page moves on to the app when that ends, or after UPGRADE_WAIT_MS, whichever is first.
 */
export default function PasskeyUpgrade(props: PasskeyUpgradeProps) {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => timer = setTimeout(resolve, UPGRADE_WAIT_MS));
    const attempt = (async () => {
      if (!globalThis.PublicKeyCredential) return;
      if ((await getBrowserCapabilities()).conditionalCreate !== "supported") return;
      await upgrade(props);
    })().catch((error) => console.info("no passkey made", error));
    Promise.race([attempt, bound]).then(() => {
      clearTimeout(timer);
      WebAuthnAbortService.cancelCeremony();
      location.replace(props.next);
    });
  }, []);
  return null;
}
