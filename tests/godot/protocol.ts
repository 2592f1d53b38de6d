/**
 * The puppet's control protocol: its start configuration, the commands it accepts and the events
 * it reports, one JSON object per line. Field names are the puppet's own (snake_case), so what is
 * typed here is exactly what crosses the control connection.
 *
 * @module
 */

/**
 * A Godot transfer mode, by name or by its number (0 unreliable, 1 ordered, 2 reliable).
 *
 * @example
 * ```ts
 * import type { PuppetTransferMode } from "./protocol.ts";
 * const modes: PuppetTransferMode[] = ["reliable", 1, "unreliable"];
 * console.log(modes.length); // 3
 * ```
 */
export type PuppetTransferMode =
  | "unreliable"
  | "unreliable_ordered"
  | "reliable"
  | 0
  | 1
  | 2;

/**
 * How a puppet starts. Only `role` and `wire` are required; every other field has Godot's own
 * default (or the puppet's, noted below). The harness fills `control_port`.
 *
 * @example
 * ```ts
 * import type { PuppetConfig } from "./protocol.ts";
 * const server: PuppetConfig = { role: "server", wire: "enet", port: 24000, max_clients: 4 };
 * const client: PuppetConfig = { role: "client", wire: "websocket", url: "ws://127.0.0.1:24001/" };
 * console.log(server.role, client.wire);
 * ```
 */
export interface PuppetConfig {
  /** `server` listens, `client` connects. */
  role: "server" | "client";
  /** `enet` = NetworkedMultiplayerENet, `websocket` = WebSocketServer/Client with gd_mp_api. */
  wire: "enet" | "websocket";
  /**
   * `raw` (default): the puppet polls its own peer and uses put_packet/get_packet/put_var/get_var.
   * `mp`: the peer is the SceneTree's network_peer; bytes go through `send_bytes` and the
   * `network_peer_packet` signal, and RPCs are possible.
   */
  api?: "raw" | "mp";
  /** ENet client: server address (default 127.0.0.1). */
  address?: string;
  /** ENet server/client and WebSocket server port. Servers get a free one if omitted. */
  port?: number;
  /** WebSocket client: full URL including the path, e.g. `ws://127.0.0.1:24001/`. */
  url?: string;
  /** Servers: address to bind (Godot's default `*` = all; the harness defaults to 127.0.0.1). */
  bind_ip?: string;
  /** WebSocket subprotocols (server: accepted list; client: offered list). */
  protocols?: string[];
  /** WebSocket client: extra HTTP header lines for the upgrade request. */
  custom_headers?: string[];
  /** WebSocket: `[in_kb, in_packets, out_kb, out_packets]` for `set_buffers` (set before start). */
  ws_buffers?: [number, number, number, number];
  /** ENet: 0 none, 1 range coder, 2 FastLZ, 3 zlib, 4 zstd. */
  compression_mode?: 0 | 1 | 2 | 3 | 4;
  /** ENet channel count (Godot's default 3). */
  channel_count?: number;
  /** ENet: send UNRELIABLE as ordered. */
  always_ordered?: boolean;
  /** ENet server: relay client packets to other clients (default true). */
  server_relay?: boolean;
  /** Servers: refuse new connections from the start. */
  refuse_new_connections?: boolean;
  /** ENet channel for user packets (-1 = by transfer mode; 0 is rejected by Godot). */
  transfer_channel?: number;
  /** Initial transfer mode (default reliable). */
  transfer_mode?: PuppetTransferMode;
  /** Initial target peer (default 0 = broadcast). */
  target?: number;
  /** ENet server: `max_clients` (default 32). */
  max_clients?: number;
  /** ENet: incoming bandwidth in bytes/s (0 = unlimited). */
  in_bandwidth?: number;
  /** ENet: outgoing bandwidth in bytes/s (0 = unlimited). */
  out_bandwidth?: number;
  /** ENet client: local UDP port (0 = any). */
  client_port?: number;
  /** How received packets are reported: `bytes` (default) or `var` (decoded Variant). */
  receive?: "bytes" | "var";
  /** Packets larger than this many bytes are reported by SHA-256 instead of hex (default 1024). */
  hash_over?: number;
  /** Allow objects in received Variants (default false, as in Godot). */
  allow_object_decoding?: boolean;
  /** Create the network peer at start (default true); otherwise wait for a `create` command. */
  autostart?: boolean;
  /** The puppet quits after this many milliseconds whatever happens (default 90 000). */
  max_lifetime_ms?: number;
  /** Sleep per frame in microseconds (default 1000: ~1000 frames/s, ~2 % of a core when idle). */
  frame_usec?: number;
}

/**
 * Settings a `send`, `put_var` or `set` command may change; they stay set afterwards.
 *
 * @example
 * ```ts
 * import type { SendOptions } from "./protocol.ts";
 * const options: SendOptions = { mode: "unreliable_ordered", target: -5, channel: 3 };
 * console.log(options.target); // -5
 * ```
 */
export interface SendOptions {
  /** Transfer mode for this and later packets. */
  mode?: PuppetTransferMode;
  /** Target peer for this and later packets (0 all, N one peer, -N all but N). */
  target?: number;
  /** ENet `transfer_channel` for this and later packets (-1 = by mode). */
  channel?: number;
}

/**
 * A command to the puppet. The harness adds `seq`; the puppet answers every command with an
 * {@link AckEvent} carrying the same `seq`.
 *
 * - `send`: one packet (`hex`, `text`, or `size` [+ `seed`] = pattern bytes) or `count` numbered
 *   packets of `size` bytes starting at index `first` (see `numberedPacket` in payloads.ts).
 * - `put_var`: `value` is Godot `var2str` text, built with `str2var` on the puppet.
 * - `rpc` / `rset`: mp mode only; `args` is the var2str text of an Array; with `id` it is
 *   rpc_id / rset_id; `unreliable` picks the *_unreliable variants.
 * - `close`: ENet close_connection, WebSocket server stop, WebSocket client disconnect_from_host;
 *   `detach` also removes the peer from the SceneTree.
 * - `create`: closes the current peer and creates a new one from the start config merged with the
 *   given fields.
 * - `set` changes a live peer; `compression_mode` there only switches among modes 2..4 (Godot
 *   installs the compressor when the peer is created): use `create` for a clean change.
 *
 * @example
 * ```ts
 * import type { PuppetCommand } from "./protocol.ts";
 * const commands: PuppetCommand[] = [
 *   { cmd: "send", hex: "01ff", mode: "unreliable", target: 0 },
 *   { cmd: "send", count: 100, size: 64, mode: "reliable" },
 *   { cmd: "put_var", value: "[ Vector2( 1, 2 ), { \"k\": 3 } ]" },
 *   { cmd: "rpc", method: "rpc_any", args: "[ 1, \"two\" ]", id: 1 },
 * ];
 * console.log(commands.length);
 * ```
 */
export type PuppetCommand =
  | { cmd: "ping" }
  | { cmd: "quit" }
  | { cmd: "status" }
  | { cmd: "peers" }
  | (
    & { cmd: "set" }
    & SendOptions
    & {
      receive?: "bytes" | "var";
      hash_over?: number;
      allow_object_decoding?: boolean;
      refuse_new_connections?: boolean;
      always_ordered?: boolean;
      compression_mode?: 0 | 1 | 2 | 3 | 4;
    }
  )
  | (
    & { cmd: "send" }
    & SendOptions
    & { hex?: string; text?: string; size?: number; seed?: number; count?: number; first?: number }
  )
  | ({ cmd: "put_var"; value: string; full_objects?: boolean } & SendOptions)
  | { cmd: "rpc"; method: string; args?: string; id?: number; unreliable?: boolean; node?: string }
  | {
    cmd: "rset";
    property: string;
    value: string;
    id?: number;
    unreliable?: boolean;
    node?: string;
  }
  | { cmd: "disconnect_peer"; id: number; now?: boolean; code?: number; reason?: string }
  | { cmd: "close"; wait_usec?: number; code?: number; reason?: string; detach?: boolean }
  | ({ cmd: "create" } & Partial<PuppetConfig>);

/**
 * Fields on every event: `t` is the puppet's monotonic clock in ms, `at` Deno's on arrival.
 *
 * @example
 * ```ts
 * import type { EventStamp } from "./protocol.ts";
 * const stamp: EventStamp = { t: 12.5, at: 130.25 };
 * console.log(stamp.at - stamp.t);
 * ```
 */
export interface EventStamp {
  /** Puppet clock (ms since the Godot process started, microsecond resolution). */
  t: number;
  /** Deno's `performance.now()` when the harness received the line. */
  at: number;
}

/**
 * The puppet connected to the harness and (with autostart) created its peer.
 *
 * @example
 * ```ts
 * import type { ReadyEvent } from "./protocol.ts";
 * function listening(e: ReadyEvent): boolean {
 *   return e.err === 0 && e.role === "server";
 * }
 * console.log(typeof listening);
 * ```
 */
export interface ReadyEvent extends EventStamp {
  /** Event name. */
  ev: "ready";
  /** Godot error code of creating the peer (0 = OK; 20 = ERR_CANT_CREATE, e.g. port in use). */
  err: number;
  /** Own unique id (1 for servers; ENet clients know theirs at once, WebSocket clients get 0). */
  id: number;
  /** The configured port. */
  port: number;
  /** Role from the config. */
  role: string;
  /** Wire from the config. */
  wire: string;
  /** Api mode from the config. */
  api: string;
  /** The Godot process id. */
  pid: number;
  /** Godot's version string. */
  godot: string;
}

/**
 * Answer to a command; extra fields depend on the command (see {@link PuppetCommand}).
 *
 * @example
 * ```ts
 * import type { AckEvent } from "./protocol.ts";
 * function connected(ack: AckEvent): boolean {
 *   return ack.ok && ack.status_name === "connected";
 * }
 * console.log(typeof connected);
 * ```
 */
export interface AckEvent extends EventStamp {
  /** Event name. */
  ev: "ack";
  /** The command's sequence number. */
  seq: number;
  /** The command's name. */
  cmd: string;
  /** `err === 0`. */
  ok: boolean;
  /** Godot error code (0 OK, 1 FAILED, 2 ERR_UNAVAILABLE, 31 ERR_INVALID_PARAMETER, ...). */
  err: number;
  /** Why, when the puppet itself refused the command. */
  message?: string;
  /** `send`: how many packets Godot accepted. */
  sent?: number;
  /** `status`/`create`: own unique id. */
  id?: number;
  /** `status`: Godot's connection status (0 disconnected, 1 connecting, 2 connected). */
  status?: number;
  /** `status`: the same as a name. */
  status_name?: "disconnected" | "connecting" | "connected";
  /** `status`: whether the peer refuses new connections. */
  refusing?: boolean;
  /** `status`: current transfer mode. */
  transfer_mode?: number;
  /** `status` (ENet): current transfer channel. */
  transfer_channel?: number;
  /** `status` (ENet): current compression mode. */
  compression_mode?: number;
  /** `status`: packets received so far. */
  packets_received?: number;
  /** `status`: payload bytes received so far (bytes mode). */
  bytes_received?: number;
  /** `peers`: the connected peers (servers also give address and port). */
  peers?: { id: number; address?: string; port?: number }[];
}

/**
 * A packet received in `bytes` mode.
 *
 * @example
 * ```ts
 * import type { PacketEvent } from "./protocol.ts";
 * const e: PacketEvent = { ev: "packet", from: 1, channel: 1, size: 2, hex: "cafe", t: 0, at: 0 };
 * console.log(e.size); // 2
 * ```
 */
export interface PacketEvent extends EventStamp {
  /** Event name. */
  ev: "packet";
  /** Sender id (`get_packet_peer()` / the signal's id). */
  from: number;
  /** ENet channel it arrived on (-1 on WebSocket). */
  channel: number;
  /** Payload size in bytes. */
  size: number;
  /** Payload as lowercase hex (small packets that are not numbered). */
  hex?: string;
  /** Payload SHA-256 as lowercase hex (packets over `hash_over` bytes that are not numbered). */
  sha256?: string;
  /** Index of a numbered packet. */
  index?: number;
  /** Whether a numbered packet's filler bytes are all as sent. */
  intact?: boolean;
}

/**
 * A packet received in `var` mode.
 *
 * @example
 * ```ts
 * import type { VarEvent } from "./protocol.ts";
 * const e: VarEvent = { ev: "var", from: 1, channel: 1, err: 0, value: "Vector2( 1, 2 )", t: 0, at: 0 };
 * console.log(e.value);
 * ```
 */
export interface VarEvent extends EventStamp {
  /** Event name. */
  ev: "var";
  /** Sender id. */
  from: number;
  /** ENet channel (-1 on WebSocket). */
  channel: number;
  /** Godot error of get_var (raw mode); 0 in mp mode. */
  err: number;
  /** The value as var2str text (absent when decoding failed). */
  value?: string;
  /** mp mode: whether var2bytes(value) gives back exactly the received bytes. */
  same_bytes?: boolean;
  /** mp mode: the received bytes as hex (up to `hash_over` bytes). */
  hex?: string;
  /** mp mode: var2bytes(value) as hex, when it differs from the received bytes. */
  again?: string;
}

/**
 * A remote call that reached /root/puppet_rpc.
 *
 * @example
 * ```ts
 * import type { RpcEvent } from "./protocol.ts";
 * const e: RpcEvent = { ev: "rpc", from: 7, method: "rpc_any", args: "[ 1 ]", t: 0, at: 0 };
 * console.log(e.method);
 * ```
 */
export interface RpcEvent extends EventStamp {
  /** Event name. */
  ev: "rpc";
  /** `get_rpc_sender_id()`. */
  from: number;
  /** Which method ran (`rpc_any`, `rpc_sync`, `rpc_master`, `rpc_puppet`, `rpc_two`). */
  method: string;
  /** The arguments as var2str of an Array. */
  args: string;
}

/**
 * A remote property set that reached /root/puppet_rpc.
 *
 * @example
 * ```ts
 * import type { RsetEvent } from "./protocol.ts";
 * const e: RsetEvent = { ev: "rset", from: 7, property: "rvar", value: "3", t: 0, at: 0 };
 * console.log(e.property);
 * ```
 */
export interface RsetEvent extends EventStamp {
  /** Event name. */
  ev: "rset";
  /** `get_rpc_sender_id()`. */
  from: number;
  /** Which property (`rvar`, `rsync_var`, `rpuppet_var`). */
  property: string;
  /** The value as var2str. */
  value: string;
}

/**
 * A peer joined (`peer_connected`, or the SceneTree's `network_peer_connected` in mp mode).
 *
 * @example
 * ```ts
 * import type { PeerConnectedEvent } from "./protocol.ts";
 * const e: PeerConnectedEvent = { ev: "peer_connected", id: 1, t: 0, at: 0 };
 * console.log(e.id); // 1
 * ```
 */
export interface PeerConnectedEvent extends EventStamp {
  /** Event name. */
  ev: "peer_connected";
  /** The peer's id. */
  id: number;
}

/**
 * A peer left.
 *
 * @example
 * ```ts
 * import type { PeerDisconnectedEvent } from "./protocol.ts";
 * const e: PeerDisconnectedEvent = { ev: "peer_disconnected", id: 9, t: 0, at: 0 };
 * console.log(e.id); // 9
 * ```
 */
export interface PeerDisconnectedEvent extends EventStamp {
  /** Event name. */
  ev: "peer_disconnected";
  /** The peer's id. */
  id: number;
}

/**
 * Client: connected to the server.
 *
 * @example
 * ```ts
 * import type { ConnectionSucceededEvent } from "./protocol.ts";
 * const e: ConnectionSucceededEvent = { ev: "connection_succeeded", id: 42, t: 0, at: 0 };
 * console.log(e.id); // 42
 * ```
 */
export interface ConnectionSucceededEvent extends EventStamp {
  /** Event name. */
  ev: "connection_succeeded";
  /** Own unique id at that moment. */
  id: number;
}

/**
 * Client: connecting failed (WebSocket clients also report any lost connection this way).
 *
 * @example
 * ```ts
 * import type { ConnectionFailedEvent } from "./protocol.ts";
 * const e: ConnectionFailedEvent = { ev: "connection_failed", status: 1, t: 31500, at: 0 };
 * console.log(e.status); // 1: ENet stays "connecting"
 * ```
 */
export interface ConnectionFailedEvent extends EventStamp {
  /** Event name. */
  ev: "connection_failed";
  /** Godot's connection status right after the signal. */
  status: number;
}

/**
 * Client: the server went away.
 *
 * @example
 * ```ts
 * import type { ServerDisconnectedEvent } from "./protocol.ts";
 * const e: ServerDisconnectedEvent = { ev: "server_disconnected", status: 0, t: 0, at: 0 };
 * console.log(e.status); // 0
 * ```
 */
export interface ServerDisconnectedEvent extends EventStamp {
  /** Event name. */
  ev: "server_disconnected";
  /** Godot's connection status right after the signal. */
  status: number;
}

/**
 * WebSocket: the other side asked to close (`client_close_request` / `server_close_request`).
 *
 * @example
 * ```ts
 * import type { CloseRequestEvent } from "./protocol.ts";
 * const e: CloseRequestEvent = { ev: "close_request", id: 1, code: 1000, reason: "", t: 0, at: 0 };
 * console.log(e.code); // 1000
 * ```
 */
export interface CloseRequestEvent extends EventStamp {
  /** Event name. */
  ev: "close_request";
  /** The peer asking (1 = the server, seen by a client). */
  id: number;
  /** Close code. */
  code: number;
  /** Close reason. */
  reason: string;
}

/**
 * Something went wrong on the puppet side (bad command line, lifetime reached).
 *
 * @example
 * ```ts
 * import type { ErrorEvent } from "./protocol.ts";
 * const e: ErrorEvent = { ev: "error", message: "max lifetime reached", t: 0, at: 0 };
 * console.log(e.message);
 * ```
 */
export interface ErrorEvent extends EventStamp {
  /** Event name. */
  ev: "error";
  /** What happened. */
  message: string;
}

/**
 * Every event a puppet reports; `ev` tells them apart.
 *
 * @example
 * ```ts
 * import type { PuppetEvent } from "./protocol.ts";
 * function describe(e: PuppetEvent): string {
 *   return e.ev === "packet" ? `${e.size} B from ${e.from}` : e.ev;
 * }
 * console.log(describe({ ev: "peer_connected", id: 5, t: 1, at: 2 }));
 * ```
 */
export type PuppetEvent =
  | ReadyEvent
  | AckEvent
  | PacketEvent
  | VarEvent
  | RpcEvent
  | RsetEvent
  | PeerConnectedEvent
  | PeerDisconnectedEvent
  | ConnectionSucceededEvent
  | ConnectionFailedEvent
  | ServerDisconnectedEvent
  | CloseRequestEvent
  | ErrorEvent;

/**
 * The event type whose `ev` is `K`.
 *
 * @example
 * ```ts
 * import type { EventOf } from "./protocol.ts";
 * const e: EventOf<"packet"> = { ev: "packet", from: 1, channel: -1, size: 0, t: 0, at: 0 };
 * console.log(e.ev);
 * ```
 */
export type EventOf<K extends PuppetEvent["ev"]> = Extract<PuppetEvent, { ev: K }>;

/**
 * Godot 3.2 error codes the puppet reports most often (`err` fields).
 *
 * @example
 * ```ts
 * import { GodotError } from "./protocol.ts";
 * console.log(GodotError.ERR_CANT_CREATE); // 20
 * ```
 */
export const GodotError = {
  /** Success. */
  OK: 0,
  /** Generic failure. */
  FAILED: 1,
  /** Not available (e.g. a channel on WebSocket). */
  ERR_UNAVAILABLE: 2,
  /** Not set up (no peer, wrong api mode). */
  ERR_UNCONFIGURED: 3,
  /** Out of memory / buffer full. */
  ERR_OUT_OF_MEMORY: 6,
  /** Could not create (e.g. the port is taken). */
  ERR_CANT_CREATE: 20,
  /** Bad argument. */
  ERR_INVALID_PARAMETER: 31,
  /** Already in use. */
  ERR_ALREADY_IN_USE: 22,
  /** Does not exist (unknown peer or node). */
  ERR_DOES_NOT_EXIST: 33,
  /** Bad data (bad hex, args not an Array, undecodable Variant). */
  ERR_INVALID_DATA: 30,
  /** Busy. */
  ERR_BUSY: 44,
} as const;
