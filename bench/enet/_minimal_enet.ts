/**
 * The least a program must do to answer a libenet client's Godot ping-pong: the ping-pong floor
 * of the ENet-wire benchmark. One client, no state machine, no timers, no retransmission, no
 * allocation per datagram: each datagram in gets at most one datagram out, carrying the
 * acknowledgements it asks for and, for each new reliable message on Godot's reliable channel,
 * that message back (Godot header rewritten: source 1, target the client). It answers CONNECT
 * with VERIFY_CONNECT (sessions 0, the client's parameters echoed) so the C client runs exactly
 * the ENet code it runs against a real server. Written from the wire layout, independent of
 * `protocol/enet/` (a floor must not share the code it is compared with).
 *
 * @module
 */

/** Command numbers and flags used here. */
const ACKNOWLEDGE = 1, CONNECT = 2, VERIFY_CONNECT = 3, SEND_RELIABLE = 6;
const FLAG_ACK = 0x80, HAS_SENT_TIME = 0x8000;
/** Full size of each command (header included), by number; 0 = variable or unknown. */
const COMMAND_SIZE = [0, 8, 48, 44, 8, 4, 6, 8, 24, 8, 12, 16, 24];
/** Commands followed by a u16 data length at offset `DATA_LENGTH_AT[n]`. */
const DATA_LENGTH_AT: Record<number, number> = { 6: 4, 7: 6, 8: 6, 9: 6, 12: 6 };
const RELIABLE_CHANNEL = 1, SERVER_ID = 1, GODOT_HEADER = 8, CONTROL_CHANNEL = 0xff;

/**
 * Answers one libenet client (see the module docs). Datagrams are read from `input` (a receive
 * buffer) and answers written to `output`, both reused for every datagram.
 *
 * @example
 * ```ts
 * import { MinimalEnetEcho } from "./_minimal_enet.ts";
 * const input = new Uint8Array(4096), output = new Uint8Array(8192);
 * const echo = new MinimalEnetEcho(input, output);
 * input.set([0x0f, 0xff]);
 * console.log(echo.answer(2, 0)); // 0: nothing to answer
 * ```
 */
export class MinimalEnetEcho {
  readonly #in: Uint8Array;
  readonly #inView: DataView;
  readonly #out: Uint8Array;
  readonly #outView: DataView;
  /** The client's index for us (its CONNECT's outgoing peer id); -1 before CONNECT. */
  #clientIndex = -1;
  #clientId = 0;
  /** Last reliable sequence seen from the client on the reliable channel (duplicates skipped). */
  #lastIn = 0;
  /** Our reliable sequence on that channel. */
  #lastOut = 0;

  /** An echo reading datagrams from `input` and writing answers to `output`. */
  constructor(input: Uint8Array, output: Uint8Array) {
    this.#in = input;
    this.#inView = new DataView(input.buffer, input.byteOffset, input.byteLength);
    this.#out = output;
    this.#outView = new DataView(output.buffer, output.byteOffset, output.byteLength);
  }

  /**
   * Answers the `length`-byte datagram at the start of the input buffer: the answer's length at
   * the start of the output buffer (0: nothing to send). Never throws; a malformed datagram is
   * answered up to its first bad command.
   */
  answer(length: number, now: number): number {
    const datagram = this.#in, inView = this.#inView, out = this.#out, outView = this.#outView;
    const end = Math.min(length, datagram.length);
    if (end < 2) return 0;
    const peerWord = inView.getUint16(0);
    let at = 2;
    let sentTime = 0;
    if (peerWord & HAS_SENT_TIME) {
      if (end < 4) return 0;
      sentTime = inView.getUint16(2);
      at = 4;
    }
    let used = 4; // our header, written last
    for (let commands = 0; commands < 32 && at + 4 <= end; commands++) {
      const command = datagram[at], number = command & 0x0f, channel = datagram[at + 1];
      const seq = inView.getUint16(at + 2);
      let size = COMMAND_SIZE[number] ?? 0;
      if (size === 0 || at + size > end) break;
      const lengthAt = DATA_LENGTH_AT[number];
      if (lengthAt !== undefined) size += inView.getUint16(at + lengthAt);
      if (at + size > end) break;
      if (number === CONNECT) {
        used = this.#verify(at, used);
      } else if (this.#clientIndex >= 0 && number !== ACKNOWLEDGE) {
        if ((command & FLAG_ACK) && used + 8 <= out.length) {
          out[used] = ACKNOWLEDGE;
          out[used + 1] = channel;
          outView.setUint16(used + 2, seq);
          outView.setUint16(used + 4, seq);
          outView.setUint16(used + 6, sentTime);
          used += 8;
        }
        if (number === SEND_RELIABLE && channel === RELIABLE_CHANNEL && seq !== this.#lastIn) {
          this.#lastIn = seq;
          used = this.#echo(at, size, used);
        }
      }
      at += size;
    }
    if (used === 4 || this.#clientIndex < 0) return 0;
    outView.setUint16(0, HAS_SENT_TIME | this.#clientIndex); // sessions 0
    outView.setUint16(2, now & 0xffff);
    return used;
  }

  /** VERIFY_CONNECT for the CONNECT at `at`: our index 0, sessions 0, its parameters echoed. */
  #verify(at: number, used: number): number {
    const inView = this.#inView, out = this.#outView;
    if (used + 44 > out.byteLength) return used;
    this.#clientIndex = inView.getUint16(at + 4) & 0x0fff;
    this.#clientId = inView.getUint32(at + 44);
    this.#lastIn = 0;
    this.#lastOut = 0;
    out.setUint8(used, VERIFY_CONNECT | FLAG_ACK);
    out.setUint8(used + 1, CONTROL_CHANNEL);
    out.setUint16(used + 2, 1); // our first connection-level reliable command
    out.setUint16(used + 4, 0); // our index for the client
    out.setUint8(used + 6, 0);
    out.setUint8(used + 7, 0);
    // mtu, window, channel count, bandwidths, throttle settings and connect id, as asked
    for (let f = 8; f < 44; f += 4) out.setUint32(used + f, inView.getUint32(at + f));
    return used + 44;
  }

  /** SEND_RELIABLE back on the reliable channel: the message with the header server -> client. */
  #echo(at: number, size: number, used: number): number {
    const out = this.#outView, length = size - 6;
    if (length < GODOT_HEADER || used + size > out.byteLength) return used;
    out.setUint8(used, SEND_RELIABLE | FLAG_ACK);
    out.setUint8(used + 1, RELIABLE_CHANNEL);
    out.setUint16(used + 2, this.#lastOut = (this.#lastOut + 1) & 0xffff);
    out.setUint16(used + 4, length);
    out.setUint32(used + 6, SERVER_ID, true);
    out.setUint32(used + 10, this.#clientId, true);
    const from = this.#in, to = this.#out, delta = used - at;
    for (let i = at + 6 + GODOT_HEADER; i < at + size; i++) to[i + delta] = from[i];
    return used + size;
  }
}
