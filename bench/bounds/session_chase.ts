/**
 * Bound of the in-process tick by crowd size: what one datagram pays to reach its session's
 * state, with nothing else on the path, when that state is
 *
 * - `chain`: `hops` small objects each reached through the one before (as a datagram reaches host
 *   entry, connection, recovery, sent packets, congestion, channel, queue: every load waits for
 *   the last), allocated interleaved with the other sessions' objects and with garbage, as a
 *   long-running server's are;
 * - `array`: the same objects, allocated the same way, reached from one array per session (every
 *   address known at once, so the loads overlap): what separates the chain's cost from the size
 *   of the state;
 * - `block`: the same fields in one contiguous block per session (one typed array), the shape a
 *   connection core laid out around one state block would have.
 *
 * Each visit picks a session at random (as inputs arrive), reads one field of every object or
 * slot and writes another. At a few hundred sessions everything stays in the caches; at
 * thousands each hop of the chain waits for memory, while the block's loads stream.
 *
 * Run: `deno run bench/bounds/session_chase.ts [hops]`
 *
 * @module
 */

/** How a session's state is laid out (see the module doc). */
export type StateLayout = "chain" | "array" | "block";

interface Link {
  next: Link | undefined;
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

const FIELDS = 8; // numbers per object, and per block slot

/**
 * Microseconds per visit of one session's `hops` objects (or block slots), `sessions` sessions,
 * visited `visits` times in random order (best of `rounds`).
 *
 * @example
 * ```ts
 * import { chaseCost } from "./session_chase.ts";
 * const us = chaseCost(100, 20, "chain", 1000, 1);
 * console.log(us > 0);
 * ```
 */
export function chaseCost(
  sessions: number,
  hops: number,
  layout: StateLayout,
  visits = 200_000,
  rounds = 3,
): number {
  if (layout === "chain") {
    const heads = buildChains(sessions, hops);
    return bestOf(sessions, visits, rounds, (s, v) => {
      let sum = 0;
      for (let o: Link | undefined = heads[s]; o !== undefined; o = o.next) {
        sum += o.a;
        o.b = v;
      }
      return sum;
    });
  }
  if (layout === "array") {
    const lists = buildChains(sessions, hops).map((head) => {
      const list: Link[] = [];
      for (let o: Link | undefined = head; o !== undefined; o = o.next) list.push(o);
      return list;
    });
    return bestOf(sessions, visits, rounds, (s, v) => {
      const list = lists[s];
      let sum = 0;
      for (let i = 0; i < list.length; i++) {
        const o = list[i];
        sum += o.a;
        o.b = v;
      }
      return sum;
    });
  }
  const blocks: Float64Array[] = [];
  for (let s = 0; s < sessions; s++) blocks.push(new Float64Array(hops * FIELDS));
  return bestOf(sessions, visits, rounds, (s, v) => {
    const b = blocks[s];
    let sum = 0;
    for (let i = 0; i < b.length; i += FIELDS) {
      sum += b[i];
      b[i + 1] = v;
    }
    return sum;
  });
}

// microseconds per `visit` of a random session, best of `rounds` passes of `visits` each
function bestOf(
  sessions: number,
  visits: number,
  rounds: number,
  visit: (session: number, v: number) => number,
): number {
  let best = Infinity, sink = 0;
  for (let r = 0; r < rounds; r++) {
    let x = 12345 + r;
    const t0 = performance.now();
    for (let v = 0; v < visits; v++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      sink += visit(x % sessions, v);
    }
    best = Math.min(best, (performance.now() - t0) * 1000 / visits);
  }
  if (sink < 0) console.log(sink); // keeps the loads from being optimized away
  return best;
}

// every session's object j is allocated before any session's object j + 1, with garbage between
function buildChains(sessions: number, hops: number): Link[] {
  const heads: Link[] = [], tails: Link[] = [];
  const keep: number[][] = [];
  for (let j = 0; j < hops; j++) {
    for (let s = 0; s < sessions; s++) {
      const o: Link = { next: undefined, a: j, b: 0, c: 0, d: 0, e: 0, f: 0 };
      if (j === 0) heads.push(o);
      else tails[s].next = o;
      tails[s] = o;
      for (let g = 0; g < 3; g++) keep.push([g, g, g, g]); // other state, live between them
    }
  }
  keep.length = 0;
  return heads;
}

if (import.meta.main) {
  const hops = Number(Deno.args[0] ?? 60);
  for (const sessions of [100, 300, 1000, 3000]) {
    const chain = chaseCost(sessions, hops, "chain"), array = chaseCost(sessions, hops, "array");
    const block = chaseCost(sessions, hops, "block");
    console.log(
      `${String(sessions).padStart(4)} sessions x ${hops} objects: chain ${chain.toFixed(3)} us ` +
        `(${(chain * 1000 / hops).toFixed(1)} ns per hop), array ${array.toFixed(3)} us, ` +
        `block ${block.toFixed(3)} us per visit`,
    );
  }
}
