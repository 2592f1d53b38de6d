import assert from "node:assert/strict";
import {
  beginReceived,
  copyPayload,
  endReceived,
  SLAB_MAX_PAYLOAD,
  takePayload,
} from "./_payload_slab.ts";

Deno.test("payload copies are independent of the source and of each other", () => {
  const src = new Uint8Array(2000).map((_, i) => i & 0xff);
  const copies: Uint8Array[] = [];
  for (let i = 0; i < 3000; i++) copies.push(copyPayload(src, i % 100, (i % 100) + (i % 40)));
  const big = copyPayload(src, 0, SLAB_MAX_PAYLOAD + 1);
  assert.equal(big.byteOffset, 0, "large payloads get their own buffer");
  src.fill(0);
  for (let i = 0; i < 3000; i++) {
    const c = copies[i], a = i % 100;
    assert.equal(c.length, i % 40);
    for (let j = 0; j < c.length; j++) assert.equal(c[j], (a + j) & 0xff);
  }
  assert.equal(big[SLAB_MAX_PAYLOAD], SLAB_MAX_PAYLOAD & 0xff);
});

Deno.test("payloads of a datagram begun as owned are views of it, not copies", () => {
  const rx = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]).subarray(2); // a region of a larger slab
  beginReceived(rx, true);
  const a = takePayload(rx, 1, 3), b = takePayload(rx, 3, 6);
  endReceived();
  assert.equal(a.buffer, rx.buffer);
  assert.equal(a.byteOffset, rx.byteOffset + 1);
  assert.deepEqual([...a, ...b], [3, 4, 5, 6, 7]);
  // not owned: the same calls copy, so the receive buffer may be reused
  beginReceived(rx);
  const c = takePayload(rx, 1, 3);
  endReceived();
  rx.fill(0);
  assert.notEqual(c.buffer, rx.buffer);
  assert.deepEqual([...c], [3, 4]);
});
