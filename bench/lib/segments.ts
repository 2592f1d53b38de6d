/**
 * Interleaved ping-pong: the floor's pair and ours run their round trips in alternating segments
 * while all four processes stay up, so both see the same machine. On a VM whose speed swings
 * within seconds, two ping-pongs run one after the other (~20 s apart) differ by up to 2x on
 * their own; the interleaved ratio does not depend on when each happened to run.
 *
 * Each child first warms up for a time, not a count of round trips: at a few thousand round trips a
 * second the JIT keeps optimizing the path for seconds, and the steady state is what a long-running
 * server lives in.
 *
 * Child side: {@link SegmentGate} queues the parent's `go` commands and {@link runSegments} runs
 * each one. Parent side: {@link interleave} sends them and pools the samples.
 *
 * @module
 */
import { emit } from "./child_io.ts";

/** One segment the parent asks for: at least `rounds` round trips and `ms` milliseconds. */
export interface SegmentCommand {
  /** Round trips to run, at least. */
  readonly rounds: number;
  /** Milliseconds to run, at least (warm-up segments). */
  readonly ms: number;
  /** Round trips at the start of the segment left out of the samples (after the pause). */
  readonly lead: number;
  /** False for warm-up: no samples are returned. */
  readonly measure: boolean;
}

/**
 * The child's queue of `go` commands; {@link SegmentGate.next} resolves with the next one, or
 * undefined once closed.
 *
 * @example
 * ```ts
 * import { SegmentGate } from "./segments.ts";
 * const gate = new SegmentGate();
 * gate.push({ cmd: "go", rounds: 10, ms: 0, lead: 2, measure: true });
 * console.log((await gate.next())?.rounds); // 10
 * gate.close();
 * console.log(await gate.next()); // undefined
 * ```
 */
export class SegmentGate {
  #queue: SegmentCommand[] = [];
  #waiter?: (command: SegmentCommand | undefined) => void;
  #closed = false;

  /** Queues a `go` command from the parent (other commands are ignored). */
  push(command: { readonly cmd: string; readonly [key: string]: unknown }): void {
    if (command.cmd !== "go" || this.#closed) return;
    const go: SegmentCommand = {
      rounds: Number(command.rounds ?? 0),
      ms: Number(command.ms ?? 0),
      lead: Number(command.lead ?? 0),
      measure: command.measure !== false,
    };
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) waiter(go);
    else this.#queue.push(go);
  }

  /** The next command, waiting for it if none is queued; undefined after {@link close}. */
  next(): Promise<SegmentCommand | undefined> {
    const queued = this.#queue.shift();
    if (queued || this.#closed) return Promise.resolve(queued);
    return new Promise((resolve) => this.#waiter = resolve);
  }

  /** No more segments: a pending {@link next} resolves with undefined. */
  close(): void {
    this.#closed = true;
    this.#waiter?.(undefined);
    this.#waiter = undefined;
  }
}

/**
 * Runs the parent's segments until the gate closes or `running()` turns false. `roundTrip(i)`
 * does round trip `i` (1, 2, ...; numbering continues across segments) and returns its time in
 * ms, or NaN when the echo did not match. Each segment ends with a `segment` event carrying its
 * samples (none for warm-up) and its mismatches.
 *
 * @example
 * ```ts ignore
 * import { runSegments, SegmentGate } from "./segments.ts";
 * const gate = new SegmentGate();
 * await runSegments(gate, () => true, () => Promise.resolve(0.05));
 * ```
 */
export async function runSegments(
  gate: SegmentGate,
  running: () => boolean,
  roundTrip: (i: number) => Promise<number>,
): Promise<void> {
  let i = 1;
  for (let go = await gate.next(); go && running(); go = await gate.next()) {
    const samples: number[] = [];
    let mismatches = 0;
    const started = performance.now();
    for (let n = 0; running() && (n < go.rounds || performance.now() - started < go.ms); n++) {
      const ms = await roundTrip(i++);
      if (Number.isNaN(ms)) mismatches++;
      else if (go.measure && n >= go.lead) samples.push(ms);
    }
    emit("segment", { samples, mismatches });
  }
}

/** A child that answers `go` commands with `segment` events (see {@link runSegments}). */
export interface SegmentChild {
  /** Sends one command line to the child. */
  send(command: Record<string, unknown>): Promise<void>;
  /** Waits for the child's next event named `ev`. */
  next(ev: string, timeoutMs: number): Promise<Record<string, unknown>>;
}

/** What {@link interleave} returns for each child, in the order given. */
export interface InterleavedSide {
  /** Every measured round trip, ms. */
  readonly samples: number[];
  /** Echoes that did not carry their request's number. */
  readonly mismatches: number;
}

/**
 * Warms each child up in turn for `warmupMs`, then runs `segments` rounds of `rounds / segments`
 * measured round trips per child (plus `lead` unmeasured ones at each start), alternating which
 * child goes first, and pools each child's samples.
 *
 * @example
 * ```ts ignore
 * import { interleave } from "./segments.ts";
 * declare const raw: import("./segments.ts").SegmentChild, ours: typeof raw;
 * const [floor, mine] = await interleave([raw, ours], { warmupMs: 1500, rounds: 2000, segments: 8, lead: 20 }, 60_000);
 * ```
 */
export async function interleave(
  children: readonly SegmentChild[],
  plan: { warmupMs: number; rounds: number; segments: number; lead: number },
  timeoutMs: number,
): Promise<InterleavedSide[]> {
  const sides = children.map(() => ({ samples: [] as number[], mismatches: 0 }));
  const run = async (k: number, go: Record<string, unknown>) => {
    await children[k].send({ cmd: "go", ...go });
    const seg = await children[k].next("segment", timeoutMs);
    sides[k].samples.push(...(seg.samples as number[]));
    sides[k].mismatches += Number(seg.mismatches);
  };
  for (let k = 0; k < children.length; k++) {
    await run(k, { rounds: 0, ms: plan.warmupMs, lead: 0, measure: false });
  }
  const per = Math.ceil(plan.rounds / plan.segments);
  for (let s = 0; s < plan.segments; s++) {
    for (let j = 0; j < children.length; j++) {
      const k = s % 2 === 0 ? j : children.length - 1 - j; // alternate who goes first
      await run(k, { rounds: per + plan.lead, ms: 0, lead: plan.lead, measure: true });
    }
  }
  return sides;
}
