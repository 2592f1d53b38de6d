// The UDP server's option names over WebSocket: the authenticate hook, a handshake limit, and a
// clear refusal of options that do not apply (encryption: use wss).
import assert from "node:assert/strict";
import {
  type AuthenticateInfo,
  ConnectionStatus,
  DisconnectReason,
  MultiplayerError,
  UdpMultiplayerPeer,
  WebSocketMultiplayerPeer,
} from "../mod.ts";
import { closeAll, pumpUntil, record, type Recorded } from "./helpers/udp_session.ts";
import type { MultiplayerPeerBase } from "../mod.ts";

type R = Recorded<MultiplayerPeerBase>;
const text = (s: string) => new TextEncoder().encode(s);
const ended = (r: R) => r.events.some((e) => /succeeded|failed/.test(e.type));

Deno.test("ws: the authenticate hook sees authPayload; rejections reach the client", async () => {
  const seen: string[] = [];
  const server = record(new WebSocketMultiplayerPeer());
  await server.peer.createServer(0, {
    bindAddress: "127.0.0.1",
    udpPort: 0,
    authenticate: async (info: AuthenticateInfo) => {
      const token = new TextDecoder().decode(info.payload);
      seen.push(token);
      await Promise.resolve(); // asynchronous verdicts are fine
      return token === "good" ? true : { reject: `bad token '${token}'` };
    },
  });
  const url = `ws://127.0.0.1:${server.peer.localPort}/`;
  const good = record(new WebSocketMultiplayerPeer());
  const bad = record(new WebSocketMultiplayerPeer());
  const none = record(new WebSocketMultiplayerPeer());
  const udp = record(new UdpMultiplayerPeer()); // a mixed server checks UDP clients the same way
  const all: R[] = [server, good, bad, none, udp];
  try {
    await good.peer.createClient(url, { authPayload: text("good") });
    await bad.peer.createClient(url, { authPayload: text("forged") });
    await none.peer.createClient(url);
    await udp.peer.createClient("127.0.0.1", server.peer.udpPort, { authPayload: text("good") });
    await pumpUntil(all, () => all.slice(1).every(ended), 5000, "every attempt ends");
    assert.equal(good.peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
    assert.equal(udp.peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
    for (const [r, token] of [[bad, "forged"], [none, ""]] as const) {
      assert.deepEqual(r.events.map((e) => e.type), ["connection_failed"]);
      assert.equal(r.events[0].reason, DisconnectReason.AUTH_REJECTED);
      assert.equal(r.events[0].message, `bad token '${token}'`);
    }
    assert.deepEqual(seen.sort(), ["", "forged", "good", "good"]);
    const joined = () => server.events.filter((e) => e.type === "peer_connected").map((e) => e.id!);
    await pumpUntil(all, () => joined().length >= 2, 3000, "server saw both join");
    assert.deepEqual(joined().sort(), [good.peer.getUniqueId(), udp.peer.getUniqueId()].sort());
  } finally {
    await closeAll(all);
  }
});

Deno.test("ws: maxPendingHandshakes counts clients parked in the hook", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  let calls = 0;
  const server = record(new WebSocketMultiplayerPeer());
  await server.peer.createServer(0, {
    bindAddress: "127.0.0.1",
    maxPendingHandshakes: 1,
    authenticate: async () => {
      calls++;
      await gate;
      return true as const;
    },
  });
  const url = `ws://127.0.0.1:${server.peer.localPort}/`;
  const first = record(new WebSocketMultiplayerPeer());
  const second = record(new WebSocketMultiplayerPeer());
  const all: R[] = [server, first, second];
  try {
    await first.peer.createClient(url);
    await pumpUntil(all, () => calls === 1, 3000, "first parked in the hook");
    await second.peer.createClient(url);
    await pumpUntil(all, () => ended(second), 3000, "second refused");
    assert.equal(second.events[0].type, "connection_failed");
    assert.equal(second.events[0].reason, DisconnectReason.SERVER_FULL);
    assert.match(second.events[0].message!, /pending handshakes/);
    assert.equal(calls, 1, "the refused client never reached the hook");
    release();
    await pumpUntil(all, () => ended(first), 3000, "first admitted");
    assert.equal(first.peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
  } finally {
    release();
    await closeAll(all);
  }
});

Deno.test("ws: options that do not apply to WebSocket are refused with a typed error", async () => {
  const peer = new WebSocketMultiplayerPeer();
  const isArg = (e: unknown) =>
    e instanceof MultiplayerError && e.code === "INVALID_ARGUMENT" && /wss/.test(e.message);
  const o = { bindAddress: "127.0.0.1", encryption: true };
  await assert.rejects(peer.createServer(0, o), isArg);
  await assert.rejects(
    peer.createClient("ws://127.0.0.1:1/", { encryption: true } as object),
    isArg,
  );
  await assert.rejects(
    peer.createClient("ws://127.0.0.1:1/", { authPayload: new Uint8Array(2000) }),
    (e) => e instanceof MultiplayerError && /authPayload/.test(e.message),
  );
  await assert.rejects(peer.createServer(70_000), /port must be an integer/);
  assert.equal(peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
});
