/** Starting and stopping several puppets together, for tests. @module */
import { GodotPuppet } from "./puppet.ts";
import type { PuppetConfig } from "./protocol.ts";

/**
 * A server puppet and its client puppets, all connected and aware of each other.
 *
 * @example
 * ```ts
 * import type { Session } from "./_group.ts";
 * function ids(s: Session): number[] {
 *   return s.all.map((p) => p.id);
 * }
 * console.log(typeof ids);
 * ```
 */
export interface Session {
  /** The server (id 1). */
  server: GodotPuppet;
  /** The clients, in the order their configs were given. */
  clients: GodotPuppet[];
  /** Server first, then the clients. */
  all: GodotPuppet[];
}

/**
 * Closes every puppet (in parallel), even if some fail to close.
 *
 * @example
 * ```ts
 * import { closeAll } from "./_group.ts";
 * await closeAll([]);
 * ```
 */
export async function closeAll(puppets: GodotPuppet[]): Promise<void> {
  await Promise.allSettled(puppets.map((p) => p.close()));
}

/**
 * Starts a server, then its clients in parallel, and waits until every client has connected
 * and every side has seen `peer_connected` for every other (clients see each other only when
 * `expectClientsSeeEachOther` is true, i.e. the server relays). Closes everything on failure.
 *
 * @example
 * ```ts
 * import { closeAll, startSession } from "./_group.ts";
 * import { godotSkipReason } from "./environment.ts";
 * if (godotSkipReason() === undefined) {
 *   const s = await startSession({ role: "server", wire: "enet" }, [{}, {}]);
 *   console.log(s.clients.length); // 2
 *   await closeAll(s.all);
 * }
 * ```
 */
export async function startSession(
  serverConfig: PuppetConfig,
  clientConfigs: Partial<PuppetConfig>[],
  expectClientsSeeEachOther = true,
): Promise<Session> {
  const server = await GodotPuppet.start(serverConfig, { label: "server" });
  const url = `ws://127.0.0.1:${server.port}/`;
  const starts = await Promise.allSettled(clientConfigs.map((extra, i) =>
    GodotPuppet.start({
      wire: serverConfig.wire,
      api: serverConfig.api,
      port: server.port,
      url,
      channel_count: serverConfig.channel_count,
      compression_mode: serverConfig.compression_mode,
      ...extra,
      role: "client",
    }, { label: `client${String.fromCharCode(65 + i)}` })
  ));
  const clients = starts.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
  try {
    const failed = starts.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    for (const c of clients) await c.waitFor({ ev: "connection_succeeded" });
    for (const c of clients) {
      await server.waitFor({ ev: "peer_connected", id: c.id });
      await c.waitFor({ ev: "peer_connected", id: 1 });
      if (!expectClientsSeeEachOther) continue;
      for (const other of clients) {
        if (other !== c) await c.waitFor({ ev: "peer_connected", id: other.id });
      }
    }
    return { server, clients, all: [server, ...clients] };
  } catch (e) {
    await closeAll([server, ...clients]);
    throw e;
  }
}
