/**
 * Half-open sessions (virtual network): a client whose application stops reading keeps its
 * session (it acknowledges what it holds and advertises a zero window), both ends time out on the
 * same (the server's) timeout, and a client the server dropped learns it at once. Replay one seed
 * with `SIM_SEED=<seed> deno test --allow-net --unstable-net --allow-env=SIM_SEED tests/sim_half_open_test.ts`
 */
import { ConnectionStatus, TransferMode } from "../protocol/constants.ts";
import { DisconnectReason } from "../protocol/errors.ts";
import { Simulation } from "./sim/harness.ts";
import { simSeeds } from "./sim/seeds.ts";

const FILE = "tests/sim_half_open_test.ts";
const SERVER_TIMEOUT = 1000;

function session(seed: number) {
  const sim = new Simulation({
    seed,
    clients: 1,
    file: FILE,
    link: { latencyMs: 5 },
    server: { timeoutMs: SERVER_TIMEOUT }, // the client keeps its default 10 s
  });
  sim.connectAll(5_000);
  return { sim, client: sim.clients[0], server: sim.server };
}

Deno.test("half-open: a client that stops reading keeps its session; nothing is lost", async (t) => {
  for (const seed of simSeeds(3, 40)) {
    await t.step(`seed ${seed}`, () => {
      const { sim, client, server } = session(seed);
      const id = client.host.uniqueId;
      client.paused = true; // its application stops calling poll()
      const payload = (i: number) => {
        const b = new Uint8Array(100);
        new DataView(b.buffer).setUint32(0, i);
        return b;
      };
      for (let i = 0; i < 3000; i++) sim.send(server, id, payload(i), TransferMode.RELIABLE);
      sim.runFor(5_000);
      sim.check(
        server.host.peerIds().includes(id),
        () => `the server dropped the client: ${JSON.stringify(server.events.slice(-2))}`,
      );
      sim.check(client.host.status === ConnectionStatus.CONNECTED, "the client is connected");
      sim.check(client.host.inboundCount >= 1024, `its queue filled (${client.host.inboundCount})`);
      const got: number[] = [];
      client.onPacket = (p) =>
        got.push(new DataView(p.data.buffer, p.data.byteOffset).getUint32(0));
      client.paused = false;
      sim.touch(client);
      sim.runFor(10_000, () => got.length === 3000);
      sim.check(got.length === 3000, `${got.length} of 3000 arrived after resuming`);
      sim.check(got.every((v, i) => v === i), "in order, exactly once");
      sim.check(server.eventsOf("peer_disconnected").length === 0, "no disconnect at all");
    });
  }
});

Deno.test("half-open: the server's timeout governs both ends; a dropped client learns at once", async (t) => {
  for (const seed of simSeeds(3, 50)) {
    await t.step(`seed ${seed}`, () => {
      const { sim, client, server } = session(seed);
      sim.check(
        client.host.timeoutMs === SERVER_TIMEOUT,
        `the client adopted the server's timeout (${client.host.timeoutMs})`,
      );
      // the client's datagrams stop reaching the server; the server's still reach the client
      sim.net.link(client.transport.localAddress, server.transport.localAddress).configure({
        loss: 1,
      });
      const cut = sim.now;
      sim.runFor(4_000, () => client.host.status === ConnectionStatus.DISCONNECTED);
      const dropped = server.eventsOf("peer_disconnected");
      sim.check(dropped.length === 1 && dropped[0].reason === DisconnectReason.TIMEOUT, "dropped");
      const told = client.eventsOf("server_disconnected");
      sim.check(told.length === 1, "the client was told");
      sim.check(told[0].reason === DisconnectReason.TIMEOUT, `reason ${told[0].reason}`);
      const took = sim.now - cut;
      sim.check(took < 2 * SERVER_TIMEOUT, `the client learned after ${took.toFixed(0)} ms`);
    });
  }
});

Deno.test("half-open: with no path either way the client times out on the server's timeout", () => {
  const { sim, client, server } = session(60);
  sim.net.link(client.transport.localAddress, server.transport.localAddress).configure({ loss: 1 });
  sim.net.link(server.transport.localAddress, client.transport.localAddress).configure({ loss: 1 });
  const cut = sim.now;
  sim.runFor(5_000, () => client.host.status === ConnectionStatus.DISCONNECTED);
  const told = client.eventsOf("server_disconnected");
  sim.check(told.length === 1 && told[0].reason === DisconnectReason.TIMEOUT, "timed out");
  const took = sim.now - cut;
  sim.check(took < 2 * SERVER_TIMEOUT, `after ${took.toFixed(0)} ms, not the client's own 10 s`);
});
