/**
 * Test-only: builds raw datagrams from command descriptions.
 *
 * @module
 */
import { encodeCommand, encodeHeader, type EnetCommandFields, newCommandFields } from "./codec.ts";
import { COMMAND_SIZES } from "./constants.ts";

/**
 * A command to craft: any fields plus an optional payload (its length becomes `dataLength`
 * unless given).
 *
 * @example
 * ```ts
 * import type { CraftedCommand } from "./_craft.ts";
 * const ping: CraftedCommand = { command: 5, flags: 0x80, channelId: 0xff, reliableSeq: 9 };
 * ```
 */
export type CraftedCommand = Partial<EnetCommandFields> & { payload?: Uint8Array };

/**
 * A datagram with the given header fields and commands (sentTime undefined = none).
 *
 * @example
 * ```ts
 * import { craft } from "./_craft.ts";
 * console.log(craft(0, 0, 7, [{ command: 5, flags: 0x80, channelId: 0xff, reliableSeq: 2 }]).length); // 8
 * ```
 */
export function craft(
  peerId: number,
  sessionId: number,
  sentTime: number | undefined,
  commands: CraftedCommand[],
): Uint8Array {
  let size = 4;
  for (const c of commands) {
    size += COMMAND_SIZES[c.command ?? 0] + (c.payload?.length ?? 0);
  }
  const buf = new Uint8Array(size);
  let off = encodeHeader(buf, 0, peerId, sessionId, false, sentTime, false, 0);
  for (const c of commands) {
    const fields = { ...newCommandFields(), ...c };
    if (c.dataLength === undefined) fields.dataLength = c.payload?.length ?? 0;
    off = encodeCommand(buf, off, fields, c.payload, 0);
  }
  return buf.subarray(0, off);
}
