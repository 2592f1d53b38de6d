/**
 * Clients with a faulty link, built from the same base, host and driver as the real peers: a UDP
 * client that loses datagrams in both directions, and a WebSocket client that can go silent
 * while its socket stays open, or lose its socket without saying goodbye.
 *
 * @module
 */
import { Host } from "../../protocol/host/host.ts";
import { MultiplayerPeerBase } from "../../transport/peers/multiplayer_peer.ts";
import { startPeer } from "../../transport/peers/lifecycle.ts";
import type { DatagramTransport } from "../../transport/carrier.ts";
import { systemClock } from "../../transport/time/clock.ts";
import { UdpTransport } from "../../transport/udp/udp_transport.ts";
import { WebSocketClientTransport } from "../../transport/websocket/client_transport.ts";

/**
 * A UDP client that, once `lossy` is set, drops every `inEvery`-th received and every
 * `outEvery`-th sent datagram (deterministic, so a failure replays).
 *
 * @example
 * ```ts ignore
 * import { LossyUdpClient } from "./faulty_clients.ts";
 * const c = new LossyUdpClient();
 * await c.connect(7000);
 * c.lossy = true;
 * ```
 */
export class LossyUdpClient extends MultiplayerPeerBase {
  /** Start losing datagrams. */
  lossy = false;
  /** Drop every n-th inbound datagram. */
  inEvery = 3;
  /** Drop every n-th outbound datagram. */
  outEvery = 4;
  #in = 0;
  #out = 0;

  /** Connects to the UDP server on 127.0.0.1:`port`. */
  async connect(port: number): Promise<void> {
    await startPeer(this, async (base) => {
      const udp = await UdpTransport.bind({ hostname: "127.0.0.1", port: 0 });
      const transport: DatagramTransport = {
        maxDatagramSize: udp.maxDatagramSize,
        reliable: false,
        localAddress: udp.localAddress,
        listen: (h) =>
          udp.listen((bytes, from) => {
            if (!this.lossy || ++this.#in % this.inEvery !== 0) h(bytes, from);
          }),
        send: (bytes, to) =>
          (this.lossy && ++this.#out % this.outEvery === 0) || udp.send(bytes, to),
        close: () => udp.close(),
      };
      const host = new Host({ ...base, role: "client" });
      const connectTo = { hostname: "127.0.0.1", port, transport: "udp" };
      return { host, transport, clock: systemClock, connectTo };
    });
  }
}

/**
 * A WebSocket client whose link can fail: `silent` stops all traffic both ways while the socket
 * stays open (a hung tab); {@link SilentWsClient.dropSocket} closes the socket without a
 * DISCONNECT (a killed process). It does not watch its own socket, like a crashed client.
 *
 * @example
 * ```ts ignore
 * import { SilentWsClient } from "./faulty_clients.ts";
 * const c = new SilentWsClient();
 * await c.connect("ws://127.0.0.1:8080/");
 * c.silent = true;
 * ```
 */
export class SilentWsClient extends MultiplayerPeerBase {
  /** Drop every datagram both ways (the socket stays open). */
  silent = false;
  #ws?: WebSocketClientTransport;

  /** Connects over WebSocket to `url`; resolves once the socket opened. */
  async connect(url: string): Promise<void> {
    const ws = WebSocketClientTransport.open(url);
    this.#ws = ws;
    await startPeer(this, (base) => {
      const transport: DatagramTransport = {
        maxDatagramSize: ws.maxDatagramSize,
        reliable: true,
        localAddress: ws.localAddress,
        listen: (h) => ws.listen((bytes, from) => this.silent || h(bytes, from)),
        send: (bytes, to) => !this.silent && ws.send(bytes, to),
        close: () => ws.close(),
      };
      const host = new Host({ ...base, role: "client", reliableCarrier: true });
      return Promise.resolve({
        host,
        transport,
        clock: systemClock,
        connectTo: ws.serverAddress,
      });
    });
    await ws.opened;
  }

  /** Closes the socket under the protocol: no DISCONNECT is sent. */
  async dropSocket(): Promise<void> {
    await this.#ws?.close();
  }
}
