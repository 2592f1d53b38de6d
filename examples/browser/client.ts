/**
 * Browser entry of the example page: joins a session over WebSocket, lists peers and messages.
 * Bundled to `client.js` by `deno task bundle:browser`. Also exposes `globalThis.netplay` so a
 * test (or the devtools console) can drive the page.
 *
 * @module
 */
/// <reference lib="dom" />
import { TransferMode } from "../../protocol/constants.ts";
import { WebSocketMultiplayerPeer } from "../../transport/peers/websocket_peer.ts";

/**
 * One received message, as the page shows it.
 *
 * @example
 * ```ts ignore
 * import type { ShownMessage } from "./client.ts";
 * const m: ShownMessage = { from: 1, text: "welcome", mode: 2 };
 * ```
 */
export interface ShownMessage {
  /** Sender id. */
  readonly from: number;
  /** Decoded text. */
  readonly text: string;
  /** Transfer mode it came with. */
  readonly mode: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const peers = new Set<number>();
const messages: ShownMessage[] = [];
const changed = new EventTarget();
let peer: WebSocketMultiplayerPeer | undefined;

const $ = (id: string) => document.getElementById(id) as HTMLElement;

function render(): void {
  $("peers").replaceChildren(...[...peers].sort((a, b) => a - b).map((id) => item(`peer ${id}`)));
  $("messages").replaceChildren(...messages.slice(-50).map((m) => item(`${m.from}: ${m.text}`)));
  changed.dispatchEvent(new Event("change"));
}

function item(text: string): HTMLLIElement {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

function setStatus(text: string): void {
  $("status").textContent = text;
}

/** Receives until the peer is closed; `poll` resolves as soon as something arrives. */
async function receiveLoop(p: WebSocketMultiplayerPeer): Promise<void> {
  while (peer === p) {
    await p.poll(1000);
    let got = false;
    while (p.getAvailablePacketCount() > 0) {
      const from = p.getPacketPeer();
      const mode = p.getPacketMode();
      const data = p.getPacket();
      if (data && messages.length < 10_000) {
        messages.push({ from, text: decoder.decode(data), mode });
        got = true;
      }
    }
    if (got) render();
  }
}

/** Joins the session at `url`; resolves with this page's id. */
function join(url: string): Promise<number> {
  if (peer) throw new Error("already joined");
  const p = new WebSocketMultiplayerPeer();
  peer = p;
  setStatus("connecting");
  const joined = new Promise<number>((resolve, reject) => {
    p.addEventListener("connection_succeeded", () => {
      setStatus("connected");
      $("me").textContent = String(p.getUniqueId());
      resolve(p.getUniqueId());
    });
    p.addEventListener("connection_failed", () => {
      setStatus("connection failed");
      reject(new Error("connection failed"));
    });
  });
  p.addEventListener("peer_connected", (e) => {
    peers.add(e.detail.id);
    render();
  });
  p.addEventListener("peer_disconnected", (e) => {
    peers.delete(e.detail.id);
    render();
  });
  p.addEventListener("server_disconnected", () => {
    setStatus("server disconnected");
    peers.clear();
    render();
  });
  return p.createClient(url).then(() => {
    void receiveLoop(p);
    return joined;
  });
}

/** Sends `text` to `target` (0 all, 1 server, id, -id all but id) with `mode`. */
function send(text: string, target = 0, mode: number = TransferMode.RELIABLE): void {
  if (!peer) throw new Error("join first");
  peer.setTargetPeer(target);
  peer.transferMode = mode as TransferMode;
  peer.putPacket(encoder.encode(text));
}

/** Resolves once `predicate()` holds (checked after every change), or rejects after `ms`. */
function waitUntil(predicate: () => boolean, ms = 10_000): Promise<void> {
  if (predicate()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      changed.removeEventListener("change", check);
      reject(new Error(`condition not met within ${ms} ms`));
    }, ms);
    function check(): void {
      if (!predicate()) return;
      clearTimeout(timer);
      changed.removeEventListener("change", check);
      resolve();
    }
    changed.addEventListener("change", check);
  });
}

/** Leaves the session. */
async function leave(): Promise<void> {
  const p = peer;
  peer = undefined;
  await p?.close();
  setStatus("not connected");
}

const api = {
  join,
  send,
  leave,
  waitUntil,
  peers: () => [...peers],
  messages: () => [...messages],
  id: () => peer?.getUniqueId() ?? 0,
};
(globalThis as unknown as { netplay: typeof api }).netplay = api;

$("url").setAttribute(
  "value",
  `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`,
);
$("join").addEventListener("submit", (event) => {
  event.preventDefault();
  join(($("url") as HTMLInputElement).value).catch((e) => setStatus(String(e)));
});
$("chat").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ($("text") as HTMLInputElement).value;
  send(text, Number(($("target") as HTMLInputElement).value) || 0);
  messages.push({ from: api.id(), text: `(me) ${text}`, mode: TransferMode.RELIABLE });
  render();
});
