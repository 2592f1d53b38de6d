import assert from "node:assert/strict";
import { extendSeq, wireSeq } from "./sequence.ts";

Deno.test("16-bit sequences extend across wrap-around in both directions", () => {
  assert.equal(extendSeq(2, 65534), 65538);
  assert.equal(extendSeq(65535, 65537), 65535);
  assert.equal(extendSeq(65535, 0), 65535, "never negative");
  assert.equal(extendSeq(5, 10), 5);
  for (let ref = 0; ref < 400_000; ref += 997) {
    for (const d of [-32767, -1000, -1, 0, 1, 1000, 32767]) {
      const s = ref + d;
      if (s < 0) continue;
      assert.equal(extendSeq(wireSeq(s), ref), s, `ref ${ref} d ${d}`);
    }
  }
  assert.equal(extendSeq(wireSeq(2 ** 40 + 3), 2 ** 40), 2 ** 40 + 3);
});
