/**
 * Simulation: a seeded link model (loss, bursts, duplication, reordering, latency, jitter,
 * bandwidth, outages), a carrier wrapper that passes datagrams through it, and an in-memory
 * network on a virtual clock for whole sessions without sockets or real time.
 *
 * @example
 * ```ts
 * import { VirtualNetwork } from "./mod.ts";
 * const net = new VirtualNetwork({ seed: 1, link: { latencyMs: 20, loss: 0.1 } });
 * const a = net.createTransport("a", 1), b = net.createTransport("b", 1);
 * b.listen((bytes) => console.log("got", bytes.length, "at", net.clock.now()));
 * a.send(new Uint8Array(8), b.localAddress);
 * net.clock.advanceTo(100);
 * ```
 *
 * @module
 */
export {
  type BurstLoss,
  type LinkOptions,
  LinkSimulator,
  type LinkStats,
} from "./link_simulator.ts";
export { SimulatedTransport, type SimulationOptions } from "./simulated_transport.ts";
export {
  type LinkTruth,
  VirtualNetwork,
  type VirtualNetworkOptions,
  type VirtualTransport,
} from "./virtual_network.ts";
