/**
 * Loopback test helpers: start a server and clients, record their events, and pump `poll()`
 * until a condition holds (bounded by a deadline; no sleeps).
 *
 * @module
 */
import {
  ConnectionStatus,
  type MultiplayerPeerBase,
  TransferMode,
  UdpMultiplayerPeer,
} from "../../mod.ts";
import type { SimulationOptions, UdpClientOptions, UdpServerOptions } from "../../mod.ts";

/** A peer plus everything it dispatched. */
export interface Recorded<P extends MultiplayerPeerBase = UdpMultiplayerPeer> {
  readonly peer: P;
  readonly events: { type: string; id?: number; reason?: number; message?: string }[];
}

const NAMES = [
  "connection_succeeded",
  "connection_failed",
  "peer_connected",
  "peer_disconnected",
  "server_disconnected",
] as const;

/** Attaches recorders for every event to `peer`. */
export function record<P extends MultiplayerPeerBase>(peer: P): Recorded<P> {
  const r: Recorded<P> = { peer, events: [] };
  for (const name of NAMES) {
    peer.addEventListener(name, (e: Event) => {
      const detail = (e as CustomEvent).detail ?? {};
      r.events.push({ type: name, ...detail });
    });
  }
  return r;
}

/** Polls every peer until `done()` is true; throws after `timeoutMs`. */
export async function pumpUntil(
  peers: Recorded<MultiplayerPeerBase>[],
  done: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    // each poll resolves early on activity; 10 ms bounds the wait when another peer is the busy one
    await Promise.all(peers.map((r) => r.peer.poll(10)));
  }
}

/** Options of {@link startSession}. */
export interface SessionOptions {
  clients?: number;
  server?: UdpServerOptions;
  client?: UdpClientOptions;
  serverRelay?: boolean;
  timeoutMs?: number;
  simulation?: SimulationOptions;
}

/** A server and `clients` connected clients on 127.0.0.1. Close with {@link closeAll}. */
export async function startSession(o: SessionOptions = {}): Promise<{
  server: Recorded;
  clients: Recorded[];
  all: Recorded[];
}> {
  const server = record(new UdpMultiplayerPeer());
  if (o.serverRelay !== undefined) server.peer.serverRelay = o.serverRelay;
  if (o.timeoutMs !== undefined) server.peer.timeoutMs = o.timeoutMs;
  await server.peer.createServer(0, {
    bindAddress: "127.0.0.1",
    simulation: o.simulation,
    ...o.server,
  });
  const clients: Recorded[] = [];
  for (let i = 0; i < (o.clients ?? 3); i++) {
    const c = record(new UdpMultiplayerPeer());
    if (o.timeoutMs !== undefined) c.peer.timeoutMs = o.timeoutMs;
    await c.peer.createClient("127.0.0.1", server.peer.localPort, {
      simulation: o.simulation
        ? { ...o.simulation, seed: (o.simulation.seed ?? 1) + i + 1 }
        : undefined,
      ...o.client,
    });
    clients.push(c);
  }
  const all = [server, ...clients];
  await awaitJoined(server, clients);
  return { server, clients, all };
}

/** Waits until every client is connected and, with relay on, knows every other one. */
export async function awaitJoined(
  server: Recorded<MultiplayerPeerBase>,
  clients: Recorded<MultiplayerPeerBase>[],
): Promise<void> {
  const all = [server, ...clients];
  await pumpUntil(
    all,
    () => clients.every((c) => c.peer.getConnectionStatus() === ConnectionStatus.CONNECTED),
    5000,
    "clients connect",
  );
  // the server announces a client once its first datagram of the session came
  await pumpUntil(
    all,
    () =>
      clients.every((c) =>
        server.events.some((e) => e.type === "peer_connected" && e.id === c.peer.getUniqueId())
      ),
    5000,
    "the server sees every client",
  );
  if (!server.peer.serverRelay) return;
  const want = clients.length; // the server + the other clients
  await pumpUntil(
    all,
    () => clients.every((c) => c.events.filter((e) => e.type === "peer_connected").length === want),
    5000,
    "peer announcements",
  );
}

/**
 * The foundation's reliable soak: `a` sends `n` reliable packets on each of channels 0 and 1
 * to the server, which must get every one exactly once and in order per channel.
 */
export async function reliableSoak(
  server: Recorded<MultiplayerPeerBase>,
  a: Recorded<MultiplayerPeerBase>,
  all: Recorded<MultiplayerPeerBase>[],
  n: number,
  what: string,
): Promise<void> {
  a.peer.setTargetPeer(1);
  a.peer.transferMode = TransferMode.RELIABLE;
  for (let i = 0; i < n; i++) {
    for (const ch of [0, 1]) {
      a.peer.transferChannel = ch;
      a.peer.putVar([ch, i]);
    }
  }
  const next = [0, 0];
  await pumpUntil(
    all,
    () => {
      while (server.peer.getAvailablePacketCount() > 0) {
        const ch = server.peer.getPacketChannel();
        const [vch, i] = server.peer.getVar() as [number, number];
        if (vch !== ch || i !== next[ch]) {
          throw new Error(
            `${what}: channel ${ch}: expected [${ch}, ${next[ch]}], got [${vch}, ${i}]`,
          );
        }
        next[ch]++;
      }
      return next[0] === n && next[1] === n;
    },
    60_000,
    what,
  );
}

/** Closes every peer. */
export async function closeAll(peers: Recorded<MultiplayerPeerBase>[]): Promise<void> {
  await Promise.all(peers.map((r) => r.peer.close()));
}

/** Drains every available packet of `r` as `[from, channel, mode, bytes]`. */
export function drain(r: Recorded<MultiplayerPeerBase>): [number, number, number, Uint8Array][] {
  const out: [number, number, number, Uint8Array][] = [];
  while (r.peer.getAvailablePacketCount() > 0) {
    const from = r.peer.getPacketPeer();
    const channel = r.peer.getPacketChannel();
    const mode = r.peer.getPacketMode();
    out.push([from, channel, mode, r.peer.getPacket()!]);
  }
  return out;
}
