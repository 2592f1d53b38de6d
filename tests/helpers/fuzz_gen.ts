/**
 * Seeded generators of hostile datagrams for the fuzz tests: random bytes, mutations of captured
 * real datagrams (bit flips, truncations, extensions, oversized length headers), deep msgpack
 * nesting, huge declared arrays and maps, `__proto__` keys, wrong protocol versions.
 *
 * @module
 */
import { SeededRandom } from "../../protocol/random.ts";
import { PROTOCOL_VERSION } from "../../protocol/constants.ts";

const PROTO_MAP = [0x81, 0xa9, ...new TextEncoder().encode("__proto__"), 0x81, 0xa8];
const POLLUTED = [...new TextEncoder().encode("polluted"), 0xc3];
// length headers that declare far more than any datagram holds
const HUGE = [
  [0xdd, 0xff, 0xff, 0xff, 0xff],
  [0xdf, 0xff, 0xff, 0xff, 0xff],
  [0xc6, 0x7f, 0xff, 0xff, 0xff],
  [0xdb, 0xff, 0xff, 0xff, 0xff],
  [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0xdc, 0xff, 0xff],
];

/** Parses the corpus's hex strings. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Deterministic generator of hostile datagrams from a seed and a pool of real datagrams. */
export class FuzzGen {
  readonly rnd: SeededRandom;
  readonly #samples: Uint8Array[];

  /** `samples` are captured genuine datagrams to mutate (may grow while fuzzing). */
  constructor(seed: number, samples: Uint8Array[]) {
    this.rnd = new SeededRandom(seed);
    this.#samples = samples;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return this.rnd.nextU32() % n;
  }

  /** One hostile datagram. */
  next(): Uint8Array {
    const k = this.int(10);
    if (k < 5 && this.#samples.length > 0) return this.mutate(this.#pick());
    if (k < 7) return this.rnd.fill(new Uint8Array(this.int(1400)));
    return this.crafted();
  }

  /** Mutation of a genuine datagram. */
  mutate(src: Uint8Array): Uint8Array {
    let b = src.slice();
    const rounds = 1 + this.int(3);
    for (let r = 0; r < rounds && b.length > 0; r++) {
      switch (this.int(6)) {
        case 0: // bit flips
          for (let i = 0, n = 1 + this.int(4); i < n; i++) {
            b[this.int(b.length)] ^= 1 << this.int(8);
          }
          break;
        case 1: // truncation
          b = b.slice(0, this.int(b.length));
          break;
        case 2: { // extension
          const out = new Uint8Array(b.length + 1 + this.int(64));
          out.set(b);
          this.rnd.fill(out.subarray(b.length));
          b = out;
          break;
        }
        case 3: // interesting byte
          b[this.int(b.length)] = [0x00, 0xff, 0x7f, 0x80, 0xc1, 0xd7][this.int(6)];
          break;
        case 4: { // oversized length header spliced in
          const h = HUGE[this.int(HUGE.length)];
          const at = this.int(b.length);
          for (let i = 0; i < h.length && at + i < b.length; i++) b[at + i] = h[i];
          break;
        }
        default: // wrong protocol version in the magic
          if (b.length > 4) b[3] = this.int(256);
      }
    }
    return b;
  }

  /** Structurally nasty msgpack behind one of our prefixes. */
  crafted(): Uint8Array {
    const prefix = [
      0x9f,
      0xcd,
      0xd7,
      this.int(4) === 0 ? this.int(256) : PROTOCOL_VERSION,
      this.int(8),
    ];
    switch (this.int(5)) {
      case 0: { // deep nesting
        const depth = 100 + this.int(20_000);
        return new Uint8Array([...prefix, ...new Array(depth).fill(0x91), 0xc0]);
      }
      case 1: // huge declared containers
        return new Uint8Array([...prefix, ...HUGE[this.int(HUGE.length)], 0, 0, 0]);
      case 2: // __proto__ keys
        return new Uint8Array([...prefix, ...PROTO_MAP, ...POLLUTED]);
      case 3: { // DATA header then a message claiming a huge bin
        const head = [
          0x98,
          0xcd,
          0xd7,
          PROTOCOL_VERSION,
          0x00,
          0xce,
          ...this.rnd.fill(new Uint8Array(4)),
        ];
        return new Uint8Array([...head, 1, 0, 0, 0, 0, 0x92, 0x02, 0xc6, 0x7f, 0xff, 0xff, 0xff]);
      }
      default: // handshake types with random fields
        return new Uint8Array([
          ...prefix.slice(0, 4),
          1 + this.int(6),
          ...this.rnd.fill(
            new Uint8Array(this.int(200)),
          ),
        ]);
    }
  }

  #pick(): Uint8Array {
    return this.#samples[this.int(this.#samples.length)];
  }
}
