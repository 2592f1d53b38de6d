/**
 * The WebSocket side of a server peer, shared by `WebSocketMultiplayerPeer` and
 * `MixedMultiplayerPeer`: which wire each request path speaks, the carrier (a listener of its
 * own or embedded upgrades), its carrier tags, the Godot wire's counters, and the sweep that
 * closes sockets that never joined the session.
 *
 * @module
 */
import { DEFAULTS } from "../../protocol/constants.ts";
import { MultiplayerError } from "../../protocol/errors.ts";
import { addressKey } from "../../protocol/address.ts";
import type { Host } from "../../protocol/host/host.ts";
import type { WireFactory } from "../../protocol/host/wire.ts";
import {
  type GodotPacing,
  type GodotWebSocketCounters,
  godotWebSocketWire,
  newGodotWebSocketCounters,
} from "../../protocol/godot/ws_wire.ts";
import type { DatagramTransport } from "../carrier.ts";
import { type WebSocketRoute, WebSocketServerTransport } from "../websocket/server_transport.ts";
import type { ConnectRate } from "../websocket/listener.ts";

/**
 * Which protocol a WebSocket speaks: `"native"` (this module's own framing, with its handshake,
 * channels, transfer modes and msgpack values) or `"godot"` (Godot 3's WebSocketMultiplayerPeer
 * framing, what a Godot `WebSocketClient` / `WebSocketServer` with the multiplayer API speaks;
 * values in Godot's Variant encoding).
 *
 * @example
 * ```ts
 * import type { WebSocketWire } from "./_websocket_server.ts";
 * const wire: WebSocketWire = "godot";
 * ```
 */
export type WebSocketWire = "native" | "godot";

/** Carrier tag of native WebSocket sockets. */
export const NATIVE_WS_TAG = "ws";
/** Carrier tag of Godot WebSocket sockets. */
export const GODOT_WS_TAG = "gws";
/** A Godot client a second behind (Godot reads 64 KiB per poll) is dropped past this. */
const GODOT_MAX_BUFFERED = 1 << 20;
/** Liveness pings of every socket (see `pingIntervalMs`). */
const DEFAULT_PING_INTERVAL_MS = 5000;
/** How often unjoined sockets are looked for, at most. */
const SWEEP_INTERVAL_MS = 1000;

/**
 * The WebSocket side of a server peer: which wire each path speaks, subprotocols, TLS and every
 * bound that protects the listener.
 *
 * @example
 * ```ts
 * import type { WebSocketServingOptions } from "./_websocket_server.ts";
 * const o: WebSocketServingOptions = { paths: { "/": "native", "/godot": "godot" } };
 * ```
 */
export interface WebSocketServingOptions {
  /** Address to bind the listener(s) to (default `"0.0.0.0"`; `"::"` is dual-stack). */
  bindAddress?: string;
  /** The wire spoken on every path (default `"native"`); see `paths` to mix them. */
  wire?: WebSocketWire;
  /**
   * The wire of each request path (e.g. `{ "/": "native", "/godot": "godot" }`); other paths
   * are refused (HTTP 404). A Godot client waits for the server to speak first, so the wire
   * cannot be told from its first message: it is chosen by the path.
   */
  paths?: Readonly<Record<string, WebSocketWire>>;
  /**
   * Subprotocols accepted (`Sec-WebSocket-Protocol`): the first one the client offers that is
   * listed is chosen, and a client offering none of them is refused (HTTP 400). Default: none.
   */
  protocols?: readonly string[];
  /**
   * PEM certificate chain and private key: serve `wss://` (HTML5 exports served over https may
   * only open secure sockets). Standalone servers only; embedded ones use the TLS of their own
   * `Deno.serve`.
   */
  tls?: { readonly cert: string; readonly key: string };
  /** Per-client send buffer bound; a client past it is dropped (default 16 MiB; Godot: 1 MiB). */
  maxBufferedBytes?: number;
  /**
   * A socket that has not joined the session this long after opening (native wire: finished
   * its handshake) is closed with 1008 (default 5000 ms): idle sockets cannot hold slots.
   */
  joinTimeoutMs?: number;
  /**
   * A client whose socket stays backed up this long (it reads nothing while the session has
   * more for it) is dropped with BACKPRESSURE (default 10 000 ms).
   */
  stallTimeoutMs?: number;
  /** Most WebSocket connections open at once, joined or not; more are refused (default 1024). */
  maxSockets?: number;
  /**
   * Every socket is pinged this often, and one that answers nothing for a whole interval after
   * a ping is dropped (default 5000 ms; 0 = off): a Godot WebSocket client that vanished without
   * closing leaves within about twice this. Browsers, Godot and Deno answer pings by themselves.
   */
  pingIntervalMs?: number;
  /** Most sockets per host, IPv4 address or IPv6 /64 (default 16; standalone servers). */
  maxSocketsPerAddress?: number;
  /** WebSocket connects per second per host (default 10/s, burst 20; standalone servers). */
  connectRate?: ConnectRate;
  /**
   * Godot clients: how fast each is fed (default 32 KiB and 512 messages per 33 ms, half its
   * default receive buffer per frame of a 30 fps game).
   */
  godotPacing?: GodotPacing;
}

/** Checks a wire name (INVALID_ARGUMENT otherwise); undefined is native. */
export function checkWire(wire: unknown, name: string): WebSocketWire {
  if (wire === undefined || wire === "native") return "native";
  if (wire === "godot") return "godot";
  throw new MultiplayerError(
    "INVALID_ARGUMENT",
    `${name} must be "native" or "godot", got ${wire}`,
  );
}

/** A validated plan for the WebSocket side of a server. */
export class WebSocketServerPlan {
  /** Some path speaks Godot's wire. */
  readonly godot: boolean;
  /** Some path speaks the native wire. */
  readonly native: boolean;
  /** The Godot wire's drop counters (when it runs). */
  readonly counters?: GodotWebSocketCounters;
  readonly #o: WebSocketServingOptions;
  readonly #routes: (path: string) => WebSocketRoute | undefined;
  readonly #native: WebSocketRoute;
  readonly #godotRoute: WebSocketRoute;

  /** Validates `o` (MultiplayerError INVALID_ARGUMENT). */
  constructor(o: WebSocketServingOptions) {
    this.#o = o;
    const join = o.joinTimeoutMs;
    if (join !== undefined && !(Number.isInteger(join) && join >= 50 && join <= 600_000)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `joinTimeoutMs must be an integer in [50, 600000], got ${join}`,
      );
    }
    const wire = checkWire(o.wire, "wire");
    const paths = new Map<string, WebSocketWire>();
    for (const [path, w] of Object.entries(o.paths ?? {})) {
      if (!path.startsWith("/")) {
        throw new MultiplayerError("INVALID_ARGUMENT", `paths: "${path}" must start with "/"`);
      }
      paths.set(path, checkWire(w, `paths["${path}"]`));
    }
    const wires = paths.size === 0 ? [wire] : [...paths.values()];
    this.godot = wires.includes("godot");
    this.native = wires.includes("native");
    this.counters = this.godot ? newGodotWebSocketCounters() : undefined;
    this.#native = { tag: NATIVE_WS_TAG, protocols: o.protocols };
    this.#godotRoute = {
      tag: GODOT_WS_TAG,
      acceptText: true,
      maxBufferedBytes: Math.min(o.maxBufferedBytes ?? GODOT_MAX_BUFFERED, GODOT_MAX_BUFFERED),
      protocols: o.protocols,
    };
    this.#routes = paths.size === 0 ? () => this.routeOf(wire) : (path) => {
      const w = paths.get(path);
      return w === undefined ? undefined : this.routeOf(w);
    };
  }

  /** The route of sockets speaking `wire`. */
  routeOf(wire: WebSocketWire): WebSocketRoute {
    return wire === "godot" ? this.#godotRoute : this.#native;
  }

  /** The host's plug-in wires for these sockets (Godot's, when some path speaks it). */
  wires(): Record<string, WireFactory> {
    return this.godot
      ? { [GODOT_WS_TAG]: godotWebSocketWire({ pacing: this.#o.godotPacing }, this.counters) }
      : {};
  }

  /** Opens the carrier: a listener on `port`, or (undefined) one for embedded upgrades. */
  async open(port: number | undefined): Promise<WebSocketServerTransport> {
    const o = this.#o;
    const options = {
      maxBufferedBytes: o.maxBufferedBytes,
      maxSockets: o.maxSockets,
      stallTimeoutMs: o.stallTimeoutMs,
      pingIntervalMs: o.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS,
      routes: this.#routes,
    };
    if (port === undefined) return new WebSocketServerTransport(options);
    return await WebSocketServerTransport.listen({
      ...options,
      port,
      hostname: o.bindAddress ?? "0.0.0.0",
      tls: o.tls,
      maxSocketsPerAddress: o.maxSocketsPerAddress,
      connectRate: o.connectRate,
    });
  }

  /** The carrier under each tag its sockets get. */
  tags(ws: WebSocketServerTransport): Record<string, DatagramTransport> {
    const tags: Record<string, DatagramTransport> = {};
    if (this.native) tags[NATIVE_WS_TAG] = ws;
    if (this.godot) tags[GODOT_WS_TAG] = ws;
    return tags;
  }

  /**
   * Closes, every so often, the sockets open longer than the join timeout that are not a peer
   * of `host` (they never joined, or the session dropped them). Returns the stop function.
   */
  startSweep(host: Host, ws: WebSocketServerTransport): () => void {
    const grace = this.#o.joinTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    const timer = setInterval(() => {
      const keys = new Set<string>();
      for (const id of host.peerIds()) {
        const address = host.peerAddress(id);
        if (address) keys.add(addressKey(address));
      }
      ws.closeUnused((a) => keys.has(addressKey(a)), grace, "not in the session");
    }, Math.min(SWEEP_INTERVAL_MS, Math.max(10, grace >> 2)));
    return () => clearInterval(timer);
  }
}
