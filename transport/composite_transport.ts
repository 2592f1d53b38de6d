/**
 * One carrier made of several, routed by `PeerAddress.transport`, so one server (one host, one
 * id space) accepts e.g. UDP and WebSocket clients at once.
 *
 * @module
 */
import { MultiplayerError } from "../protocol/errors.ts";
import type { DatagramHandler, DatagramTransport, PeerClosedHandler } from "./carrier.ts";
import type { PeerAddress } from "../protocol/address.ts";

/** One distinct child and the tags it serves (a WebSocket server carries several wires). */
interface Child {
  readonly carrier: DatagramTransport;
  readonly tags: readonly string[];
}

/**
 * Routes each datagram to the child carrier named by `to.transport` (untagged addresses go to
 * `"udp"`) and tags inbound addresses with their child's name. One carrier may serve several
 * tags (a WebSocket server whose routes tag Godot and native sockets apart): its addresses keep
 * their own tag when it is one of them. `reliable` is true only if every child is;
 * {@link CompositeTransport.reliableFor} answers per address. Links opening, closing, blocking
 * and draining are forwarded from every child that reports them.
 *
 * @example
 * ```ts ignore
 * import { CompositeTransport } from "./composite_transport.ts";
 * import { WebSocketServerTransport } from "./websocket/server_transport.ts";
 * declare const udp: import("./carrier.ts").DatagramTransport;
 * const ws = await WebSocketServerTransport.listen({ port: 0 });
 * const both = new CompositeTransport({ udp, ws });
 * both.listen((bytes, from) => both.send(bytes, from)); // echo over whichever carrier it came on
 * await both.close();
 * ```
 */
export class CompositeTransport implements DatagramTransport {
  /** Smallest `maxDatagramSize` of the children (one host budget fits all). */
  readonly maxDatagramSize: number;
  /** True only when every child is reliable. */
  readonly reliable: boolean;
  /** Local address of the first child. */
  readonly localAddress: PeerAddress;
  readonly #byTag: Map<string, DatagramTransport>;
  readonly #children: Child[] = [];

  /** Children by carrier tag (e.g. `{ udp, ws, gws: ws }`); at least one. */
  constructor(children: Readonly<Record<string, DatagramTransport>>) {
    this.#byTag = new Map(Object.entries(children));
    if (this.#byTag.size === 0) {
      throw new MultiplayerError("INVALID_ARGUMENT", "CompositeTransport needs at least one child");
    }
    for (const [tag, carrier] of this.#byTag) {
      const known = this.#children.find((c) => c.carrier === carrier);
      if (known) (known.tags as string[]).push(tag);
      else this.#children.push({ carrier, tags: [tag] });
    }
    const all = this.#children.map((c) => c.carrier);
    this.maxDatagramSize = Math.min(...all.map((c) => c.maxDatagramSize));
    this.reliable = all.every((c) => c.reliable);
    const first = this.#children[0];
    this.localAddress = { ...first.carrier.localAddress, transport: first.tags[0] };
  }

  /** The child carrier of `tag`. */
  child(tag: string): DatagramTransport | undefined {
    return this.#byTag.get(tag);
  }

  /** Whether the child carrying `address` is reliable. */
  reliableFor(address: PeerAddress): boolean {
    return this.#byTag.get(address.transport ?? "udp")?.reliable ?? false;
  }

  /** Starts every child, tagging what each receives. */
  listen(handler: DatagramHandler): void {
    for (const c of this.#children) {
      c.carrier.listen((bytes, from) => handler(bytes, tagged(c, from)));
    }
  }

  /** Forwards every child's link closures. */
  onPeerClosed(handler: PeerClosedHandler): void {
    for (const c of this.#children) {
      c.carrier.onPeerClosed?.((address, code, reason) =>
        handler(tagged(c, address), code, reason)
      );
    }
  }

  /** Forwards every child's link openings. */
  onPeerOpened(handler: (address: PeerAddress) => void): void {
    for (const c of this.#children) {
      c.carrier.onPeerOpened?.((address) => handler(tagged(c, address)));
    }
  }

  /** Forwards every child's drained links. */
  onWritable(handler: (address: PeerAddress) => void): void {
    for (const c of this.#children) {
      c.carrier.onWritable?.((address) => handler(tagged(c, address)));
    }
  }

  /** Whether the link to `to` is backed up (children without flow control: never). */
  isBlocked(to: PeerAddress): boolean {
    return this.#byTag.get(to.transport ?? "udp")?.isBlocked?.(to) ?? false;
  }

  /** Closes the link to `to` on its child (connection-based children only). */
  disconnect(to: PeerAddress, code: number, reason: string): void {
    this.#byTag.get(to.transport ?? "udp")?.disconnect?.(to, code, reason);
  }

  /** Sends on the child named by `to.transport`; false when there is none. */
  send(bytes: Uint8Array, to: PeerAddress): boolean {
    const child = this.#byTag.get(to.transport ?? "udp");
    return child ? child.send(bytes, to) : false;
  }

  /** Closes every child. */
  async close(): Promise<void> {
    await Promise.all(this.#children.map((c) => c.carrier.close()));
  }
}

// Only addresses without one of their child's tags (plain UDP) cost a copy here.
function tagged(child: Child, address: PeerAddress): PeerAddress {
  const tag = address.transport;
  if (tag !== undefined && child.tags.includes(tag)) return address;
  return { ...address, transport: child.tags[0] };
}
