import assert from "node:assert/strict";
import { isValidUtf8 } from "./utf8.ts";
import { SeededRandom } from "../random.ts";

const strict = new TextDecoder("utf-8", { fatal: true });
function reference(bytes: Uint8Array): boolean {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

Deno.test("utf8: accepts well-formed text, including 4-byte forms and the range ends", () => {
  const enc = new TextEncoder();
  for (const text of ["", "ascii", "héllo", "€uro", "𝄞 clef", "\u{10ffff}", "\u{d7ff}\u{e000}"]) {
    assert.equal(isValidUtf8(enc.encode(text)), true, text);
  }
});

Deno.test("utf8: rejects overlongs, surrogates, truncation, stray continuations, > U+10FFFF", () => {
  const bad = [
    [0x80],
    [0xbf],
    [0xc0, 0x80], // overlong NUL
    [0xc1, 0xbf],
    [0xe0, 0x80, 0x80], // overlong
    [0xe0, 0x9f, 0xbf],
    [0xed, 0xa0, 0x80], // U+D800
    [0xed, 0xbf, 0xbf], // U+DFFF
    [0xf0, 0x80, 0x80, 0x80], // overlong
    [0xf0, 0x8f, 0xbf, 0xbf],
    [0xf4, 0x90, 0x80, 0x80], // U+110000
    [0xf5, 0x80, 0x80, 0x80],
    [0xff],
    [0xc3], // truncated
    [0xe2, 0x82], // truncated
    [0xf0, 0x9d, 0x84], // truncated
    [0x41, 0xc3, 0x41],
  ];
  for (const bytes of bad) {
    assert.equal(isValidUtf8(new Uint8Array(bytes)), false, bytes.join(","));
    assert.equal(reference(new Uint8Array(bytes)), false, "reference agrees");
  }
});

Deno.test("utf8: agrees with a fatal TextDecoder on random and near-valid input", () => {
  const rnd = new SeededRandom(11);
  const enc = new TextEncoder();
  for (let round = 0; round < 3000; round++) {
    let bytes: Uint8Array;
    if (round % 2 === 0) {
      bytes = rnd.fill(new Uint8Array(rnd.nextU32() % 12));
    } else {
      // valid text with one byte flipped: exercises every boundary of multi-byte forms
      const text = String.fromCodePoint(
        ...Array.from({ length: 4 }, () => rnd.nextU32() % 0x10ffff)
          .map((c) => (c >= 0xd800 && c <= 0xdfff ? 0x41 : c)),
      );
      bytes = enc.encode(text);
      bytes[rnd.nextU32() % bytes.length] = rnd.nextU32() & 0xff;
    }
    assert.equal(isValidUtf8(bytes), reference(bytes), Array.from(bytes).join(","));
  }
});

Deno.test("utf8: validates a sub-range only", () => {
  const bytes = new Uint8Array([0xff, 0x41, 0x42, 0xff]);
  assert.equal(isValidUtf8(bytes, 1, 3), true);
  assert.equal(isValidUtf8(bytes, 0, 3), false);
});
