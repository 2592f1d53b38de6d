/**
 * Wire constants and default tuning of the ENet 1.3 protocol (the one Godot 3.2 speaks).
 *
 * @module
 */

/**
 * Command numbers (low nibble of a command's first byte).
 *
 * @example
 * ```ts
 * import { EnetCommand } from "./constants.ts";
 * console.log(EnetCommand.SEND_RELIABLE); // 6
 * ```
 */
export const EnetCommand = {
  NONE: 0,
  ACKNOWLEDGE: 1,
  CONNECT: 2,
  VERIFY_CONNECT: 3,
  DISCONNECT: 4,
  PING: 5,
  SEND_RELIABLE: 6,
  SEND_UNRELIABLE: 7,
  SEND_FRAGMENT: 8,
  SEND_UNSEQUENCED: 9,
  BANDWIDTH_LIMIT: 10,
  THROTTLE_CONFIGURE: 11,
  SEND_UNRELIABLE_FRAGMENT: 12,
} as const;
/** One of {@link EnetCommand}'s values. */
export type EnetCommand = typeof EnetCommand[keyof typeof EnetCommand];

/**
 * Fixed size in bytes (4-byte command header included, payload excluded) of each command,
 * indexed by command number; 0 marks numbers that are not commands.
 *
 * @example
 * ```ts
 * import { COMMAND_SIZES, EnetCommand } from "./constants.ts";
 * console.log(COMMAND_SIZES[EnetCommand.CONNECT]); // 48
 * ```
 */
export const COMMAND_SIZES: readonly number[] = [0, 8, 48, 44, 8, 4, 6, 8, 24, 8, 12, 16, 24];

/**
 * Bits of a command's first byte and of the datagram header's peer word.
 *
 * @example
 * ```ts
 * import { EnetFlag } from "./constants.ts";
 * console.log((0x86 & EnetFlag.COMMAND_ACKNOWLEDGE) !== 0); // true
 * ```
 */
export const EnetFlag = {
  /** The command wants an ACKNOWLEDGE. */
  COMMAND_ACKNOWLEDGE: 0x80,
  /** The command is outside every sequence (unsequenced data, disconnect-now). */
  COMMAND_UNSEQUENCED: 0x40,
  /** Mask of the command number. */
  COMMAND_MASK: 0x0f,
  /** Header: the body is compressed. */
  HEADER_COMPRESSED: 0x4000,
  /** Header: a 16-bit sent time follows the peer word. */
  HEADER_SENT_TIME: 0x8000,
  /** Header: mask of the 2-bit session id. */
  HEADER_SESSION_MASK: 0x3000,
  /** Header: shift of the 2-bit session id. */
  HEADER_SESSION_SHIFT: 12,
  /** Header: mask of the 12-bit peer index. */
  HEADER_PEER_MASK: 0x0fff,
} as const;

/**
 * Flags of a packet handed to `send` and reported on receive (ENet's packet flag values).
 *
 * @example
 * ```ts
 * import { EnetPacketFlag } from "./constants.ts";
 * const flags = EnetPacketFlag.UNSEQUENCED; // unreliable, no ordering
 * console.log(flags); // 2
 * ```
 */
export const EnetPacketFlag = {
  /** Delivered exactly once, in order on its channel. */
  RELIABLE: 1,
  /** Unreliable and unordered (otherwise unreliable packets are sequenced per channel). */
  UNSEQUENCED: 2,
  /** Send: the data is not copied; the caller must never modify it afterwards. */
  NO_ALLOCATE: 4,
  /** An unreliable packet larger than one fragment goes as unreliable fragments. */
  UNRELIABLE_FRAGMENT: 8,
} as const;

/**
 * Limits fixed by the protocol.
 *
 * @example
 * ```ts
 * import { EnetLimit } from "./constants.ts";
 * console.log(EnetLimit.MAXIMUM_MTU); // 4096
 * ```
 */
export const EnetLimit = {
  MINIMUM_MTU: 576,
  MAXIMUM_MTU: 4096,
  MAXIMUM_PACKET_COMMANDS: 32,
  MINIMUM_WINDOW_SIZE: 4096,
  MAXIMUM_WINDOW_SIZE: 65536,
  MINIMUM_CHANNEL_COUNT: 1,
  MAXIMUM_CHANNEL_COUNT: 255,
  /** Peer index meaning "none yet" (CONNECT); also the largest table size. */
  MAXIMUM_PEER_ID: 0xfff,
  MAXIMUM_FRAGMENT_COUNT: 1024 * 1024,
  /** Channel id of connection-level commands. */
  CONTROL_CHANNEL: 0xff,
} as const;

/**
 * Timing and windowing values libenet uses (and this implementation defaults to).
 *
 * @example
 * ```ts
 * import { EnetDefault } from "./constants.ts";
 * console.log(EnetDefault.ROUND_TRIP_TIME); // 500
 * ```
 */
export const EnetDefault = {
  MTU: 1400,
  BANDWIDTH_THROTTLE_INTERVAL: 1000,
  ROUND_TRIP_TIME: 500,
  PACKET_THROTTLE: 32,
  PACKET_THROTTLE_SCALE: 32,
  PACKET_THROTTLE_COUNTER: 7,
  PACKET_THROTTLE_ACCELERATION: 2,
  PACKET_THROTTLE_DECELERATION: 2,
  PACKET_THROTTLE_INTERVAL: 5000,
  PACKET_LOSS_SCALE: 1 << 16,
  PACKET_LOSS_INTERVAL: 10000,
  WINDOW_SIZE_SCALE: 64 * 1024,
  TIMEOUT_LIMIT: 32,
  TIMEOUT_MINIMUM: 5000,
  TIMEOUT_MAXIMUM: 30000,
  PING_INTERVAL: 500,
  UNSEQUENCED_WINDOWS: 64,
  UNSEQUENCED_WINDOW_SIZE: 1024,
  FREE_UNSEQUENCED_WINDOWS: 32,
  RELIABLE_WINDOWS: 16,
  RELIABLE_WINDOW_SIZE: 0x1000,
  FREE_RELIABLE_WINDOWS: 8,
} as const;

/**
 * Size of the datagram header without / with the sent time (no checksum).
 *
 * @example
 * ```ts
 * import { HEADER_SIZE_FULL } from "./constants.ts";
 * console.log(HEADER_SIZE_FULL); // 4
 * ```
 */
export const HEADER_SIZE_FULL = 4;
/**
 * Size of the datagram header without the sent time.
 *
 * @example
 * ```ts
 * import { HEADER_SIZE_SHORT } from "./constants.ts";
 * console.log(HEADER_SIZE_SHORT); // 2
 * ```
 */
export const HEADER_SIZE_SHORT = 2;
