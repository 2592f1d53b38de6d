import assert from "node:assert/strict";
import {
  decodeCommand,
  decodeDatagram,
  DecodedCommand,
  DecodedHeader,
  decodeHeader,
  encodeCommand,
  encodeHeader,
  newCommandFields,
} from "./codec.ts";
import { EnetCommand } from "./constants.ts";
import { crc32 } from "./crc32.ts";

const hex = (s: string) => new Uint8Array(s.trim().split(/\s+/).map((b) => parseInt(b, 16)));

// Real datagrams from Godot 3.2.3 + libenet 1.3.17 (captures README)
const CONNECT = hex(
  "8f ff e4 39 82 ff 00 01 00 00 ff ff 00 00 05 78 00 01 00 00 00 00 00 04 00 00 00 00 00 00 00 00 00 00 13 88 00 00 00 02 00 00 00 02 97 ab 7a b6 5d e4 a8 35",
);
const VERIFY = hex(
  "80 00 e4 3a 83 ff 00 01 00 00 00 00 00 00 05 78 00 01 00 00 00 00 00 04 00 00 00 00 00 00 00 00 00 00 13 88 00 00 00 02 00 00 00 02 97 ab 7a b6",
);
const ACK_PING = hex("80 00 e4 40 01 ff 00 01 00 01 e4 3a 85 ff 00 02");
const ACK = hex("00 00 01 ff 00 02 00 02 e4 40");
const BANDWIDTH = hex("80 00 e7 7d 8a ff 00 03 00 00 00 00 00 00 00 00");
const DISCONNECT_NOW = hex("00 00 44 ff 00 06 5d e4 a8 35");

/** Re-encodes a decoded datagram and checks the bytes are identical. */
function roundTrip(bytes: Uint8Array): void {
  const d = decodeDatagram(bytes)!;
  assert.ok(d.complete);
  const out = new Uint8Array(bytes.length);
  let off = encodeHeader(
    out,
    0,
    d.header.peerId,
    d.header.sessionId,
    d.header.compressed,
    d.header.hasSentTime ? d.header.sentTime : undefined,
    false,
    0,
  );
  for (const c of d.commands) off = encodeCommand(out, off, c, c.payload, 0);
  assert.equal(off, bytes.length);
  assert.deepEqual(out, bytes);
}

Deno.test("codec: the real CONNECT decodes to its fields and re-encodes byte for byte", () => {
  const d = decodeDatagram(CONNECT)!;
  assert.equal(d.header.peerId, 0xfff);
  assert.equal(d.header.hasSentTime, true);
  assert.equal(d.header.sentTime, 0xe439);
  assert.equal(d.commands.length, 1);
  const c = d.commands[0];
  assert.equal(c.command, EnetCommand.CONNECT);
  assert.equal(c.flags, 0x80);
  assert.equal(c.channelId, 0xff);
  assert.equal(c.reliableSeq, 1);
  assert.equal(c.outgoingPeerId, 0);
  assert.equal(c.incomingSessionId, 0xff);
  assert.equal(c.outgoingSessionId, 0xff);
  assert.equal(c.mtu, 1400);
  assert.equal(c.windowSize, 65536);
  assert.equal(c.channelCount, 4);
  assert.equal(c.throttleInterval, 5000);
  assert.equal(c.throttleAcceleration, 2);
  assert.equal(c.throttleDeceleration, 2);
  assert.equal(c.connectId, 0x97ab7ab6);
  assert.equal(c.data, 1575266357);
  roundTrip(CONNECT);
});

Deno.test("codec: VERIFY_CONNECT, ACK + PING, ACK, BANDWIDTH_LIMIT, DISCONNECT golden bytes", () => {
  const v = decodeDatagram(VERIFY)!;
  assert.equal(v.header.peerId, 0);
  assert.equal(v.commands[0].command, EnetCommand.VERIFY_CONNECT);
  assert.equal(v.commands[0].incomingSessionId, 0);
  assert.equal(v.commands[0].connectId, 0x97ab7ab6);
  const ap = decodeDatagram(ACK_PING)!;
  assert.deepEqual(ap.commands.map((c) => c.command), [EnetCommand.ACKNOWLEDGE, EnetCommand.PING]);
  assert.equal(ap.commands[0].receivedReliableSeq, 1);
  assert.equal(ap.commands[0].receivedSentTime, 0xe43a);
  assert.equal(ap.commands[1].reliableSeq, 2);
  const a = decodeDatagram(ACK)!;
  assert.equal(a.header.hasSentTime, false);
  assert.equal(a.header.size, 2);
  assert.equal(a.commands[0].receivedSentTime, 0xe440);
  const b = decodeDatagram(BANDWIDTH)!;
  assert.equal(b.commands[0].command, EnetCommand.BANDWIDTH_LIMIT);
  const dn = decodeDatagram(DISCONNECT_NOW)!;
  assert.equal(dn.commands[0].command, EnetCommand.DISCONNECT);
  assert.equal(dn.commands[0].flags, 0x40);
  assert.equal(dn.commands[0].data, 0x5de4a835);
  for (const bytes of [VERIFY, ACK_PING, ACK, BANDWIDTH, DISCONNECT_NOW]) roundTrip(bytes);
});

Deno.test("codec: every command round-trips through encode / decode", () => {
  const sizes = [0, 8, 48, 44, 8, 4, 6, 8, 24, 8, 12, 16, 24];
  const cmd = new DecodedCommand();
  for (let number = 1; number <= 12; number++) {
    const f = {
      ...newCommandFields(),
      command: number,
      flags: 0x80,
      channelId: 3,
      reliableSeq: 0xbeef,
    };
    Object.assign(f, {
      receivedReliableSeq: 7,
      receivedSentTime: 0xfffe,
      outgoingPeerId: 0xabc,
      incomingSessionId: 1,
      outgoingSessionId: 2,
      mtu: 576,
      windowSize: 4096,
      channelCount: 255,
      incomingBandwidth: 0xffffffff,
      outgoingBandwidth: 1,
      throttleInterval: 9,
      throttleAcceleration: 8,
      throttleDeceleration: 7,
      connectId: 0x80000001,
      data: 0xdeadbeef,
      unreliableSeq: 0xffff,
      unsequencedGroup: 1024,
      startSeq: 5,
      fragmentCount: 3,
      fragmentNumber: 2,
      totalLength: 3000,
      fragmentOffset: 2744,
    });
    const payload = new Uint8Array([1, 2, 3]);
    const withData = [6, 7, 8, 9, 12].includes(number);
    f.dataLength = withData ? 3 : 0;
    const buf = new Uint8Array(64);
    const end = encodeCommand(buf, 0, f, payload, 0);
    assert.equal(end, sizes[number] + f.dataLength, `size of ${number}`);
    assert.equal(decodeCommand(buf, 0, end, cmd), end);
    assert.equal(cmd.command, number);
    assert.equal(cmd.reliableSeq, 0xbeef);
    assert.equal(cmd.channelId, 3);
    // re-encoding what was decoded reproduces every byte, so every field survived
    const again = new Uint8Array(64);
    assert.equal(encodeCommand(again, 0, cmd, buf, cmd.dataOffset), end);
    assert.deepEqual(again.subarray(0, end), buf.subarray(0, end));
    if (withData) assert.deepEqual(buf.slice(cmd.dataOffset, cmd.dataOffset + 3), payload);
    // one byte short: never a partial command
    assert.equal(decodeCommand(buf, 0, end - 1, cmd), -1);
  }
});

Deno.test("codec: malformed input gives -1 / undefined, never throws", () => {
  const cmd = new DecodedCommand();
  const h = new DecodedHeader();
  assert.equal(decodeHeader(new Uint8Array([0x80]), 0, false, h), -1);
  assert.equal(decodeHeader(new Uint8Array([0x80, 0, 1]), 0, false, h), -1, "sent time cut");
  assert.equal(decodeHeader(new Uint8Array([0, 0, 1, 2, 3]), 0, true, h), -1, "checksum cut");
  assert.equal(decodeCommand(new Uint8Array([0x0d, 0, 0, 0]), 0, 4, cmd), -1, "command 13");
  assert.equal(decodeCommand(new Uint8Array([0x00, 0, 0, 0]), 0, 4, cmd), -1, "command 0");
  assert.equal(
    decodeCommand(new Uint8Array([0x86, 1, 0, 1, 0, 9, 1]), 0, 7, cmd),
    -1,
    "payload overrun",
  );
  assert.equal(decodeDatagram(new Uint8Array(1)), undefined);
  assert.equal(decodeDatagram(hex("00 00 86 01 00 01 00 ff"))?.complete, false);
});

Deno.test("codec: CRC-32 is the standard one", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

const CAPTURES = new URL("../../../shared/godot/captures/", import.meta.url);
let captureFiles: string[] = [];
try {
  captureFiles = ["enet_1client.annotated.txt", "enet_2client.annotated.txt"].map((f) =>
    Deno.readTextFileSync(new URL(f, CAPTURES))
  );
} catch {
  console.warn("protocol/enet/codec_test.ts: skipped: shared/godot/captures not found");
}

Deno.test({
  name: "codec: every datagram of the annotated Godot captures decodes to what it says",
  ignore: captureFiles.length === 0,
  fn() {
    let datagrams = 0;
    for (const text of captureFiles) {
      for (const block of text.split(/\n(?=#\d+ )/)) {
        const hexLine = block.match(/hex: ([0-9a-f ]+)/);
        if (!hexLine) continue;
        const bytes = hex(hexLine[1]);
        const size = Number(block.match(/ (\d+) bytes/)?.[1]);
        if (bytes.length !== size) continue; // the annotation shortened a long datagram
        const names = [...block.matchAll(/cmd=0x([0-9a-f]{2}) ([A-Z_]+)/g)];
        const d = decodeDatagram(bytes)!;
        assert.ok(d.complete, block.slice(0, 60));
        assert.deepEqual(
          d.commands.map((c) => (c.command | c.flags).toString(16).padStart(2, "0")),
          names.map((m) => m[1]),
        );
        for (let i = 0; i < names.length; i++) {
          const expected = EnetCommand[names[i][2] as keyof typeof EnetCommand];
          assert.equal(d.commands[i].command, expected);
        }
        roundTrip(bytes);
        datagrams++;
      }
    }
    assert.ok(datagrams >= 150, `${datagrams} datagrams`);
  },
});
