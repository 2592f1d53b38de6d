/**
 * Starting sessions of real Godot puppets and Deno ENet peers together for the Godot ENet
 * interop tests: puppets start in parallel, and every helper waits until every side saw every
 * join it should.
 *
 * @module
 */
import { GodotPuppet } from "../godot/puppet.ts";
import type { PuppetConfig } from "../godot/protocol.ts";
import { closeAll } from "../godot/_group.ts";
import type { LivePeer } from "./_live.ts";

/**
 * Starts `n` Godot ENet client puppets of the server at 127.0.0.1:`port` in parallel and waits
 * for each one's `connection_succeeded` and its `peer_connected(1)`. Closes them all on failure.
 *
 * @example
 * ```ts
 * import { startGodotClients } from "./_session.ts";
 * import { closeAll } from "../godot/_group.ts";
 * import { godotSkipReason } from "../godot/environment.ts";
 * import { LivePeer } from "./_live.ts";
 * if (godotSkipReason() === undefined) {
 *   const server = await LivePeer.server(0);
 *   const clients = await startGodotClients(server.peer.localPort, 2);
 *   await closeAll(clients);
 *   await server.stop();
 * }
 * ```
 */
export async function startGodotClients(
  port: number,
  n: number,
  extra: Partial<PuppetConfig> = {},
  prefix = "godot",
): Promise<GodotPuppet[]> {
  const starts = await Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      GodotPuppet.start(
        { wire: "enet", port, ...extra, role: "client" },
        { label: `${prefix}${String.fromCharCode(65 + i)}` },
      )),
  );
  const clients = starts.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
  try {
    const failed = starts.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    for (const c of clients) {
      await c.waitFor({ ev: "connection_succeeded" });
      await c.waitFor({ ev: "peer_connected", id: 1 });
    }
    return clients;
  } catch (e) {
    await closeAll(clients);
    throw e;
  }
}

/**
 * Waits until the Deno server reported every one of `ids` joined and, with `relay`, every
 * client (Godot or Deno) knows every other one.
 *
 * @example
 * ```ts
 * import { awaitMesh } from "./_session.ts";
 * import { LivePeer } from "./_live.ts";
 * const server = await LivePeer.server(0);
 * const client = await LivePeer.client(server.peer.localPort);
 * await awaitMesh(server, [], [client]);
 * await client.stop();
 * await server.stop();
 * ```
 */
export async function awaitMesh(
  server: LivePeer,
  godots: GodotPuppet[],
  denos: LivePeer[],
  relay = true,
): Promise<void> {
  for (const d of denos) {
    await d.until(() => d.id > 1 && d.count("peer_connected", 1) === 1, "connected");
  }
  const ids = [...godots.map((g) => g.id), ...denos.map((d) => d.id)];
  await server.until(
    () => ids.every((id) => server.count("peer_connected", id) === 1),
    `joins of ${ids}`,
  );
  if (!relay) return;
  for (const g of godots) {
    for (const id of ids) if (id !== g.id) await g.waitFor({ ev: "peer_connected", id });
  }
  for (const d of denos) {
    await d.until(
      () => ids.every((id) => id === d.id || d.count("peer_connected", id) === 1),
      "announcements",
    );
  }
}

/**
 * Starts a Godot ENet server puppet (raw api unless given) and resolves with it.
 *
 * @example
 * ```ts
 * import { startGodotServer } from "./_session.ts";
 * import { godotSkipReason } from "../godot/environment.ts";
 * if (godotSkipReason() === undefined) await (await startGodotServer()).close();
 * ```
 */
export function startGodotServer(extra: Partial<PuppetConfig> = {}): Promise<GodotPuppet> {
  return GodotPuppet.start({ wire: "enet", ...extra, role: "server" }, { label: "godot-server" });
}

/**
 * Waits until every Deno client connected to a Godot server and knows the others (relay on),
 * and the Godot server saw every one.
 *
 * @example
 * ```ts
 * import { awaitDenoClientsOfGodot, startGodotServer } from "./_session.ts";
 * import { godotSkipReason } from "../godot/environment.ts";
 * import { LivePeer } from "./_live.ts";
 * if (godotSkipReason() === undefined) {
 *   const godot = await startGodotServer();
 *   const client = await LivePeer.client(godot.port);
 *   await awaitDenoClientsOfGodot(godot, [client]);
 *   await client.stop();
 *   await godot.close();
 * }
 * ```
 */
export async function awaitDenoClientsOfGodot(
  server: GodotPuppet,
  denos: LivePeer[],
  relay = true,
): Promise<void> {
  for (const d of denos) {
    await d.until(() => d.id > 1 && d.count("peer_connected", 1) === 1, "connected");
    await server.waitFor({ ev: "peer_connected", id: d.id });
  }
  if (!relay) return;
  for (const d of denos) {
    await d.until(
      () => denos.every((o) => o === d || d.count("peer_connected", o.id) === 1),
      "announcements",
    );
  }
}
