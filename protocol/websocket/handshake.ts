/**
 * The server half of the WebSocket opening handshake (RFC 6455 §4.2): checks a parsed request
 * head, derives `Sec-WebSocket-Accept`, and builds the `101` and the HTTP error responses.
 * Extensions are never negotiated: `Sec-WebSocket-Extensions` is ignored, so the client falls
 * back to plain frames.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";
import { encodeBase64 } from "./_base64.ts";
import { sha1 } from "./_sha1.ts";
import type { HttpRequestHead } from "./http_head.ts";

/** The fixed GUID appended to the client's key before hashing (RFC 6455 §1.3). */
export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** A valid upgrade request, as {@link checkUpgradeRequest} extracted it. */
export interface UpgradeRequest {
  /** Path part of the request target, e.g. `"/game"`. */
  readonly path: string;
  /** Query part including its `?`, or `""`. */
  readonly query: string;
  /** The `Host` header. */
  readonly host: string;
  /** The `Origin` header (sent by browsers), if any. */
  readonly origin: string | undefined;
  /** `Sec-WebSocket-Key`: 24 characters of base64 (16 bytes). */
  readonly key: string;
  /** Subprotocols the client offers, in its order of preference (may be empty). */
  readonly protocols: readonly string[];
  /** Every header field, names lower-cased, repeated fields joined by `", "`. */
  readonly headers: Headers;
}

/** A request that is not a valid upgrade: what to answer. */
export interface UpgradeRefusal {
  /** HTTP status: 400, or 426 for an unsupported `Sec-WebSocket-Version`. */
  readonly status: number;
  /** Short plain-text reason for the response body. */
  readonly reason: string;
  /** Extra response header fields (426 carries `Sec-WebSocket-Version: 13`). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** Result of {@link checkUpgradeRequest}. */
export type UpgradeCheck =
  | { readonly ok: true; readonly request: UpgradeRequest }
  | { readonly ok: false; readonly refusal: UpgradeRefusal };

// 16 bytes in base64 are 22 significant characters and "=="
const KEY = /^[A-Za-z0-9+/]{22}==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// a Host value: no blanks, no control characters, no characters outside ASCII
const HOST = /^[\x21-\x7e]+$/;
const NO_HEADERS: ReadonlyArray<readonly [string, string]> = Object.freeze([]);

/**
 * Checks that `head` is a WebSocket upgrade request this server can answer: `GET`, HTTP/1.1 or
 * a later 1.x, an origin-form target, exactly one `Host`, `Upgrade` listing `websocket` and
 * `Connection` listing `upgrade` (both case-insensitive), `Sec-WebSocket-Version: 13`, exactly
 * one `Sec-WebSocket-Key` of 16 base64 bytes, a well-formed `Sec-WebSocket-Protocol` list if
 * present, and no request body. Never throws.
 *
 * @example
 * ```ts
 * import { checkUpgradeRequest } from "./handshake.ts";
 * const check = checkUpgradeRequest({
 *   method: "GET",
 *   target: "/chat?room=1",
 *   versionMajor: 1,
 *   versionMinor: 1,
 *   fields: [
 *     ["host", "example.com"],
 *     ["upgrade", "websocket"],
 *     ["connection", "Upgrade"],
 *     ["sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="],
 *     ["sec-websocket-version", "13"],
 *     ["sec-websocket-protocol", "chat, superchat"],
 *   ],
 * });
 * if (check.ok) console.log(check.request.path, check.request.protocols); // /chat [ "chat", "superchat" ]
 * ```
 */
export function checkUpgradeRequest(head: HttpRequestHead): UpgradeCheck {
  if (head.method !== "GET") return refuse(400, "WebSocket upgrade needs the GET method");
  if (head.versionMajor !== 1 || head.versionMinor < 1) {
    return refuse(400, "WebSocket upgrade needs HTTP/1.1");
  }
  if (!head.target.startsWith("/")) return refuse(400, "request target must be a path");

  const headers = new Headers();
  let hosts = 0, keys = 0;
  let hasBody = false;
  for (const [name, value] of head.fields) {
    if (name === "host") hosts++;
    else if (name === "sec-websocket-key") keys++;
    else if (name === "transfer-encoding") hasBody = true;
    else if (name === "content-length" && value !== "0") hasBody = true;
    try {
      headers.append(name, value);
    } catch {
      return refuse(400, "malformed header field");
    }
  }
  if (hosts !== 1) return refuse(400, "exactly one Host header required");
  const host = headers.get("host")!;
  if (!HOST.test(host)) return refuse(400, "malformed Host header");
  if (hasBody) return refuse(400, "WebSocket upgrade request must not have a body");

  if (
    !listHas(headers.get("upgrade"), "websocket") || !listHas(headers.get("connection"), "upgrade")
  ) {
    return refuse(400, "not a WebSocket upgrade request");
  }
  if (headers.get("sec-websocket-version") !== "13") {
    return {
      ok: false,
      refusal: {
        status: 426,
        reason: "unsupported WebSocket version (13 required)",
        headers: [["Sec-WebSocket-Version", "13"]],
      },
    };
  }
  const key = headers.get("sec-websocket-key");
  if (keys !== 1 || key === null || !KEY.test(key)) {
    return refuse(400, "Sec-WebSocket-Key must be base64 of 16 bytes");
  }
  const protocols: string[] = [];
  const offered = headers.get("sec-websocket-protocol");
  if (offered !== null) {
    for (const item of offered.split(",")) {
      const protocol = item.trim();
      if (protocol === "") continue; // empty list elements are allowed and mean nothing
      if (!TOKEN.test(protocol)) return refuse(400, "malformed Sec-WebSocket-Protocol");
      protocols.push(protocol);
    }
  }
  const queryAt = head.target.indexOf("?");
  return {
    ok: true,
    request: {
      path: queryAt < 0 ? head.target : head.target.slice(0, queryAt),
      query: queryAt < 0 ? "" : head.target.slice(queryAt),
      host,
      origin: headers.get("origin") ?? undefined,
      key,
      protocols,
      headers,
    },
  };
}

/**
 * `Sec-WebSocket-Accept` for a client key: base64(SHA-1(key + GUID)).
 *
 * @example
 * ```ts
 * import { acceptKeyFor } from "./handshake.ts";
 * console.log(acceptKeyFor("dGhlIHNhbXBsZSBub25jZQ==")); // s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
 * ```
 */
export function acceptKeyFor(key: string): string {
  return encodeBase64(sha1(asciiBytes(key + WEBSOCKET_GUID)));
}

/**
 * The `101 Switching Protocols` response accepting `key`, naming `protocol` when one was
 * chosen. Throws MultiplayerError INVALID_ARGUMENT when `protocol` is not a token (it would
 * break the response).
 *
 * @example
 * ```ts
 * import { upgradeResponse } from "./handshake.ts";
 * const bytes = upgradeResponse("dGhlIHNhbXBsZSBub25jZQ==", "chat");
 * console.log(new TextDecoder().decode(bytes).split("\r\n")[0]); // HTTP/1.1 101 Switching Protocols
 * ```
 */
export function upgradeResponse(key: string, protocol?: string): Uint8Array {
  if (protocol !== undefined && !TOKEN.test(protocol)) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `subprotocol must be a token, got "${protocol}"`,
    );
  }
  let text = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Accept: ${acceptKeyFor(key)}\r\n`;
  if (protocol !== undefined) text += `Sec-WebSocket-Protocol: ${protocol}\r\n`;
  return asciiBytes(text + "\r\n");
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  426: "Upgrade Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Longest reason kept in an error body; longer ones are cut. */
export const MAX_ERROR_REASON_LENGTH = 200;

/**
 * An HTTP error response with a short plain-text body saying why, and `Connection: close`.
 * `status` must be an integer in [400, 599] (else MultiplayerError INVALID_ARGUMENT). The
 * reason is reduced to printable ASCII and cut to {@link MAX_ERROR_REASON_LENGTH} characters,
 * so an application-supplied reason cannot inject header lines. Extra header fields must be
 * tokens and printable ASCII values (else INVALID_ARGUMENT).
 *
 * @example
 * ```ts
 * import { errorResponse } from "./handshake.ts";
 * const text = new TextDecoder().decode(errorResponse(503, "server full"));
 * console.log(text.split("\r\n")[0], text.endsWith("server full\n")); // HTTP/1.1 503 Service Unavailable true
 * ```
 */
export function errorResponse(
  status: number,
  reason: string,
  headers: ReadonlyArray<readonly [string, string]> = NO_HEADERS,
): Uint8Array {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `error status must be in [400, 599], got ${status}`,
    );
  }
  const body = reason.replace(/[^\x20-\x7e]/g, " ").slice(0, MAX_ERROR_REASON_LENGTH) + "\n";
  let text = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\n` +
    "Content-Type: text/plain; charset=utf-8\r\n" +
    `Content-Length: ${body.length}\r\n` +
    "Connection: close\r\n";
  for (const [name, value] of headers) {
    if (!TOKEN.test(name) || !/^[\x20-\x7e]*$/.test(value)) {
      throw new MultiplayerError("INVALID_ARGUMENT", `malformed response header "${name}"`);
    }
    text += `${name}: ${value}\r\n`;
  }
  return asciiBytes(text + "\r\n" + body);
}

function refuse(status: number, reason: string): UpgradeCheck {
  return { ok: false, refusal: { status, reason, headers: NO_HEADERS } };
}

/** True when the comma-separated `list` holds `token` (ASCII case-insensitive). */
function listHas(list: string | null, token: string): boolean {
  if (list === null) return false;
  for (const item of list.split(",")) {
    if (item.trim().toLowerCase() === token) return true;
  }
  return false;
}

/** Code units as bytes; callers only pass ASCII. */
function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
