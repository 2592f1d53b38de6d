/**
 * Stateless handshake cookies (issue 4): the server answers a connect request with a cookie that
 * only it can mint, and allocates per-peer state only once the client echoes a valid one.
 *
 * Layout (24 bytes, see README.md):
 * `[0] format (1) | [1] secret generation (epoch & 0xff) | [2..8) issued ms (uint48 BE) |
 *  [8..24) HMAC-SHA256(secret, format|generation|issued|version u32|nonce u32|addressKey)[0..16)`
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";
import type { Random } from "../random.ts";
import { HMAC_SHA256_BYTES, HmacSha256, timingSafeEqual } from "./_hmac.ts";

/** Size of a cookie in bytes. */
export const COOKIE_BYTES = 24;
const COOKIE_FORMAT = 1;
const TAG_OFFSET = 8;
const TAG_BYTES = 16;
const MAX_U48 = 2 ** 48 - 1;
// address keys are short ("udp|host|port"); longer ones are encoded on a slow path
const ADDRESS_SCRATCH = 512;

/** Result of {@link CookieAuthority.verify}. */
export type CookieVerdict = "ok" | "expired" | "invalid";

/** Options of a {@link CookieAuthority}. */
export interface CookieOptions {
  /** Secret rotation period in ms (default 30 000). Must be >= `lifetimeMs`. */
  readonly rotationMs?: number;
  /** How long a cookie is accepted after minting, in ms (default 10 000). */
  readonly lifetimeMs?: number;
  /** Most consumed cookies remembered at once (default 4096); see `markConsumed`. */
  readonly maxConsumed?: number;
}

interface Secret {
  epoch: number;
  mac: HmacSha256;
}

/**
 * Mints and verifies stateless cookies with a secret that rotates every `rotationMs`, driven only
 * by `now` (no timers). The current and previous secrets are kept, and since
 * `lifetimeMs <= rotationMs` every unexpired cookie can still be checked.
 *
 * @example
 * ```ts
 * import { CookieAuthority } from "./cookie.ts";
 * import { SeededRandom } from "../random.ts";
 * const auth = new CookieAuthority(new SeededRandom(1), { rotationMs: 30_000, lifetimeMs: 10_000 });
 * const cookie = auth.mint("udp|127.0.0.1|4000", 0x1234, 1, 0);
 * console.log(auth.verify(cookie, "udp|127.0.0.1|4000", 0x1234, 1, 500)); // "ok"
 * console.log(auth.verify(cookie, "udp|127.0.0.1|4001", 0x1234, 1, 500)); // "invalid"
 * console.log(auth.markConsumed(cookie, 500), auth.isConsumed(cookie, 600)); // true true
 * ```
 *
 * `R` is the type of an optional record kept with each consumed cookie (the server handshake
 * keeps its reply there, so a duplicate CONNECT gets the same answer again).
 */
export class CookieAuthority<R = unknown> {
  /** Secret rotation period in ms. */
  readonly rotationMs: number;
  /** Cookie lifetime in ms. */
  readonly lifetimeMs: number;
  /** Bound of the consumed-cookie set. */
  readonly maxConsumed: number;
  readonly #random: Random;
  #current: Secret | undefined;
  #previous: Secret | undefined;
  readonly #fields = new Uint8Array(TAG_OFFSET + 8);
  readonly #address = new Uint8Array(ADDRESS_SCRATCH);
  readonly #tag = new Uint8Array(HMAC_SHA256_BYTES);
  readonly #encoder = new TextEncoder();
  // cookie (as a binary string) -> forget-after time + caller's record; insertion order ==
  // expiry order
  readonly #consumed = new Map<string, { forgetAt: number; record: R | undefined }>();

  /** Throws MultiplayerError INVALID_ARGUMENT for non-positive or inconsistent durations. */
  constructor(random: Random, options: CookieOptions = {}) {
    this.rotationMs = options.rotationMs ?? 30_000;
    this.lifetimeMs = options.lifetimeMs ?? 10_000;
    this.maxConsumed = options.maxConsumed ?? 4096;
    if (!(this.rotationMs > 0) || !(this.lifetimeMs > 0) || this.lifetimeMs > this.rotationMs) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `cookie lifetimeMs (${this.lifetimeMs}) must be > 0 and <= rotationMs (${this.rotationMs})`,
      );
    }
    if (!Number.isInteger(this.maxConsumed) || this.maxConsumed < 1) {
      throw new MultiplayerError("INVALID_ARGUMENT", `maxConsumed must be an integer >= 1`);
    }
    this.#random = random;
  }

  /**
   * Mints a cookie for a client at `addressKey` (see `addressKey()` in transport.ts) that sent
   * `clientNonce` and speaks `version`. Returns a fresh {@link COOKIE_BYTES}-byte array.
   * Throws MultiplayerError INVALID_ARGUMENT for a negative or non-finite `now`.
   */
  mint(addressKey: string, clientNonce: number, version: number, now: number): Uint8Array {
    if (!(now >= 0 && now <= MAX_U48)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `cookie time must be in [0, 2^48), got ${now}`,
      );
    }
    const secret = this.#rotate(now);
    const cookie = new Uint8Array(COOKIE_BYTES);
    cookie[0] = COOKIE_FORMAT;
    cookie[1] = secret.epoch & 0xff;
    writeU48(cookie, 2, Math.floor(now));
    this.#computeTag(secret.mac, cookie, addressKey, clientNonce, version);
    cookie.set(this.#tag.subarray(0, TAG_BYTES), TAG_OFFSET);
    return cookie;
  }

  /**
   * Checks an echoed cookie. `"ok"`: minted by us for exactly this address, nonce and version,
   * less than `lifetimeMs` ago. `"expired"`: authentic but too old. `"invalid"`: anything else
   * (wrong size/format, forged, other address/nonce/version, or a secret already rotated out).
   * Never throws: `cookie` is untrusted.
   */
  verify(
    cookie: Uint8Array,
    addressKey: string,
    clientNonce: number,
    version: number,
    now: number,
  ): CookieVerdict {
    if (cookie.length !== COOKIE_BYTES || cookie[0] !== COOKIE_FORMAT) return "invalid";
    if (!(now >= 0 && now <= MAX_U48)) return "invalid";
    this.#rotate(now);
    const gen = cookie[1];
    let secret: Secret | undefined;
    if (this.#current && (this.#current.epoch & 0xff) === gen) secret = this.#current;
    else if (this.#previous && (this.#previous.epoch & 0xff) === gen) secret = this.#previous;
    if (!secret) return "invalid";
    this.#computeTag(secret.mac, cookie, addressKey, clientNonce, version);
    const tag = this.#tag.subarray(0, TAG_BYTES);
    if (!timingSafeEqual(tag, cookie.subarray(TAG_OFFSET, TAG_OFFSET + TAG_BYTES))) {
      return "invalid";
    }
    const issued = readU48(cookie, 2);
    // an authentic cookie from the future means the caller's clock went backwards
    if (issued > now + 1) return "invalid";
    return now - issued >= this.lifetimeMs ? "expired" : "ok";
  }

  /**
   * Records that `cookie` was accepted, so a replay is refused while it could still verify.
   * Returns true when recorded. Returns false when it was already consumed, or when the set
   * holds `maxConsumed` live entries: at the bound the server FAILS CLOSED (the caller must
   * refuse the connection, e.g. as "server busy") rather than evicting an entry, because
   * evicting would reopen a replay window. Entries are forgotten `lifetimeMs` after marking.
   */
  markConsumed(cookie: Uint8Array, now: number, record?: R): boolean {
    this.#prune(now);
    const key = tagKey(cookie);
    if (this.#consumed.has(key)) return false;
    if (this.#consumed.size >= this.maxConsumed) return false;
    this.#consumed.set(key, { forgetAt: now + this.lifetimeMs, record });
    return true;
  }

  /** The record stored by `markConsumed` for a consumed cookie, or undefined. */
  consumedRecord(cookie: Uint8Array, now: number): R | undefined {
    this.#prune(now);
    return this.#consumed.get(tagKey(cookie))?.record;
  }

  /** True when `cookie` was marked consumed and has not been forgotten yet. */
  isConsumed(cookie: Uint8Array, now: number): boolean {
    this.#prune(now);
    return this.#consumed.has(tagKey(cookie));
  }

  /** Number of consumed cookies currently remembered (for tests and stats). */
  get consumedCount(): number {
    return this.#consumed.size;
  }

  #prune(now: number): void {
    for (const [key, entry] of this.#consumed) {
      if (entry.forgetAt > now) break;
      this.#consumed.delete(key);
    }
  }

  #rotate(now: number): Secret {
    const epoch = Math.floor(now / this.rotationMs);
    const cur = this.#current;
    if (cur && cur.epoch === epoch) return cur;
    if (cur && epoch < cur.epoch) return cur; // clock went backwards: keep the newest secret
    this.#previous = cur && cur.epoch === epoch - 1 ? cur : undefined;
    const key = new Uint8Array(32);
    this.#random.fill(key);
    this.#current = { epoch, mac: new HmacSha256(key) };
    key.fill(0);
    return this.#current;
  }

  #computeTag(
    mac: HmacSha256,
    cookie: Uint8Array,
    addressKey: string,
    clientNonce: number,
    version: number,
  ): void {
    const f = this.#fields;
    f.set(cookie.subarray(0, TAG_OFFSET), 0);
    writeU32(f, TAG_OFFSET, version);
    writeU32(f, TAG_OFFSET + 4, clientNonce);
    mac.update(f);
    if (addressKey.length * 3 <= ADDRESS_SCRATCH) {
      const { written } = this.#encoder.encodeInto(addressKey, this.#address);
      mac.update(this.#address.subarray(0, written));
    } else {
      mac.update(this.#encoder.encode(addressKey));
    }
    mac.digest(this.#tag);
  }
}

function tagKey(cookie: Uint8Array): string {
  let s = "";
  for (let i = 0; i < cookie.length; i++) s += String.fromCharCode(cookie[i]);
  return s;
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

function writeU48(b: Uint8Array, o: number, v: number): void {
  const hi = Math.floor(v / 4294967296);
  b[o] = hi >>> 8;
  b[o + 1] = hi;
  writeU32(b, o + 2, v >>> 0);
}

function readU48(b: Uint8Array, o: number): number {
  const hi = (b[o] << 8) | b[o + 1];
  const lo = ((b[o + 2] << 24) | (b[o + 3] << 16) | (b[o + 4] << 8) | b[o + 5]) >>> 0;
  return hi * 4294967296 + lo;
}
