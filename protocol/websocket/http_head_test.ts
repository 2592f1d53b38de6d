import assert from "node:assert/strict";
import { HttpHeadParser, type HttpHeadResult } from "./http_head.ts";

const enc = new TextEncoder();
const GOOD = "GET /chat?x=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade:  websocket \r\n" +
  "X-Obs: caf\xe9\r\n\r\n";

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function parseAll(text: string | Uint8Array, parser = new HttpHeadParser()): HttpHeadResult {
  return parser.push(typeof text === "string" ? latin1Bytes(text) : text);
}

function expectError(text: string, status: number, reasonPart: string, parser?: HttpHeadParser) {
  const result = parseAll(text, parser);
  assert.equal(result.state, "error", JSON.stringify(text));
  if (result.state === "error") {
    assert.equal(result.status, status, JSON.stringify(text));
    assert.match(result.reason, new RegExp(reasonPart), JSON.stringify(text));
  }
}

Deno.test("http head: parses a request, fields lower-cased and trimmed, obs-text kept", () => {
  const result = parseAll(GOOD);
  assert.equal(result.state, "complete");
  if (result.state !== "complete") return;
  assert.equal(result.consumed, latin1Bytes(GOOD).length);
  assert.equal(result.head.method, "GET");
  assert.equal(result.head.target, "/chat?x=1");
  assert.equal(result.head.versionMajor, 1);
  assert.equal(result.head.versionMinor, 1);
  assert.deepEqual(result.head.fields, [
    ["host", "example.com"],
    ["upgrade", "websocket"],
    ["x-obs", "caf\xe9"],
  ]);
});

Deno.test("http head: byte-at-a-time gives the same head; consumed counts only head bytes", () => {
  const bytes = latin1Bytes(GOOD + "\x81\x80trailing");
  const parser = new HttpHeadParser();
  let result: HttpHeadResult = { state: "incomplete" };
  let at = 0;
  for (; at < bytes.length && result.state === "incomplete"; at++) {
    result = parser.push(bytes.subarray(at, at + 1));
  }
  assert.equal(result.state, "complete");
  assert.equal(at, latin1Bytes(GOOD).length);
  if (result.state === "complete") assert.equal(result.consumed, 1);
  // after completion, the result is sticky
  assert.equal(parser.push(enc.encode("more")), result);
  assert.equal(parser.bytesSeen, latin1Bytes(GOOD).length);

  const whole = new HttpHeadParser().push(bytes);
  assert.equal(whole.state, "complete");
  if (whole.state === "complete" && result.state === "complete") {
    assert.equal(whole.consumed, latin1Bytes(GOOD).length);
    assert.deepEqual(whole.head, result.head);
  }
});

Deno.test("http head: bare LF line breaks and leading blank lines are accepted", () => {
  const result = parseAll("\r\n\nGET / HTTP/1.1\nHost: a\n\n");
  assert.equal(result.state, "complete");
  if (result.state === "complete") assert.deepEqual(result.head.fields, [["host", "a"]]);
});

Deno.test("http head: every malformed form is a 400 with a reason", () => {
  expectError("GET / HTTP/1.1\rHost: a\r\n\r\n", 400, "bare CR");
  expectError("GET / HTTP/1.1\r\nHost: a\x00\r\n\r\n", 400, "control character");
  expectError("\x16\x03\x01\x02\x00", 400, "control character"); // a TLS hello
  expectError("GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n", 400, "control character");
  expectError("GET /  HTTP/1.1\r\n\r\n", 400, "request line");
  expectError("GET / HTTP/1.1 \r\n\r\n", 400, "request line");
  expectError("GET /\r\n\r\n", 400, "request line"); // HTTP/0.9 style
  expectError("GET / HTTP/11\r\n\r\n", 400, "request line");
  expectError("G(T / HTTP/1.1\r\n\r\n", 400, "request line");
  expectError("GET /caf\xe9 HTTP/1.1\r\n\r\n", 400, "request line");
  expectError("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, "folding");
  expectError("GET / HTTP/1.1\r\n\tfolded\r\n\r\n", 400, "folding");
  expectError("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "field name");
  expectError("GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", 400, "field name");
  expectError("GET / HTTP/1.1\r\n: a\r\n\r\n", 400, "malformed header field");
  expectError("GET / HTTP/1.1\r\nHost a\r\n\r\n", 400, "malformed header field");
});

Deno.test("http head: size limits are 431 and hit before the limit is passed by much", () => {
  const parser = new HttpHeadParser({ maxHeadBytes: 100, maxLineBytes: 40, maxHeaderCount: 2 });
  assert.equal(parser.maxLineBytes, 40);
  expectError("GET /" + "a".repeat(60) + " HTTP/1.1\r\n\r\n", 431, "line too long", parser);
  parser.reset();
  expectError(
    "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
    431,
    "too many header fields",
    parser,
  );
  parser.reset();
  const long = "GET / HTTP/1.1\r\n" + "X: 0123456789012345678901234567\r\n".repeat(3);
  expectError(long, 431, "head too large", parser);
  assert.ok(parser.bytesSeen <= 101);
  // an endless stream of blank lines is also bounded by the head size
  parser.reset();
  expectError("\r\n".repeat(200), 431, "head too large", parser);
});

Deno.test("http head: default limits are 8 KiB head, 4 KiB line, 64 fields", () => {
  const parser = new HttpHeadParser();
  assert.deepEqual(
    [parser.maxHeadBytes, parser.maxLineBytes, parser.maxHeaderCount],
    [8192, 4096, 64],
  );
  let head = "GET / HTTP/1.1\r\n";
  for (let i = 0; i < 64; i++) head += `X-${i}: v\r\n`;
  assert.equal(parseAll(head + "\r\n").state, "complete");
  expectError(head + "X-64: v\r\n\r\n", 431, "too many");
  // invalid limits fall back to the defaults
  const fallback = new HttpHeadParser({ maxHeadBytes: -1, maxLineBytes: 0.5, maxHeaderCount: NaN });
  assert.deepEqual(
    [fallback.maxHeadBytes, fallback.maxLineBytes, fallback.maxHeaderCount],
    [8192, 4096, 64],
  );
});
