/**
 * The timeout scenario shared by every carrier: a client that goes silent without a goodbye is
 * dropped by the server after `timeoutMs`, the others are told, and the silent one notices too.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DisconnectReason, type MultiplayerPeerBase } from "../../mod.ts";
import { pumpUntil, type Recorded } from "./udp_session.ts";

type R = Recorded<MultiplayerPeerBase>;

/** How many events of `type` `r` dispatched. */
export const count = (r: R, type: string): number => r.events.filter((e) => e.type === type).length;

/** What {@link expectSilentDropped} needs. */
export interface SilentScenario {
  /** The server (no peer_disconnected yet). */
  readonly server: R;
  /** Another connected client, which must be told. */
  readonly other: R;
  /** The client about to go silent. */
  readonly silent: R;
  /** Everything but `silent`. */
  readonly all: R[];
  /** The timeout every peer uses. */
  readonly timeoutMs: number;
  /** Cuts `silent`'s link both ways without a goodbye. */
  readonly silence: () => void;
}

/** Runs the scenario and asserts every step (timing, ids, reasons, event counts). */
export async function expectSilentDropped(s: SilentScenario): Promise<void> {
  const { server, other, silent, all, timeoutMs } = s;
  const id = silent.peer.getUniqueId();
  s.silence();
  const t0 = performance.now();
  await pumpUntil(all, () => count(server, "peer_disconnected") === 1, timeoutMs + 4000, "drop");
  const took = performance.now() - t0;
  assert.ok(took >= timeoutMs * 0.75 && took < timeoutMs + 1700, `dropped after ${took} ms`);
  const e = server.events.find((e) => e.type === "peer_disconnected")!;
  assert.equal(e.id, id);
  assert.equal(e.reason, DisconnectReason.TIMEOUT);
  await pumpUntil(all, () => count(other, "peer_disconnected") === 1, 3000, "others told");
  assert.equal(other.events.find((e) => e.type === "peer_disconnected")!.id, id);
  await pumpUntil(
    [...all, silent],
    () => count(silent, "server_disconnected") === 1,
    3000,
    "alone",
  );
  assert.equal(
    silent.events.find((e) => e.type === "server_disconnected")!.reason,
    DisconnectReason.TIMEOUT,
  );
  assert.equal(count(server, "peer_disconnected"), 1);
}
