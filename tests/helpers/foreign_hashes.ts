/**
 * Password hashes made the way other systems make them, with the original algorithms' libraries (bcryptjs,
 * @node-rs/argon2, @noble/hashes' scrypt and PBKDF2 — not the node:crypto code that verifies them), in the
 * formats their exports use. Firebase's are its published test vector (firebase/scrypt README).
 */
import bcrypt from "bcryptjs";
import { hash as argon2 } from "@node-rs/argon2";
import { scrypt } from "@noble/hashes/scrypt.js";
import { pbkdf2 } from "@noble/hashes/pbkdf2.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";

/** Firebase's published scrypt parameters and one user's hash of "user1password". */
export const FIREBASE_VECTOR = {
  hash_config: {
    algorithm: "SCRYPT" as const,
    base64_signer_key:
      "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
    base64_salt_separator: "Bw==",
    rounds: 8,
    mem_cost: 14,
  },
  password: "user1password",
  salt: "42xEC+ixf3L2lw==",
  passwordHash: "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
};

const b64 = (bytes: Uint8Array, pad = false) => {
  const text = btoa(String.fromCharCode(...bytes));
  return pad ? text : text.replace(/=+$/, "");
};
const utf8 = (text: string) => new TextEncoder().encode(text);

/** Every non-Firebase format Astapa imports, each a hash of `password`. */
export async function foreignHashes(password: string): Promise<Record<string, string>> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const djangoSalt = "ZdMvN2rHGGtfS9PB";
  return {
    bcrypt_2a: bcrypt.hashSync(password, 8).replace(/^\$2b\$/, "$2a$"),
    bcrypt_2b: bcrypt.hashSync(password, 8),
    // PHP's password_hash writes $2y$; same algorithm.
    bcrypt_2y: bcrypt.hashSync(password, 8).replace(/^\$2b\$/, "$2y$"),
    argon2id_other_params: await argon2(password, {
      algorithm: 2,
      memoryCost: 8192,
      timeCost: 3,
      parallelism: 2,
    }),
    argon2i: await argon2(password, { algorithm: 1, memoryCost: 4096, timeCost: 3, parallelism: 1 }),
    scrypt: `$scrypt$ln=12,r=8,p=1$${b64(salt)}$${
      b64(scrypt(utf8(password), salt, { N: 4096, r: 8, p: 1, dkLen: 32 }))
    }`,
    // passlib's spelling: bare iterations, "." for "+", no padding.
    pbkdf2_sha256: `$pbkdf2-sha256$2000$${b64(salt).replaceAll("+", ".")}$${
      b64(pbkdf2(sha256, utf8(password), salt, { c: 2000, dkLen: 32 })).replaceAll("+", ".")
    }`,
    // @phc/pbkdf2's spelling: i=…
    pbkdf2_sha512: `$pbkdf2-sha512$i=2000$${b64(salt)}$${
      b64(pbkdf2(sha512, utf8(password), salt, { c: 2000, dkLen: 64 }))
    }`,
    django: `pbkdf2_sha256$3000$${djangoSalt}$${
      b64(pbkdf2(sha256, utf8(password), utf8(djangoSalt), { c: 3000, dkLen: 32 }), true)
    }`,
  };
}
