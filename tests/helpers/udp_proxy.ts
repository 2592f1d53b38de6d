/**
 * A one-client UDP proxy on 127.0.0.1 for tests: forwards client <-> server datagrams and lets
 * the test rewrite or drop them on the way (tampering, loss).
 *
 * @module
 */

/** Rewrites a datagram on its way (return undefined to drop it). */
export type Mangle = (bytes: Uint8Array, toServer: boolean) => Uint8Array | undefined;

/** A running proxy; clients connect to `port`. */
export interface UdpProxy {
  readonly port: number;
  /** Current rewrite hook. */
  mangle: Mangle;
  /** Sends `bytes` as if forwarded (to the server from the client's side, or back). */
  inject(bytes: Uint8Array, toServer: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy in front of the server at 127.0.0.1:`serverPort`. */
export function startProxy(serverPort: number): UdpProxy {
  const front = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const back = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const server: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: serverPort };
  let client: Deno.NetAddr | undefined;
  const proxy: UdpProxy = {
    port: (front.addr as Deno.NetAddr).port,
    mangle: (b) => b,
    inject: async (bytes, toServer) => {
      if (toServer) await back.send(bytes, server);
      else if (client) await front.send(bytes, client);
      else throw new Error("no client yet");
    },
    close: async () => {
      front.close();
      back.close();
      await Promise.allSettled(loops);
    },
  };
  const pump = async (from: Deno.DatagramConn, to: Deno.DatagramConn, toServer: boolean) => {
    try {
      for (;;) {
        const [bytes, addr] = await from.receive();
        if (toServer) client = addr as Deno.NetAddr;
        const out = proxy.mangle(bytes, toServer);
        const dest = toServer ? server : client;
        if (out && dest) await to.send(out, dest).catch(() => 0);
      }
    } catch {
      // socket closed
    }
  };
  const loops = [pump(front, back, true), pump(back, front, false)];
  return proxy;
}
