/**
 * The ChaCha20-Poly1305 kernel in WebAssembly, generated here instruction by instruction. WebAssembly
 * has what this cipher wants and JavaScript lacks: 32-bit rotations (`i32.rotl`), 64-bit integer
 * multiplication for Poly1305 (five 26-bit limbs, 25 multiplications per block instead of 36
 * float64 ones on 22-bit limbs), word-wide XOR and no bounds checks per byte.
 *
 * The module has one fixed memory laid out by {@link AEAD_LAYOUT}: the caller copies key, nonce,
 * AAD and data in, calls `seal` or `open`, and copies the result out. Both functions wipe the key
 * and the keystream head (which holds the one-time MAC key) from memory before they return.
 *
 * @module
 */
import { FunctionCode, I32, I64, ModuleWriter, Op, Simd, V128 } from "./_wasm_emitter.ts";

/** Byte offsets in the kernel's memory (two 64 KiB pages). */
export const AEAD_LAYOUT = {
  /** The eight key words, little-endian. */
  key: 0,
  /** The 12-byte nonce. */
  nonce: 32,
  /** The tag `seal` writes (and `open` computes). */
  tag: 48,
  /** The tag `open` checks against (copied from the sealed message). */
  expectedTag: 64,
  /** The two little-endian 64-bit lengths closing the MAC input. */
  lengths: 80,
  /**
   * Keystream blocks 0-3, made in one SIMD pass: block 0's first 32 bytes key the MAC, blocks
   * 1-3 cover the first 192 data bytes.
   */
  keystream: 128,
  /** The AAD, zero-padded in place to 16 bytes. */
  aad: 384,
  /** Most AAD bytes the kernel takes. */
  aadMax: 640,
  /** The data, encrypted or decrypted in place. */
  data: 1024,
  /** Most data bytes the kernel takes (a four-block pass may run 255 bytes past them). */
  dataMax: 2 * 65536 - 1024 - 256,
} as const;

const L = AEAD_LAYOUT;
const MASK26 = 0x3ffffff;
// "expand 32-byte k"
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

// the 16 bytes of an i8x16.shuffle picking 32-bit lanes (0-3: first operand, 4-7: second)
const lanes = (...picks: number[]) =>
  picks.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
// 32-bit rotations by whole bytes are byte shuffles within each lane
const ROTL16 = [0, 1, 2, 3].flatMap((l) => [4 * l + 2, 4 * l + 3, 4 * l, 4 * l + 1]);
const ROTL8 = [0, 1, 2, 3].flatMap((l) => [4 * l + 3, 4 * l, 4 * l + 1, 4 * l + 2]);

/**
 * `chacha(ptr, len, counter)`: XORs the keystream from block `counter` over `len` bytes at `ptr`,
 * rounded up to whole 64-byte blocks: four blocks at a time in SIMD lanes (lane j holds block j's
 * state words) while more than one block remains (a pass may write up to 255 bytes past the end),
 * then the last block alone.
 */
function chachaFunction(): FunctionCode {
  const f = new FunctionCode([I32, I32, I32], []);
  const ptr = 0, len = 1, counter = 2;
  const x = Array.from({ length: 16 }, () => f.local(I32));
  const v = Array.from({ length: 16 }, () => f.local(V128));
  const t = Array.from({ length: 4 }, () => f.local(V128));
  const end = f.local(I32), round = f.local(I32);
  // the input word w of a block: constant, key, counter or nonce
  const input = (w: number) => {
    if (w < 4) f.i32(SIGMA[w]);
    else if (w < 12) f.i32(0).mem(Op.i32Load, 2, L.key + 4 * (w - 4));
    else if (w === 12) f.get(counter);
    else f.i32(0).mem(Op.i32Load, 2, L.nonce + 4 * (w - 13));
  };
  // the same for four consecutive blocks, one per lane
  const inputs = (w: number) => {
    input(w), f.simd(Simd.i32x4Splat);
    if (w === 12) {
      f.simd(
        Simd.v128Const,
        ...lanes(0, 1, 2, 3).map((b) => (b & 3) === 0 ? b >> 2 : 0),
      )
        .simd(Simd.i32x4Add);
    }
  };
  const step = (a: number, b: number, d: number, bits: number) => {
    f.get(x[a]).get(x[b]).op(Op.i32Add).tee(x[a]);
    f.get(x[d]).op(Op.i32Xor).i32(bits).op(Op.i32Rotl).set(x[d]);
  };
  const stepWide = (a: number, b: number, d: number, bits: number) => {
    f.get(v[a]).get(v[b]).simd(Simd.i32x4Add).tee(v[a]);
    f.get(v[d]).simd(Simd.v128Xor).tee(v[d]);
    if (bits === 16 || bits === 8) {
      f.get(v[d]).simd(Simd.i8x16Shuffle, ...(bits === 16 ? ROTL16 : ROTL8));
    } else {
      f.i32(bits).simd(Simd.i32x4Shl);
      f.get(v[d]).i32(32 - bits).simd(Simd.i32x4ShrU).simd(Simd.v128Or);
    }
    f.set(v[d]);
  };
  const doubleRound = (s: (a: number, b: number, d: number, bits: number) => void) => {
    const quarter = (a: number, b: number, c: number, d: number) => {
      s(a, b, d, 16), s(c, d, b, 12), s(a, b, d, 8), s(c, d, b, 7);
    };
    quarter(0, 4, 8, 12), quarter(1, 5, 9, 13), quarter(2, 6, 10, 14), quarter(3, 7, 11, 15);
    quarter(0, 5, 10, 15), quarter(1, 6, 11, 12), quarter(2, 7, 8, 13), quarter(3, 4, 9, 14);
  };
  const rounds = (s: (a: number, b: number, d: number, bits: number) => void) => {
    f.i32(10).set(round);
    f.op(Op.loop, Op.void);
    doubleRound(s);
    f.get(round).i32(1).op(Op.i32Sub).tee(round).brIf(0);
    f.op(Op.end);
  };
  f.get(ptr).get(len).op(Op.i32Add).set(end);
  // four blocks at a time
  f.op(Op.block, Op.void, Op.loop, Op.void);
  f.get(ptr).i32(64).op(Op.i32Add).get(end).op(Op.i32GeU).brIf(1);
  for (let w = 0; w < 16; w++) inputs(w), f.set(v[w]);
  rounds(stepWide);
  for (let w = 0; w < 16; w++) f.get(v[w]), inputs(w), f.simd(Simd.i32x4Add).set(v[w]);
  for (let g = 0; g < 4; g++) { // transpose words 4g..4g+3 of the four blocks, XOR them in
    const [a, b, c, d] = [v[4 * g], v[4 * g + 1], v[4 * g + 2], v[4 * g + 3]];
    f.get(a).get(b).simd(Simd.i8x16Shuffle, ...lanes(0, 4, 1, 5)).set(t[0]);
    f.get(a).get(b).simd(Simd.i8x16Shuffle, ...lanes(2, 6, 3, 7)).set(t[1]);
    f.get(c).get(d).simd(Simd.i8x16Shuffle, ...lanes(0, 4, 1, 5)).set(t[2]);
    f.get(c).get(d).simd(Simd.i8x16Shuffle, ...lanes(2, 6, 3, 7)).set(t[3]);
    for (let j = 0; j < 4; j++) {
      const offset = 64 * j + 16 * g;
      f.get(ptr).get(ptr).simdMem(Simd.v128Load, 0, offset);
      f.get(t[j < 2 ? 0 : 1]).get(t[j < 2 ? 2 : 3]);
      f.simd(Simd.i8x16Shuffle, ...(j % 2 === 0 ? lanes(0, 1, 4, 5) : lanes(2, 3, 6, 7)));
      f.simd(Simd.v128Xor).simdMem(Simd.v128Store, 0, offset);
    }
  }
  f.get(ptr).i32(256).op(Op.i32Add).set(ptr);
  f.get(counter).i32(4).op(Op.i32Add).set(counter);
  f.br(0);
  f.op(Op.end, Op.end);
  // the rest one block at a time
  f.op(Op.block, Op.void, Op.loop, Op.void);
  f.get(ptr).get(end).op(Op.i32GeU).brIf(1);
  for (let w = 0; w < 16; w++) input(w), f.set(x[w]);
  rounds(step);
  for (let w = 0; w < 16; w++) {
    f.get(ptr).get(ptr).mem(Op.i32Load, 0, 4 * w);
    f.get(x[w]);
    input(w);
    f.op(Op.i32Add, Op.i32Xor).mem(Op.i32Store, 0, 4 * w);
  }
  f.get(ptr).i32(64).op(Op.i32Add).set(ptr);
  f.get(counter).i32(1).op(Op.i32Add).set(counter);
  f.br(0);
  f.op(Op.end, Op.end);
  return f;
}

/** `zeroPad(ptr)`: zeroes from `ptr` up to the next multiple of 16. */
function zeroPadFunction(): FunctionCode {
  const f = new FunctionCode([I32], []);
  f.op(Op.block, Op.void, Op.loop, Op.void);
  f.get(0).i32(15).op(Op.i32And, Op.i32Eqz).brIf(1);
  f.get(0).i32(0).mem(Op.i32Store8, 0, 0);
  f.get(0).i32(1).op(Op.i32Add).set(0);
  f.br(0);
  f.op(Op.end, Op.end);
  return f;
}

/**
 * `mac(aadLen, dataLen)`: Poly1305 over the padded AAD, the padded data and the lengths, keyed
 * by the one-time key, into the tag slot. The padding must already be zero.
 */
function macFunction(): FunctionCode {
  const f = new FunctionCode([I32, I32], []);
  const aadLen = 0, dataLen = 1;
  const limbs = () => Array.from({ length: 5 }, () => f.local(I64));
  const r = limbs(), s = limbs(), r2 = limbs(), s2 = limbs(); // s = 5 r: what wraps past 2^130
  const h = limbs(), d = limbs(), g = limbs(), a = limbs(), b = limbs();
  const p = f.local(I32), end = f.local(I32), mask = f.local(I64);
  // limb i of the 16 bytes at `base + offset`: bits [26i, 26i + 26)
  const limb = (base: () => void, offset: number, i: number) => {
    base();
    f.mem(Op.i64Load32U, 0, offset + [0, 3, 6, 9, 12][i]);
    if (i > 0) f.i64([0, 2, 4, 6, 8][i]).op(Op.i64ShrU);
  };
  // limb i of a message block (the 2^128 bit set), plus `add` when given
  const blockLimb = (offset: number, i: number, add?: number) => {
    if (add !== undefined) f.get(add);
    limb(() => f.get(p), offset, i);
    f.i64(i < 4 ? MASK26 : 1 << 24).op(i < 4 ? Op.i64And : Op.i64Or);
    if (add !== undefined) f.op(Op.i64Add);
  };
  // d = the sum of x * y over the terms, limb k taking x[j] y[k - j] for j <= k and
  // x[j] 5 y[5 + k - j] above (2^130 = 5 modulo p); every sum stays below 2^59
  const multiply = (terms: [number[], number[], number[]][]) => {
    for (let k = 0; k < 5; k++) {
      let first = true;
      for (const [x, y, y5] of terms) {
        for (let j = 0; j < 5; j++) {
          f.get(x[j]).get(j <= k ? y[k - j] : y5[5 + k - j]).op(Op.i64Mul);
          if (!first) f.op(Op.i64Add);
          first = false;
        }
      }
      f.set(d[k]);
    }
  };
  // d carried into `out`: each limb below 2^26, except out[1] by a few bits
  const reduce = (out: number[]) => {
    for (let k = 0; k < 4; k++) {
      f.get(d[k + 1]).get(d[k]).i64(26).op(Op.i64ShrU, Op.i64Add).set(d[k + 1]);
      f.get(d[k]).i64(MASK26).op(Op.i64And).set(out[k]);
    }
    f.get(d[4]).i64(MASK26).op(Op.i64And).set(out[4]);
    f.get(d[4]).i64(26).op(Op.i64ShrU).i64(5).op(Op.i64Mul).get(out[0]).op(Op.i64Add).set(out[0]);
    f.get(out[1]).get(out[0]).i64(26).op(Op.i64ShrU, Op.i64Add).set(out[1]);
    f.get(out[0]).i64(MASK26).op(Op.i64And).set(out[0]);
  };
  const times5 = (from: number[], to: number[]) => {
    for (let i = 1; i < 5; i++) f.get(from[i]).i64(5).op(Op.i64Mul).set(to[i]);
  };
  const clamp = [MASK26, 0x3ffff03, 0x3ffc0ff, 0x3f03fff, 0x00fffff];
  for (let i = 0; i < 5; i++) {
    limb(() => f.i32(0), L.keystream, i);
    f.i64(clamp[i]).op(Op.i64And).set(r[i]);
  }
  times5(r, s);
  // r^2, so two blocks take one carry chain: h = (h + m1) r^2 + m2 r
  multiply([[r, r, s]]);
  reduce(r2);
  times5(r2, s2);
  const absorb = (start: () => void, length: () => void) => {
    start(), f.set(p);
    f.get(p);
    length(), f.i32(15).op(Op.i32Add).i32(~15).op(Op.i32And, Op.i32Add).set(end);
    f.op(Op.block, Op.void, Op.loop, Op.void);
    f.get(p).i32(32).op(Op.i32Add).get(end).op(Op.i32GtU).brIf(1);
    for (let i = 0; i < 5; i++) blockLimb(0, i, h[i]), f.set(a[i]);
    for (let i = 0; i < 5; i++) blockLimb(16, i), f.set(b[i]);
    multiply([[a, r2, s2], [b, r, s]]);
    reduce(h);
    f.get(p).i32(32).op(Op.i32Add).set(p);
    f.br(0);
    f.op(Op.end, Op.end);
    f.get(p).get(end).op(Op.i32LtU, Op.if, Op.void); // one block left
    for (let i = 0; i < 5; i++) blockLimb(0, i, h[i]), f.set(a[i]);
    multiply([[a, r, s]]);
    reduce(h);
    f.op(Op.end);
  };
  absorb(() => f.i32(L.aad), () => f.get(aadLen));
  absorb(() => f.i32(L.data), () => f.get(dataLen));
  f.i32(0).get(aadLen).op(Op.i64ExtendI32U).mem(Op.i64Store, 0, L.lengths);
  f.i32(0).get(dataLen).op(Op.i64ExtendI32U).mem(Op.i64Store, 0, L.lengths + 8);
  absorb(() => f.i32(L.lengths), () => f.i32(16));
  // full carry, then h - p where p = 2^130 - 5; keep it unless it went below zero
  const carry = (from: number, to: number, times5: boolean) => {
    f.get(h[to]).get(h[from]).i64(26).op(Op.i64ShrU);
    if (times5) f.i64(5).op(Op.i64Mul);
    f.op(Op.i64Add).set(h[to]);
    f.get(h[from]).i64(MASK26).op(Op.i64And).set(h[from]);
  };
  carry(1, 2, false), carry(2, 3, false), carry(3, 4, false), carry(4, 0, true);
  carry(0, 1, false);
  f.get(h[0]).i64(5).op(Op.i64Add).set(g[0]);
  for (let i = 1; i < 5; i++) {
    f.get(h[i]).get(g[i - 1]).i64(26).op(Op.i64ShrU, Op.i64Add);
    if (i === 4) f.i64(1 << 26).op(Op.i64Sub);
    f.set(g[i]);
    f.get(g[i - 1]).i64(MASK26).op(Op.i64And).set(g[i - 1]);
  }
  // mask: all ones when g4 did not go negative (h >= p), else zero; no branch on secrets
  f.get(g[4]).i64(63).op(Op.i64ShrU).i64(1).op(Op.i64Sub).set(mask);
  for (let i = 0; i < 5; i++) {
    f.get(g[i]).get(mask).op(Op.i64And);
    f.get(h[i]).get(mask).i64(-1).op(Op.i64Xor, Op.i64And);
    f.op(Op.i64Or).set(h[i]);
  }
  f.get(h[4]).i64(MASK26).op(Op.i64And).set(h[4]);
  // h as four 32-bit words plus s (the key's second half), carried, into the tag
  const word = (i: number) => {
    const lo = h[i], hi = h[i + 1], shift = 6 * i;
    f.get(lo);
    if (shift > 0) f.i64(shift).op(Op.i64ShrU);
    f.get(hi).i64(26 - shift).op(Op.i64Shl, Op.i64Or).i64(0xffffffff).op(Op.i64And);
  };
  const acc = d[0];
  for (let i = 0; i < 4; i++) {
    word(i);
    f.i32(0).mem(Op.i64Load32U, 0, L.keystream + 16 + 4 * i).op(Op.i64Add);
    if (i > 0) f.get(acc).i64(32).op(Op.i64ShrU, Op.i64Add);
    f.set(acc);
    f.i32(0).get(acc).op(Op.i32WrapI64).mem(Op.i32Store, 0, L.tag + 4 * i);
  }
  return f;
}

const CHACHA = 0, ZERO_PAD = 1, MAC = 2, HEAD = 3, DATA = 4;

// zeroes `bytes` (a multiple of 16) at `at`
function wipe(f: FunctionCode, at: number, bytes: number): void {
  for (let o = 0; o < bytes; o += 16) {
    f.i32(0).simd(Simd.v128Const, ...new Array(16).fill(0)).simdMem(Simd.v128Store, 0, at + o);
  }
}

/** `head()`: keystream blocks 0-3 into the keystream slot (one four-block pass over zeroes). */
function headFunction(): FunctionCode {
  const f = new FunctionCode([], []);
  wipe(f, L.keystream, 256);
  f.i32(L.keystream).i32(256).i32(0).call(CHACHA);
  return f;
}

/**
 * `data(dataLen)`: XORs the keystream over the data in place: the first 192 bytes from the
 * keystream slot (blocks 1-3), the rest from block 4 on.
 */
function dataFunction(): FunctionCode {
  const f = new FunctionCode([I32], []);
  for (let o = 0; o < 192; o += 16) {
    f.i32(0).i32(0).simdMem(Simd.v128Load, 0, L.data + o);
    f.i32(0).simdMem(Simd.v128Load, 0, L.keystream + 64 + o);
    f.simd(Simd.v128Xor).simdMem(Simd.v128Store, 0, L.data + o);
  }
  f.get(0).i32(192).op(Op.i32GtU, Op.if, Op.void);
  f.i32(L.data + 192).get(0).i32(192).op(Op.i32Sub).i32(4).call(CHACHA);
  f.op(Op.end);
  return f;
}

function zeroPads(f: FunctionCode, aadLen: number, dataLen: number): void {
  f.i32(L.aad).get(aadLen).op(Op.i32Add).call(ZERO_PAD);
  f.i32(L.data).get(dataLen).op(Op.i32Add).call(ZERO_PAD);
}

/** `seal(aadLen, dataLen)`: encrypts the data in place and writes the tag. */
function sealFunction(): FunctionCode {
  const f = new FunctionCode([I32, I32], []);
  f.call(HEAD);
  f.get(1).call(DATA);
  zeroPads(f, 0, 1);
  f.get(0).get(1).call(MAC);
  wipe(f, L.key, 32), wipe(f, L.keystream, 256);
  return f;
}

/**
 * `open(aadLen, dataLen) -> 1 | 0`: computes the tag over the ciphertext and compares it with the
 * expected one in constant time; only when they match, decrypts the data in place.
 */
function openFunction(): FunctionCode {
  const f = new FunctionCode([I32, I32], [I32]);
  const ok = f.local(I32);
  f.call(HEAD);
  zeroPads(f, 0, 1);
  f.get(0).get(1).call(MAC);
  f.i32(0).mem(Op.i64Load, 0, L.tag).i32(0).mem(Op.i64Load, 0, L.expectedTag).op(Op.i64Xor);
  f.i32(0).mem(Op.i64Load, 0, L.tag + 8).i32(0).mem(Op.i64Load, 0, L.expectedTag + 8);
  f.op(Op.i64Xor, Op.i64Or, Op.i64Eqz).set(ok);
  f.get(ok).op(Op.if, Op.void);
  f.get(1).call(DATA);
  f.op(Op.end);
  wipe(f, L.key, 32), wipe(f, L.keystream, 256), wipe(f, L.tag, 16);
  f.get(ok);
  return f;
}

/**
 * The kernel module's bytes. Exports `memory`, `seal(aadLen, dataLen)`,
 * `open(aadLen, dataLen) -> 1 | 0` and, for tests, `chacha(ptr, len, counter)`.
 *
 * @example
 * ```ts
 * import { aeadKernelBytes } from "./_wasm_aead_module.ts";
 * const module = new WebAssembly.Module(aeadKernelBytes());
 * console.log(WebAssembly.Module.exports(module).map((e) => e.name).join(" "));
 * // memory chacha seal open
 * ```
 */
export function aeadKernelBytes(): Uint8Array<ArrayBuffer> {
  const m = new ModuleWriter(2);
  const chacha = m.addFunction(chachaFunction());
  m.addFunction(zeroPadFunction());
  m.addFunction(macFunction());
  m.addFunction(headFunction());
  m.addFunction(dataFunction());
  m.exportFunction("chacha", chacha);
  m.exportFunction("seal", m.addFunction(sealFunction()));
  m.exportFunction("open", m.addFunction(openFunction()));
  return m.encode();
}
