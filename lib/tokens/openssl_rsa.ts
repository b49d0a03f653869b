/**
 * RS256 through the system's OpenSSL libcrypto (Deno FFI): about 5× WebCrypto's sign rate per core here.
 *
 * The private key lives in native memory as an EVP_PKEY, parsed from PKCS#8 DER held in memory only (never
 * written to disk). A DigestSign context is initialised once per key; each signature signs on a copy of it,
 * on Deno's blocking thread pool (`nonblocking`), so concurrent requests use every core. PKCS#1 v1.5 is
 * deterministic, so the bytes equal WebCrypto's; `importNativeRsaKey` checks that on a probe before the key
 * is used, and callers fall back to WebCrypto whenever this module returns null.
 */

const SYMBOLS = {
  OPENSSL_init_crypto: { parameters: ["u64", "pointer"], result: "i32" },
  d2i_AutoPrivateKey: { parameters: ["pointer", "buffer", "i64"], result: "pointer" },
  EVP_PKEY_get_base_id: { parameters: ["pointer"], result: "i32" },
  EVP_PKEY_get_size: { parameters: ["pointer"], result: "i32" },
  EVP_PKEY_free: { parameters: ["pointer"], result: "void" },
  EVP_sha256: { parameters: [], result: "pointer" },
  EVP_MD_CTX_new: { parameters: [], result: "pointer" },
  EVP_MD_CTX_copy_ex: { parameters: ["pointer", "pointer"], result: "i32" },
  EVP_MD_CTX_free: { parameters: ["pointer"], result: "void" },
  EVP_DigestSignInit: { parameters: ["pointer", "pointer", "pointer", "pointer", "pointer"], result: "i32" },
  EVP_DigestSign: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "usize"],
    result: "i32",
    nonblocking: true,
  },
  ERR_clear_error: { parameters: [], result: "void" },
  OpenSSL_version_num: { parameters: [], result: "u64" },
} as const satisfies Deno.ForeignLibraryInterface;

type Libcrypto = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

const EVP_PKEY_RSA = 6;
/**
 * OpenSSL otherwise registers an atexit cleanup that frees its global state while Deno's blocking-pool
 * threads, which ran signatures and hold OpenSSL thread-local state, may still be running or exiting: a
 * crash at process exit ("double free or corruption", SIGSEGV) about one exit in eight with signatures in
 * flight (openssl/openssl#6214; CPython and curl pass the same flag). The memory goes back with the process.
 */
const OPENSSL_INIT_NO_ATEXIT = 0x00080000n;
const OPENSSL_3 = 0x30000000n;
/** Names tried in order when no path is configured (Debian/Ubuntu, then the unversioned dev symlink). */
const DEFAULT_NAMES = ["libcrypto.so.3", "libcrypto.so"];

const loaded = new Map<string, { lib: Libcrypto } | { error: string }>();

/** Opens libcrypto (once per path); the reason it is unusable otherwise. */
export function openLibcrypto(path?: string): { lib: Libcrypto } | { error: string } {
  const key = path ?? "";
  let entry = loaded.get(key);
  if (!entry) {
    entry = tryOpen(path ? [path] : DEFAULT_NAMES);
    loaded.set(key, entry);
  }
  return entry;
}

function tryOpen(names: string[]): { lib: Libcrypto } | { error: string } {
  const errors: string[] = [];
  for (const name of names) {
    try {
      const lib = Deno.dlopen(name, SYMBOLS).symbols;
      // Before any other call that initialises OpenSSL: the flag counts only on the first initialisation.
      if (lib.OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, null) !== 1) {
        errors.push(`${name}: OPENSSL_init_crypto failed`);
        continue;
      }
      const version = lib.OpenSSL_version_num();
      if (version < OPENSSL_3) {
        errors.push(`${name}: OpenSSL ${version.toString(16)} is older than 3.0`);
        continue;
      }
      return { lib };
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { error: errors.join("; ") };
}

/** A private key held by OpenSSL. `sign` returns null once the key is closed (callers then use WebCrypto). */
export type NativeRsaKey = {
  sign(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> | null;
  /** Frees the native key once signatures in flight have finished. Idempotent. */
  close(): void;
  readonly closed: boolean;
};

type Handles = { lib: Libcrypto; pkey: Deno.PointerObject; template: Deno.PointerObject };

function free({ lib, pkey, template }: Handles): void {
  lib.EVP_MD_CTX_free(template);
  lib.EVP_PKEY_free(pkey);
}

// A key dropped without close() (e.g. a KeyStore discarded by a test) is freed when collected; nothing can
// be signing with it then, since an in-flight signature keeps the key object reachable.
const finalizer = new FinalizationRegistry<Handles>(free);

/**
 * Loads a PKCS#8 RSA private key into OpenSSL and checks, on a probe message, that it signs exactly as
 * `reference` (the same key in WebCrypto) does. Returns the key, or the reason it cannot be used.
 */
export async function importNativeRsaKey(
  lib: Libcrypto,
  pkcs8: Uint8Array,
  reference: CryptoKey,
): Promise<{ key: NativeRsaKey } | { error: string }> {
  const handles = parse(lib, pkcs8);
  if ("error" in handles) return handles;
  const key = wrap(handles);
  try {
    const probe = new TextEncoder().encode(`astapa rs256 self-test ${crypto.randomUUID()}`);
    const [native, web] = await Promise.all([
      key.sign(probe)!,
      crypto.subtle.sign("RSASSA-PKCS1-v1_5", reference, probe),
    ]);
    if (!equalBytes(native, new Uint8Array(web))) {
      key.close();
      return { error: "self-test: OpenSSL's signature differs from WebCrypto's" };
    }
    return { key };
  } catch (error) {
    key.close();
    return { error: `self-test: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function parse(lib: Libcrypto, pkcs8: Uint8Array): Handles | { error: string } {
  // d2i_* advances the pointer it is given, so it gets its own pointer-sized cell pointing at a copy of the
  // DER bytes; the copy is wiped as soon as OpenSSL has parsed it.
  const der = pkcs8.slice();
  const cursor = new BigUint64Array([BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(der)))]);
  const pkey = lib.d2i_AutoPrivateKey(null, cursor, BigInt(der.length));
  der.fill(0);
  if (!pkey) {
    lib.ERR_clear_error();
    return { error: "OpenSSL could not parse the PKCS#8 key" };
  }
  if (lib.EVP_PKEY_get_base_id(pkey) !== EVP_PKEY_RSA) {
    lib.EVP_PKEY_free(pkey);
    return { error: "not an RSA key" };
  }
  const template = lib.EVP_MD_CTX_new();
  if (!template || lib.EVP_DigestSignInit(template, null, lib.EVP_sha256(), null, pkey) !== 1) {
    if (template) lib.EVP_MD_CTX_free(template);
    lib.EVP_PKEY_free(pkey);
    lib.ERR_clear_error();
    return { error: "EVP_DigestSignInit failed" };
  }
  return { lib, pkey, template };
}

function wrap(handles: Handles): NativeRsaKey {
  const { lib, pkey, template } = handles;
  const size = lib.EVP_PKEY_get_size(pkey);
  let inFlight = 0;
  let closing = false;
  let freed = false;
  const release = () => {
    if (closing && inFlight === 0 && !freed) {
      freed = true;
      finalizer.unregister(key);
      free(handles);
    }
  };
  const key: NativeRsaKey = {
    get closed() {
      return closing;
    },
    sign(data) {
      if (closing) return null;
      const ctx = lib.EVP_MD_CTX_new();
      if (!ctx) throw new Error("EVP_MD_CTX_new failed");
      if (lib.EVP_MD_CTX_copy_ex(ctx, template) !== 1) {
        lib.EVP_MD_CTX_free(ctx);
        lib.ERR_clear_error();
        throw new Error("EVP_MD_CTX_copy_ex failed");
      }
      const signature = new Uint8Array(size);
      const length = new BigUint64Array([BigInt(size)]);
      inFlight++;
      return lib.EVP_DigestSign(ctx, signature, length, data, BigInt(data.length)).then((ok) => {
        if (ok !== 1) throw new Error("EVP_DigestSign failed");
        return length[0] === BigInt(size) ? signature : signature.subarray(0, Number(length[0]));
      }).finally(() => {
        // Deno does not keep a buffer alive for a nonblocking call; referencing `data` here does.
        void data;
        lib.EVP_MD_CTX_free(ctx);
        inFlight--;
        release();
      });
    },
    close() {
      closing = true;
      release();
    },
  };
  finalizer.register(key, handles, key);
  return key;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
