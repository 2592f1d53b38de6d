import assert from "node:assert/strict";
import { copyPayload, SLAB_MAX_PAYLOAD } from "./_payload_slab.ts";

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
