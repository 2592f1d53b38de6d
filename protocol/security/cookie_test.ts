import assert from "node:assert/strict";
import { COOKIE_BYTES, CookieAuthority } from "./cookie.ts";
import { SeededRandom } from "../random.ts";
import { MultiplayerError } from "../errors.ts";

const ADDR = "udp|127.0.0.1|4000";
const make = (opts = {}) =>
  new CookieAuthority(new SeededRandom(3), { rotationMs: 1000, lifetimeMs: 500, ...opts });

Deno.test("cookie: mint/verify binds address, nonce, version", () => {
  const auth = make();
  const c = auth.mint(ADDR, 77, 1, 10);
  assert.equal(c.length, COOKIE_BYTES);
  assert.equal(auth.verify(c, ADDR, 77, 1, 20), "ok");
  assert.equal(auth.verify(c, "udp|127.0.0.1|4001", 77, 1, 20), "invalid");
  assert.equal(auth.verify(c, "udp|127.0.0.2|4000", 77, 1, 20), "invalid");
  assert.equal(auth.verify(c, ADDR, 78, 1, 20), "invalid");
  assert.equal(auth.verify(c, ADDR, 77, 2, 20), "invalid");
  // an unrelated authority (other secret) rejects it
  assert.equal(new CookieAuthority(new SeededRandom(4)).verify(c, ADDR, 77, 1, 20), "invalid");
});

Deno.test("cookie: every single-bit flip and truncation is invalid", () => {
  const auth = make();
  const c = auth.mint(ADDR, 5, 1, 100);
  for (let bit = 0; bit < COOKIE_BYTES * 8; bit++) {
    const m = c.slice();
    m[bit >> 3] ^= 1 << (bit & 7);
    const v = auth.verify(m, ADDR, 5, 1, 150);
    assert.equal(v, "invalid", `bit ${bit}`);
  }
  for (let n = 0; n < COOKIE_BYTES; n++) {
    assert.equal(auth.verify(c.subarray(0, n), ADDR, 5, 1, 150), "invalid");
  }
  const longer = new Uint8Array(COOKIE_BYTES + 1);
  longer.set(c);
  assert.equal(auth.verify(longer, ADDR, 5, 1, 150), "invalid");
  assert.equal(auth.verify(c, ADDR, 5, 1, Number.NaN), "invalid");
});

Deno.test("cookie: expiry and rotation (current + previous secret)", () => {
  const auth = make();
  const c = auth.mint(ADDR, 1, 1, 900); // epoch 0, near its end
  assert.equal(auth.verify(c, ADDR, 1, 1, 1100), "ok"); // epoch 1: previous secret still known
  assert.equal(auth.verify(c, ADDR, 1, 1, 1399), "ok");
  assert.equal(auth.verify(c, ADDR, 1, 1, 1400), "expired");
  assert.equal(auth.verify(c, ADDR, 1, 1, 1999), "expired");
  assert.equal(auth.verify(c, ADDR, 1, 1, 2000), "invalid"); // epoch 2: secret rotated out
  // a big jump forgets both old secrets
  const d = auth.mint(ADDR, 1, 1, 2100);
  assert.equal(auth.verify(d, ADDR, 1, 1, 2200), "ok");
  assert.equal(auth.verify(d, ADDR, 1, 1, 9000), "invalid");
  // large monotonic clock values (performance.now after days of uptime) work
  const e = auth.mint(ADDR, 9, 1, 86_400_000 * 30 + 0.75);
  assert.equal(auth.verify(e, ADDR, 9, 1, 86_400_000 * 30 + 100), "ok");
});

Deno.test("cookie: consumed set refuses replays, forgets after lifetime, fails closed at bound", () => {
  const auth = make({ maxConsumed: 3 });
  const cookies = [0, 1, 2, 3].map((n) => auth.mint(ADDR, n, 1, 0));
  assert.equal(auth.markConsumed(cookies[0], 10), true);
  assert.equal(auth.isConsumed(cookies[0], 11), true);
  assert.equal(auth.markConsumed(cookies[0], 12), false); // replay
  assert.equal(auth.isConsumed(cookies[1], 12), false);
  assert.equal(auth.markConsumed(cookies[1], 20), true);
  assert.equal(auth.markConsumed(cookies[2], 30), true);
  assert.equal(auth.markConsumed(cookies[3], 40), false); // full: fail closed
  assert.equal(auth.consumedCount, 3);
  assert.equal(auth.isConsumed(cookies[0], 509), true);
  assert.equal(auth.isConsumed(cookies[0], 510), false); // forgotten after lifetime...
  assert.equal(auth.verify(cookies[0], ADDR, 0, 1, 510), "expired"); // ...when it no longer verifies
  assert.equal(auth.markConsumed(cookies[3], 510), true); // room again
  assert.equal(auth.consumedCount, 3);
  assert.equal(auth.isConsumed(cookies[1], 10_000), false);
  assert.equal(auth.consumedCount, 0);
});

Deno.test("cookie: bad options and bad mint time throw typed errors", () => {
  assert.throws(() => make({ lifetimeMs: 2000 }), MultiplayerError);
  assert.throws(() => make({ rotationMs: 0 }), MultiplayerError);
  assert.throws(() => make({ maxConsumed: 0 }), MultiplayerError);
  assert.throws(() => make().mint(ADDR, 1, 1, -1), (e) => {
    assert.ok(e instanceof MultiplayerError);
    assert.equal(e.code, "INVALID_ARGUMENT");
    return true;
  });
});

Deno.test("cookie: long address keys and deterministic minting per seed", () => {
  const long = "ws|" + "h".repeat(600) + "|1";
  const a = make();
  const c = a.mint(long, 1, 1, 0);
  assert.equal(a.verify(c, long, 1, 1, 1), "ok");
  assert.equal(a.verify(c, long + "x", 1, 1, 1), "invalid");
  assert.deepEqual(make().mint(ADDR, 1, 1, 0), make().mint(ADDR, 1, 1, 0));
});
