/**
 * Receiver-to-sender flow feedback: the FLOW system message `[3, window, inBandwidth]` and the
 * per-peer advertiser that decides when one is worth sending.
 *
 * @module
 */
import { ControlType } from "../wire/control.ts";
import { decodeValue, encodeValue, type ValueLimits } from "../wire/value_codec.ts";

/** Largest value either FLOW field may carry (bytes or bytes/s); larger ones are invalid. */
export const MAX_FLOW_VALUE = 0xffffffff;
/** Smallest `inBandwidth` a sender honours (bytes/s): a tiny cap would starve keepalives. */
export const MIN_PEER_IN_BANDWIDTH = 2048;

/**
 * A decoded FLOW message.
 *
 * @example
 * ```ts
 * import type { FlowMessage } from "./_flow_control.ts";
 * const m: FlowMessage = { window: Infinity, inBandwidth: 200_000 };
 * ```
 */
export interface FlowMessage {
  /** Bytes the receiver can still queue for the application (Infinity = not limiting). */
  readonly window: number;
  /** The receiver's download cap for this link in bytes/s (0 = none). */
  readonly inBandwidth: number;
}

const SMALL: ValueLimits = { maxDepth: 2, maxItems: 8 };
const isField = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_FLOW_VALUE;

/**
 * Encodes a FLOW message (`window` Infinity is sent as nil).
 *
 * @example
 * ```ts
 * import { decodeFlow, encodeFlow } from "./_flow_control.ts";
 * console.log(decodeFlow(encodeFlow({ window: 4096, inBandwidth: 0 }))); // { window: 4096, inBandwidth: 0 }
 * ```
 */
export function encodeFlow(message: FlowMessage): Uint8Array {
  const w = message.window === Infinity ? null : Math.min(MAX_FLOW_VALUE, message.window);
  return encodeValue([ControlType.FLOW, w, Math.min(MAX_FLOW_VALUE, message.inBandwidth)]);
}

/**
 * Decodes an untrusted system payload as FLOW; undefined when it is something else or malformed.
 *
 * @example
 * ```ts
 * import { decodeFlow } from "./_flow_control.ts";
 * console.log(decodeFlow(new Uint8Array([0x92, 0x01, 0x05]))); // undefined (PEER_ADDED)
 * ```
 */
export function decodeFlow(bytes: Uint8Array): FlowMessage | undefined {
  // cheap reject before decoding: a fixarray of 3 starting with the FLOW type
  if (bytes.length < 3 || bytes[0] !== 0x93 || bytes[1] !== ControlType.FLOW) return undefined;
  const r = decodeValue(bytes, SMALL);
  if (!r.ok || !Array.isArray(r.value) || r.value.length !== 3) return undefined;
  const [, w, bw] = r.value;
  if (!(w === null || isField(w)) || !isField(bw)) return undefined;
  return { window: w === null ? Infinity : w, inBandwidth: bw };
}

/**
 * Decides when to tell one sender about our receive window and download cap. Quiet while the
 * queue is less than half full (the window then advertises "not limiting"); below that, a new
 * value goes out whenever it moved by 1/8 of the limit or hit/left zero. The cap is re-sent
 * when it changes by more than a quarter (a server re-splits it as peers come and go).
 *
 * @example
 * ```ts
 * import { FlowAdvertiser } from "./_flow_control.ts";
 * const flow = new FlowAdvertiser();
 * console.log(flow.update(1000, 1000, 0)); // undefined: nothing to say
 * console.log(flow.update(100, 1000, 0)); // { window: 100, inBandwidth: 0 }
 * console.log(flow.update(90, 1000, 0)); // undefined: moved less than 1/8
 * console.log(flow.update(800, 1000, 0)); // { window: Infinity, inBandwidth: 0 }
 * ```
 */
export class FlowAdvertiser {
  #window = Infinity;
  #inBandwidth = 0;

  /** Last advertised window (Infinity = not limiting). */
  get window(): number {
    return this.#window;
  }

  /** Last advertised download cap (0 = none). */
  get inBandwidth(): number {
    return this.#inBandwidth;
  }

  /** Returns the FLOW message to send now (and records it as sent), or undefined. */
  update(freeBytes: number, limitBytes: number, inBandwidth: number): FlowMessage | undefined {
    const free = Math.max(0, Math.floor(freeBytes));
    const target = free >= limitBytes / 2 ? Infinity : free;
    const was = this.#window;
    let changed = target === Infinity
      ? was !== Infinity
      : was === Infinity || Math.abs(target - was) >= limitBytes / 8 ||
        (target === 0) !== (was === 0);
    const bw = Math.max(0, Math.floor(inBandwidth)), oldBw = this.#inBandwidth;
    if ((bw === 0) !== (oldBw === 0) || Math.abs(bw - oldBw) * 4 > oldBw) changed = true;
    if (!changed) return undefined;
    this.#window = target;
    this.#inBandwidth = bw;
    return { window: target, inBandwidth: bw };
  }
}
