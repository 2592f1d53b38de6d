import assert from "node:assert/strict";
import {
  acceptKeyFor,
  checkUpgradeRequest,
  errorResponse,
  upgradeResponse,
  WEBSOCKET_GUID,
} from "./handshake.ts";
import { HttpHeadParser, type HttpRequestHead } from "./http_head.ts";
import { MultiplayerError } from "../errors.ts";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const dec = new TextDecoder();

function head(fields: Array<[string, string]>, overrides: Partial<HttpRequestHead> = {}) {
  return { method: "GET", target: "/chat", versionMajor: 1, versionMinor: 1, fields, ...overrides };
}

function validFields(): Array<[string, string]> {
  return [
    ["host", "server.example.com"],
    ["upgrade", "websocket"],
    ["connection", "Upgrade"],
    ["sec-websocket-key", KEY],
    ["origin", "http://example.com"],
    ["sec-websocket-protocol", "chat, superchat"],
    ["sec-websocket-version", "13"],
  ];
}

function without(name: string): Array<[string, string]> {
  return validFields().filter(([n]) => n !== name);
}

function replaced(name: string, value: string): Array<[string, string]> {
  return validFields().map(([n, v]) => [n, n === name ? value : v]);
}

function expectRefusal(h: HttpRequestHead, status: number, reasonPart: string) {
  const check = checkUpgradeRequest(h);
  assert.equal(check.ok, false, JSON.stringify(h));
  if (!check.ok) {
    assert.equal(check.refusal.status, status, JSON.stringify(h));
    assert.match(check.refusal.reason, new RegExp(reasonPart));
  }
}

Deno.test("handshake: the RFC 6455 example key gives its accept value (and matches WebCrypto)", async () => {
  assert.equal(acceptKeyFor(KEY), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  const digest = await crypto.subtle.digest(
    "SHA-1",
    new TextEncoder().encode(KEY + WEBSOCKET_GUID),
  );
  assert.equal(acceptKeyFor(KEY), btoa(String.fromCharCode(...new Uint8Array(digest))));
});

Deno.test("handshake: the RFC's sample request is valid; fields are exposed", () => {
  const raw = "GET /chat?room=2 HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n" +
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
    "Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n" +
    "Sec-WebSocket-Protocol: , v3\r\nSec-WebSocket-Extensions: permessage-deflate\r\n" +
    "Sec-WebSocket-Version: 13\r\n\r\n";
  const parsed = new HttpHeadParser().push(new TextEncoder().encode(raw));
  assert.equal(parsed.state, "complete");
  if (parsed.state !== "complete") return;
  const check = checkUpgradeRequest(parsed.head);
  assert.equal(check.ok, true);
  if (!check.ok) return;
  const r = check.request;
  assert.equal(r.path, "/chat");
  assert.equal(r.query, "?room=2");
  assert.equal(r.host, "server.example.com");
  assert.equal(r.origin, "http://example.com");
  assert.equal(r.key, KEY);
  assert.deepEqual(r.protocols, ["chat", "superchat", "v3"]);
  assert.equal(r.headers.get("sec-websocket-extensions"), "permessage-deflate");
});

Deno.test("handshake: token matching is case-insensitive and works inside lists", () => {
  const fields = replaced("upgrade", "h2c, WebSocket").map(([n, v]): [string, string] =>
    n === "connection" ? [n, "keep-alive, UPGRADE"] : [n, v]
  );
  const check = checkUpgradeRequest(head(fields, { target: "/", versionMinor: 2 }));
  assert.equal(check.ok, true);
  if (check.ok) {
    assert.equal(check.request.query, "");
    assert.equal(check.request.origin, "http://example.com");
  }
  const noOrigin = checkUpgradeRequest(head(without("origin")));
  assert.ok(noOrigin.ok && noOrigin.request.origin === undefined);
  const noProtocols = checkUpgradeRequest(head(without("sec-websocket-protocol")));
  assert.ok(noProtocols.ok && noProtocols.request.protocols.length === 0);
});

Deno.test("handshake: every malformed upgrade request is refused with the right status", () => {
  expectRefusal(head(validFields(), { method: "POST" }), 400, "GET");
  expectRefusal(head(validFields(), { method: "get" }), 400, "GET");
  expectRefusal(head(validFields(), { versionMinor: 0 }), 400, "HTTP/1.1");
  expectRefusal(head(validFields(), { versionMajor: 2, versionMinor: 0 }), 400, "HTTP/1.1");
  expectRefusal(head(validFields(), { target: "http://a/chat" }), 400, "path");
  expectRefusal(head(validFields(), { target: "*" }), 400, "path");
  expectRefusal(head(without("host")), 400, "Host");
  expectRefusal(head([...validFields(), ["host", "other"]]), 400, "Host");
  expectRefusal(head(replaced("host", "")), 400, "Host");
  expectRefusal(head(replaced("host", "a b")), 400, "Host");
  expectRefusal(head(without("upgrade")), 400, "not a WebSocket upgrade");
  expectRefusal(head(replaced("upgrade", "websockets")), 400, "not a WebSocket upgrade");
  expectRefusal(head(without("connection")), 400, "not a WebSocket upgrade");
  expectRefusal(head(replaced("connection", "keep-alive")), 400, "not a WebSocket upgrade");
  expectRefusal(head(replaced("connection", "upgraded")), 400, "not a WebSocket upgrade");
  expectRefusal(head(without("sec-websocket-key")), 400, "Key");
  expectRefusal(head(replaced("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ")), 400, "Key");
  expectRefusal(head(replaced("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=")), 400, "Key");
  expectRefusal(head(replaced("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZ===")), 400, "Key");
  expectRefusal(head(replaced("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==AA==")), 400, "Key");
  expectRefusal(head(replaced("sec-websocket-key", "dGhlIHNhbXBsZSBub2*jZQ==")), 400, "Key");
  expectRefusal(head([...validFields(), ["sec-websocket-key", KEY]]), 400, "Key");
  expectRefusal(head(replaced("sec-websocket-protocol", "chat, bad protocol")), 400, "Protocol");
  expectRefusal(head(replaced("sec-websocket-protocol", "a/b")), 400, "Protocol");
  expectRefusal(head([...validFields(), ["content-length", "5"]]), 400, "body");
  expectRefusal(head([...validFields(), ["transfer-encoding", "chunked"]]), 400, "body");
  // version problems are 426 and advertise version 13
  for (const fields of [without("sec-websocket-version"), replaced("sec-websocket-version", "8")]) {
    const check = checkUpgradeRequest(head(fields));
    assert.ok(!check.ok);
    if (!check.ok) {
      assert.equal(check.refusal.status, 426);
      assert.deepEqual(check.refusal.headers, [["Sec-WebSocket-Version", "13"]]);
    }
  }
  expectRefusal(head([...validFields(), ["sec-websocket-version", "13"]]), 426, "version");
  // a zero Content-Length is no body
  assert.equal(checkUpgradeRequest(head([...validFields(), ["content-length", "0"]])).ok, true);
});

Deno.test("handshake: the 101 response carries the accept value and the chosen protocol", () => {
  const text = dec.decode(upgradeResponse(KEY, "chat"));
  assert.equal(
    text,
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n",
  );
  assert.ok(!dec.decode(upgradeResponse(KEY)).includes("Sec-WebSocket-Protocol"));
  assert.throws(() => upgradeResponse(KEY, "a b"), MultiplayerError);
  assert.throws(() => upgradeResponse(KEY, "x\r\nEvil: 1"), MultiplayerError);
});

Deno.test("handshake: error responses are complete HTTP messages with a plain-text reason", () => {
  const text = dec.decode(
    errorResponse(426, "unsupported version", [["Sec-WebSocket-Version", "13"]]),
  );
  const [headPart, body] = text.split("\r\n\r\n");
  const lines = headPart.split("\r\n");
  assert.equal(lines[0], "HTTP/1.1 426 Upgrade Required");
  assert.ok(lines.includes("Sec-WebSocket-Version: 13"));
  assert.ok(lines.includes("Connection: close"));
  assert.ok(lines.includes("Content-Type: text/plain; charset=utf-8"));
  assert.equal(body, "unsupported version\n");
  assert.ok(lines.includes(`Content-Length: ${body.length}`));
  for (
    const [status, phrase] of [[400, "Bad Request"], [404, "Not Found"], [
      503,
      "Service Unavailable",
    ], [599, "Error"]] as const
  ) {
    assert.ok(
      dec.decode(errorResponse(status, "x")).startsWith(`HTTP/1.1 ${status} ${phrase}\r\n`),
    );
  }
  // an application reason cannot inject lines, and is cut short
  const injected = dec.decode(errorResponse(403, "no\r\nSet-Cookie: a=1" + "x".repeat(500)));
  assert.ok(!injected.includes("\r\nSet-Cookie"));
  assert.ok(injected.length < 400);
  assert.throws(() => errorResponse(200, "ok"), MultiplayerError);
  assert.throws(() => errorResponse(404.5, "x"), MultiplayerError);
  assert.throws(() => errorResponse(400, "x", [["Bad Name", "v"]]), MultiplayerError);
  assert.throws(() => errorResponse(400, "x", [["X", "a\r\nb"]]), MultiplayerError);
});
