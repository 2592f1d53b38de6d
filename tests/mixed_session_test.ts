/**
 * One session, every carrier: a `MixedMultiplayerPeer` hosts a real Godot ENet client, a real
 * Godot WebSocket client, a native UDP client, a native WebSocket client and, where Chromium is
 * installed, the example page in a real browser (native WebSocket); its WebSocket side is
 * embedded in a `Deno.serve` that also serves the page. Every target form from every party
 * (the server included) reaches exactly the right parties with the true sender id; a packet too
 * large for the Godot WebSocket client is dropped for it alone, counted; values put by the
 * server arrive in each receiver's own encoding.
 *
 * Needs godot3-server (and Chromium for the browser party) and the permissions of
 * `deno task test`; otherwise it reports itself skipped with the reason.
 */
import assert from "node:assert/strict";
import {
  decodeVariant,
  MixedMultiplayerPeer,
  UdpMultiplayerPeer,
  WebSocketMultiplayerPeer,
} from "../mod.ts";
import { godotSkipReason, pickPort } from "./godot/environment.ts";
import { GodotPuppet } from "./godot/puppet.ts";
import { closeAll } from "./godot/_group.ts";
import { fromHex, toHex } from "./godot/payloads.ts";
import { LivePeer, stopLive } from "./helpers/live_peer.ts";
import { bundleClient, type CdpPage, Chromium, findChromium, withTimeout } from "./helpers/cdp.ts";

const skip = godotSkipReason();
if (skip) console.warn(`mixed_session_test: skipped: ${skip}`);
const chromium = findChromium();
if (!skip && !chromium) {
  console.warn("mixed_session_test: the browser party is skipped: Chromium not found");
}

const enc = new TextEncoder(), dec = new TextDecoder();

/** One participant, whatever it runs on. */
interface Party {
  readonly label: string;
  id(): number;
  /** Sends `text` (as bytes) to `target`. */
  send(text: string, target: number): Promise<void>;
  /** `text from id` of every packet received so far. */
  received(): string[];
  /** Resolves once a packet with `text` arrived. */
  awaitText(text: string): Promise<void>;
}

function godotParty(p: GodotPuppet): Party {
  const received = () =>
    p.filter({ ev: "packet" }).flatMap((e) =>
      e.hex === undefined ? [] : [`${dec.decode(fromHex(e.hex)!)} from ${e.from}`]
    );
  return {
    label: p.label,
    id: () => p.id,
    send: async (text, target) => {
      await p.sendOk({ cmd: "send", hex: toHex(enc.encode(text)), target });
    },
    received,
    awaitText: async (text) => {
      await p.waitFor({ ev: "packet", hex: toHex(enc.encode(text)) }, { what: text });
    },
  };
}

function denoParty(l: LivePeer): Party {
  const received = () => l.packets.map((p) => `${dec.decode(p.data)} from ${p.from}`);
  return {
    label: l.label,
    id: () => l.id,
    send: (text, target) => {
      l.peer.setTargetPeer(target);
      l.peer.putPacket(enc.encode(text));
      return Promise.resolve();
    },
    received,
    awaitText: (text) =>
      l.until(() => l.packets.some((p) => dec.decode(p.data) === text), `${l.label}: ${text}`),
  };
}

function browserParty(page: CdpPage, id: number): Party {
  let seen: string[] = [];
  return {
    label: "browser",
    id: () => id,
    send: async (text, target) => {
      await page.evaluate(`netplay.send(${JSON.stringify(text)}, ${target}, 2)`);
    },
    received: () => seen,
    awaitText: async (text) => {
      const all = await withTimeout(
        page.evaluate<{ from: number; text: string }[]>(
          `netplay.waitUntil(() => netplay.messages().some((m) => m.text === ${
            JSON.stringify(text)
          })).then(netplay.messages)`,
        ),
        10_000,
        `browser: ${text}`,
      );
      seen = all.map((m) => `${m.text} from ${m.from}`);
    },
  };
}

/** Everyone `from` reaches with `target` (the server relays; 1 is the server). */
function recipients(from: Party, target: number, all: Party[]): Party[] {
  if (target === 0) return all.filter((p) => p !== from);
  if (target > 0) return all.filter((p) => p.id() === target);
  return all.filter((p) => p !== from && p.id() !== -target);
}

Deno.test({
  name: "mixed session: Godot ENet, Godot WebSocket, UDP, WebSocket (and Chromium) in one session",
  ignore: skip !== undefined,
  async fn() {
    const port = pickPort(); // HTTP + WebSocket; the UDP carriers pick their own
    const server = new LivePeer("server", new MixedMultiplayerPeer());
    await server.peer.createServer({
      bindAddress: "127.0.0.1",
      udpPort: 0,
      enet: { port: 0 },
      websocket: { port: "embedded", paths: { "/ws": "native", "/godot": "godot" } },
    });
    server.start();
    const dir = chromium ? await Deno.makeTempDir({ prefix: "mixed-bundle-" }) : undefined;
    const page = await Deno.readFile(new URL("../examples/browser/index.html", import.meta.url));
    const script = dir ? await Deno.readFile(await bundleClient(dir)) : new Uint8Array(0);
    const http = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, (request, info) => {
      const path = new URL(request.url).pathname;
      if (path === "/ws" || path === "/godot") return server.peer.handleUpgrade(request, info);
      if (path === "/") return new Response(page, { headers: { "content-type": "text/html" } });
      if (path === "/client.js") {
        return new Response(script, { headers: { "content-type": "text/javascript" } });
      }
      return new Response("not found", { status: 404 });
    });
    const puppets: GodotPuppet[] = [];
    const live: LivePeer[] = [];
    let browser: Chromium | undefined;
    try {
      const [enet, gws] = await Promise.all([
        GodotPuppet.start(
          { role: "client", wire: "enet", port: server.peer.enetPort },
          { label: "godot-enet" },
        ),
        GodotPuppet.start(
          { role: "client", wire: "websocket", url: `ws://127.0.0.1:${port}/godot` },
          { label: "godot-ws" },
        ),
      ]);
      puppets.push(enet, gws);
      const udp = new LivePeer("udp", new UdpMultiplayerPeer());
      const ws = new LivePeer("ws", new WebSocketMultiplayerPeer());
      live.push(udp, ws);
      await udp.peer.createClient("127.0.0.1", server.peer.udpPort);
      await ws.peer.createClient(`ws://127.0.0.1:${port}/ws`);
      udp.start();
      ws.start();
      await Promise.all([
        enet.waitFor({ ev: "connection_succeeded" }),
        gws.waitFor({ ev: "connection_succeeded" }),
        udp.event("connection_succeeded"),
        ws.event("connection_succeeded"),
      ]);
      const parties: Party[] = [
        denoParty(server),
        godotParty(enet),
        godotParty(gws),
        denoParty(udp),
        denoParty(ws),
      ];
      if (chromium) {
        browser = await Chromium.launch(chromium);
        const tab = await browser.newPage();
        await tab.navigate(`http://127.0.0.1:${port}/`);
        const id = await withTimeout(
          tab.evaluate<number>(`netplay.join("ws://127.0.0.1:${port}/ws")`),
          10_000,
          "the page joins",
        );
        parties.push(browserParty(tab, id));
      }
      const ids = parties.map((p) => p.id());
      assert.equal(new Set(ids).size, ids.length, `ids ${ids}`);
      // everyone knows everyone before sending to them (Godot refuses unknown targets)
      await server.until(
        () => ids.slice(1).every((id) => server.count("peer_connected", id) === 1),
        "joins",
      );
      for (const p of puppets) {
        for (const id of ids) {
          if (id !== 1 && id !== p.id) await p.waitFor({ ev: "peer_connected", id });
        }
      }
      for (const l of [udp, ws]) {
        await l.until(
          () => ids.every((id) => id === l.id || l.count("peer_connected", id) === 1),
          "peers",
        );
      }

      // every target form from every party
      const expected = new Map<Party, string[]>(parties.map((p) => [p, []]));
      let n = 0;
      for (const sender of parties) {
        const others = parties.filter((p) => p !== sender).map((p) => p.id());
        const targets = [0, ...others, ...others.map((id) => -id)];
        if (sender.id() !== 1) targets.push(-1);
        for (const target of targets) {
          const text = `m${n++}`;
          await sender.send(text, target);
          for (const r of recipients(sender, target, parties)) {
            expected.get(r)!.push(`${text} from ${sender.id()}`);
          }
        }
      }
      // fences: each sender's stream is ordered on every path, so its broadcast comes last
      for (const sender of parties) await sender.send(`fence ${sender.label}`, 0);
      for (const r of parties) {
        for (const s of parties) if (s !== r) await r.awaitText(`fence ${s.label}`);
      }
      for (const r of parties) {
        const got = r.received().filter((line) => line.startsWith("m")).sort();
        assert.deepEqual(got, expected.get(r)!.sort(), `what ${r.label} received`);
      }

      // a packet too large for Godot's WebSocket wire: dropped for that client only, counted
      const before = server.peer.relayDrops;
      const big = new Uint8Array(70_000).fill(0x41);
      udp.peer.setTargetPeer(0);
      udp.peer.putPacket(big);
      await ws.until(() => ws.packets.some((p) => p.data.length === 70_000), "big at ws");
      await server.until(
        () => server.packets.some((p) => p.data.length === 70_000),
        "big at server",
      );
      await server.until(() => server.peer.relayDrops === before + 1, "drop counted");
      // a channel the Godot ENet client did not open (it has Godot's 3 ENet channels: user
      // channels 0 and 1): dropped for it alone, counted
      udp.peer.transferChannel = 2;
      udp.peer.putPacket(enc.encode("on channel 2"));
      await ws.until(() => ws.packets.some((p) => p.channel === 2), "channel 2 at ws");
      await server.until(() => server.peer.relayDrops === before + 2, "channel drop counted");
      assert.equal(enet.filter({ ev: "packet" }).filter((e) => e.channel === 3).length, 0);

      // values: one putVar, each receiver in its own encoding
      server.peer.setTargetPeer(0);
      server.peer.putVar({ round: 3 });
      udp.vars = true;
      await udp.until(() => udp.packets.some((p) => p.value !== undefined), "udp value");
      assert.deepEqual(udp.packets.find((p) => p.value !== undefined)!.value, { round: 3 });
      const isRound = (hex: string | undefined) => {
        const r = hex === undefined ? undefined : decodeVariant(fromHex(hex)!);
        return r?.ok === true && (r.value as { round?: number })?.round === 3;
      };
      for (const g of puppets) {
        await g.waitFor((e) => e.ev === "packet" && e.from === 1 && isRound(e.hex), {
          what: "the value as a Variant",
        });
      }
    } finally {
      await browser?.close();
      await closeAll(puppets);
      await stopLive([...live, server]);
      await http.shutdown();
      if (dir) await Deno.remove(dir, { recursive: true });
    }
  },
});
