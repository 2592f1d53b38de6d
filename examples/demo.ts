/**
 * `deno task demo`: a server and three clients on loopback, every datagram passing through the
 * link simulator (loss, duplication, latency, jitter). The clients exchange packets in every
 * transfer mode and target form, including client-to-client relay through the server, then the
 * demo prints what was sent, what was delivered and the round-trip times, and exits.
 *
 * @module
 */
import {
  TARGET_PEER_BROADCAST,
  TARGET_PEER_SERVER,
  TransferMode,
  UdpMultiplayerPeer,
} from "../mod.ts";

const CLIENTS = 3;
const PACKETS_PER_MODE = 200;
const simulation = { loss: 0.1, duplicate: 0.05, latencyMs: 15, jitterMs: 5, seed: 7 };
const modes = [
  ["RELIABLE", TransferMode.RELIABLE],
  ["UNRELIABLE_ORDERED", TransferMode.UNRELIABLE_ORDERED],
  ["UNRELIABLE", TransferMode.UNRELIABLE],
] as const;

type Row = { sent: number; delivered: number; outOfOrder: number };
const rows = new Map<string, Row>();
function row(name: string): Row {
  let r = rows.get(name);
  if (!r) rows.set(name, r = { sent: 0, delivered: 0, outOfOrder: 0 });
  return r;
}

const server = new UdpMultiplayerPeer();
await server.createServer(0, { bindAddress: "127.0.0.1", maxClients: 8, simulation });
const port = server.localPort;
console.log(`server listening on 127.0.0.1:${port} (simulated ${JSON.stringify(simulation)})`);

const clients: UdpMultiplayerPeer[] = [];
for (let i = 0; i < CLIENTS; i++) {
  const client = new UdpMultiplayerPeer();
  await client.createClient("127.0.0.1", port, {
    simulation: { ...simulation, seed: simulation.seed + i + 1 },
  });
  clients.push(client);
}

/** Polls every peer until `done()` or the deadline; returns whether `done()` became true. */
async function pump(done: () => boolean, limitMs: number): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (!done() && performance.now() < deadline) {
    await Promise.all([server, ...clients].map((p) => p.poll(5)));
    for (const peer of [server, ...clients]) drain(peer);
  }
  return done();
}

const lastSeq = new Map<string, number>();
const rtts: number[] = [];
function drain(peer: UdpMultiplayerPeer): void {
  while (peer.getAvailablePacketCount() > 0) {
    const from = peer.getPacketPeer();
    const message = peer.getVar() as { kind: string; seq: number; t: number; echo?: boolean };
    if (message.kind === "ping") {
      if (message.echo) {
        rtts.push(performance.now() - message.t);
      } else {
        peer.setTargetPeer(from);
        peer.transferMode = TransferMode.RELIABLE;
        peer.putVar({ ...message, echo: true });
      }
      continue;
    }
    const r = row(message.kind);
    r.delivered++;
    const key = `${message.kind}/${from}->${peer.getUniqueId()}`;
    const previous = lastSeq.get(key) ?? -1;
    if (message.seq < previous) r.outOfOrder++;
    lastSeq.set(key, message.seq);
  }
}

let connected = 0;
for (const client of clients) client.addEventListener("connection_succeeded", () => connected++);
const allPeersKnown = () => connected === CLIENTS && clientsKnowEachOther();
function clientsKnowEachOther(): boolean {
  return clients.every((c) => seenPeers.get(c)!.size === CLIENTS); // the server + the others
}
const seenPeers = new Map<UdpMultiplayerPeer, Set<number>>();
for (const client of clients) {
  const seen = new Set<number>();
  seenPeers.set(client, seen);
  client.addEventListener("peer_connected", (e) => seen.add(e.detail.id));
}
if (!await pump(allPeersKnown, 10_000)) throw new Error("clients did not connect in time");
console.log(`clients connected with ids ${clients.map((c) => c.getUniqueId()).join(", ")}`);

// Every client sends in every mode: to the server, broadcast, and relayed to one other client,
// a burst of BATCH packets per mode and target every TICK_MS, like a game's network tick.
const BATCH = 10, TICK_MS = 15;
let expectedReliable = 0;
for (let first = 0; first < PACKETS_PER_MODE; first += BATCH) {
  for (const [name, mode] of modes) {
    for (const [index, client] of clients.entries()) {
      const other = clients[(index + 1) % CLIENTS].getUniqueId();
      for (
        const [label, target, receivers] of [
          ["server", TARGET_PEER_SERVER, 1],
          ["broadcast", TARGET_PEER_BROADCAST, CLIENTS],
          ["relay", other, 1],
        ] as const
      ) {
        const kind = `${name} ${label}`;
        client.transferMode = mode;
        client.setTargetPeer(target);
        for (let seq = first; seq < first + BATCH; seq++) {
          client.putVar({ kind, seq, t: 0 });
          row(kind).sent += receivers;
          if (mode === TransferMode.RELIABLE) expectedReliable += receivers;
        }
      }
    }
  }
  await pump(() => false, TICK_MS);
}
const reliableDelivered = () =>
  [...rows].filter(([k]) => k.startsWith("RELIABLE")).reduce((n, [, r]) => n + r.delivered, 0);
await pump(() => reliableDelivered() >= expectedReliable, 20_000);
// Round trips on the now idle link: reliable pings to the server, echoed back.
for (const client of clients) {
  client.setTargetPeer(TARGET_PEER_SERVER);
  client.transferMode = TransferMode.RELIABLE;
  for (let i = 0; i < 20; i++) {
    client.putVar({ kind: "ping", seq: i, t: performance.now() });
    await pump(() => false, 20);
  }
}
await pump(() => rtts.length >= 20 * CLIENTS, 5_000);
// Give the unreliable stragglers a moment to land.
await pump(() => false, 300);

console.log();
console.log(`${"mode/target".padEnd(30)} sent   delivered   out-of-order`);
for (const [kind, r] of [...rows].sort()) {
  console.log(
    `${kind.padEnd(30)} ${String(r.sent).padStart(5)} ${String(r.delivered).padStart(11)} ${
      String(r.outOfOrder).padStart(14)
    }`,
  );
}
console.log(
  `(the link drops ${
    simulation.loss * 100
  }% of datagrams per hop: unreliable modes lose about that ` +
    `much, twice over when relayed; reliable ones lose nothing)`,
);
rtts.sort((a, b) => a - b);
const pct = (p: number) => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))];
console.log();
console.log(
  `reliable RTT over the simulated link: p50 ${pct(0.5).toFixed(1)} ms, p99 ${
    pct(0.99).toFixed(1)
  } ms (${rtts.length} samples)`,
);

await Promise.all(clients.map((c) => c.close()));
await server.close();
const ok = reliableDelivered() === expectedReliable;
console.log(ok ? "all reliable packets delivered exactly once" : "reliable delivery incomplete");
if (!ok) Deno.exit(1);
