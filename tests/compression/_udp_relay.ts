/** A loopback UDP relay that can inspect and rewrite every datagram (test helper). @module */

/** Called for every datagram; returns the bytes to forward instead. */
export type Rewrite = (datagram: Uint8Array, toServer: boolean) => Uint8Array;

/**
 * Sits between one client and a server on 127.0.0.1: the client sends to `port`, the relay
 * forwards to the server from its own socket and sends the answers back to the client.
 */
export class UdpRelay {
  readonly port: number;
  #front: Deno.DatagramConn;
  #back: Deno.DatagramConn;
  #loops: Promise<void>[];

  constructor(serverPort: number, rewrite: Rewrite) {
    const server: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: serverPort };
    this.#front = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    this.#back = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    this.port = (this.#front.addr as Deno.NetAddr).port;
    let client: Deno.Addr | undefined;
    const pump = async (from: Deno.DatagramConn, toServer: boolean) => {
      try {
        for await (const [datagram, address] of from) {
          if (toServer) client = address;
          const out = rewrite(datagram, toServer);
          if (toServer) await this.#back.send(out, server);
          else if (client) await this.#front.send(out, client);
        }
      } catch {
        // the socket was closed: the relay is shutting down
      }
    };
    this.#loops = [pump(this.#front, true), pump(this.#back, false)];
  }

  /** Closes both sockets and waits for the relay loops to end. */
  async close(): Promise<void> {
    this.#front.close();
    this.#back.close();
    await Promise.all(this.#loops);
  }
}

/** A UDP port that was free a moment ago (bound to port 0, then released). */
export function freeUdpPort(): number {
  const probe = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  return port;
}
