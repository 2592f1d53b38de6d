/**
 * Loopback test helpers: start a server and clients, record their events, and pump `poll()`
 * until a condition holds (bounded by a deadline; no sleeps).
 *
 * @module
 */
import { ConnectionStatus, type MultiplayerPeerBase, UdpMultiplayerPeer } from "../../mod.ts";
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
  await pumpUntil(
    all,
    () => clients.every((c) => c.peer.getConnectionStatus() === ConnectionStatus.CONNECTED),
    5000,
    "clients connect",
  );
  // relay on: wait until every client knows every other one
  if (server.peer.serverRelay) {
    const want = clients.length; // the server + the other clients
    await pumpUntil(
      all,
      () =>
        clients.every((c) => c.events.filter((e) => e.type === "peer_connected").length === want),
      5000,
      "peer announcements",
    );
  }
  return { server, clients, all };
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
