/**
 * One carrier made of several, routed by `PeerAddress.transport`, so one server (one host, one
 * id space) accepts e.g. UDP and WebSocket clients at once.
 *
 * @module
 */
import { MultiplayerError } from "../protocol/errors.ts";
import type { DatagramHandler, DatagramTransport } from "./carrier.ts";
import type { PeerAddress } from "../protocol/address.ts";
import type { PeerClosedHandler } from "./websocket/client_transport.ts";

/** A carrier that may report remotes going away (WebSocket carriers do). */
interface ClosingCarrier extends DatagramTransport {
  onPeerClosed?(handler: PeerClosedHandler): void;
}

/**
 * Routes each datagram to the child carrier named by `to.transport` (untagged addresses go to
 * `"udp"`) and tags inbound addresses with their child's name. `reliable` is true only if every
 * child is; {@link CompositeTransport.reliableFor} answers per address.
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
  #children: Map<string, ClosingCarrier>;

  /** Combines `children`, keyed by carrier tag (e.g. `{ udp, ws }`). */
  constructor(children: Readonly<Record<string, DatagramTransport>>) {
    this.#children = new Map(Object.entries(children));
    if (this.#children.size === 0) {
      throw new MultiplayerError("INVALID_ARGUMENT", "CompositeTransport needs at least one child");
    }
    const all = [...this.#children.values()];
    this.maxDatagramSize = Math.min(...all.map((c) => c.maxDatagramSize));
    this.reliable = all.every((c) => c.reliable);
    const [tag, first] = [...this.#children.entries()][0];
    this.localAddress = { ...first.localAddress, transport: tag };
  }

  /** The child registered under `tag`, if any. */
  child(tag: string): DatagramTransport | undefined {
    return this.#children.get(tag);
  }

  /**
   * Whether datagrams to `address` travel over a reliable ordered child (pass it as the host's
   * `reliableCarrierFor` so each connection's mode follows its carrier).
   */
  reliableFor(address: PeerAddress): boolean {
    return this.#children.get(address.transport ?? "udp")?.reliable ?? false;
  }

  /** Starts every child; inbound addresses carry their child's tag. */
  listen(handler: DatagramHandler): void {
    for (const [tag, child] of this.#children) {
      child.listen((bytes, from) => {
        // Only untagged carriers (plain UDP) cost an address copy here.
        handler(bytes, from.transport === tag ? from : { ...from, transport: tag });
      });
    }
  }

  /** Forwards close reports of children that have them, tagged like inbound addresses. */
  onPeerClosed(handler: PeerClosedHandler): void {
    for (const [tag, child] of this.#children) {
      child.onPeerClosed?.((address, code, reason) => {
        handler(address.transport === tag ? address : { ...address, transport: tag }, code, reason);
      });
    }
  }

  /** Sends over the child named by `to.transport`; false for an unknown tag. */
  send(bytes: Uint8Array, to: PeerAddress): boolean {
    const child = this.#children.get(to.transport ?? "udp");
    return child ? child.send(bytes, to) : false;
  }

  /** Closes every child. */
  async close(): Promise<void> {
    await Promise.all([...this.#children.values()].map((c) => c.close()));
  }
}
