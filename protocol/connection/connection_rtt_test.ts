import assert from "node:assert/strict";
import { Connection } from "./connection.ts";
import { testConfig } from "./_test_util.ts";
import { TransferMode } from "../constants.ts";

/**
 * Unreliable-only one-way stream over a 0.1-0.3 ms jittery path in simulated time: the receiver
 * has nothing to send, so every ack is lazy (up to 50 ms late). Returns the sender.
 */
function lazyAckStream(intervalMs: number, durationMs: number): Connection {
  const a = new Connection(testConfig()), b = new Connection(testConfig());
  let delivered = 0;
  b.onMessage = () => (delivered++, true);
  const payload = new Uint8Array(32);
  const owd = (i: number) => 0.05 + (i % 5) * 0.025; // one-way delay, jittered
  let i = 0;
  for (let t = 0; t < durationMs; t += intervalMs, i++) {
    a.send(1, TransferMode.UNRELIABLE, payload, undefined, t);
    for (let d = a.pollTransmit(t); d; d = a.pollTransmit(t)) b.handleDatagram(d, t + owd(i));
    // b's lazy-ack timer fires late by a fraction of a ms, as a real event loop's does
    const due = b.pollTimeout();
    if (due <= t + intervalMs) {
      const at = due + 0.37;
      b.handleTimeout(at);
      for (let d = b.pollTransmit(at); d; d = b.pollTransmit(at)) a.handleDatagram(d, at + owd(i));
    }
    if (a.pollTimeout() <= t) a.handleTimeout(t);
  }
  assert.ok(delivered > durationMs / intervalMs / 2, `delivered ${delivered}`);
  return a;
}

Deno.test("unreliable-only traffic: lazy acks never inflate srtt or shrink the window", () => {
  for (const interval of [1, 5, 20]) {
    const a = lazyAckStream(interval, 3000);
    assert.ok(a.rtt.hasSample, "RTT measured from lazy acks");
    assert.ok(a.rttMs < 1, `interval ${interval} ms: srtt ${a.rttMs} ms on a ~0.3 ms path`);
    assert.ok(
      a.congestion.congestionWindow >= 10 * 1200,
      `interval ${interval} ms: window ${a.congestion.congestionWindow} below its initial size`,
    );
  }
});

Deno.test("unreliable-only flood: a window-blocked sender asks for an ack (no 50 ms stall)", () => {
  const a = new Connection(testConfig()), b = new Connection(testConfig());
  let datagrams = 0;
  b.onMessage = () => true;
  const payload = new Uint8Array(32);
  // each 1 ms turn the app queues more than the window: the sender is window-bound from the start
  for (let t = 0; t < 50; t += 1) {
    for (let i = 0; i < 1000; i++) a.send(1, TransferMode.UNRELIABLE, payload, undefined, t);
    for (let d = a.pollTransmit(t); d; d = a.pollTransmit(t)) datagrams += +b.handleDatagram(d, t);
    if (b.pollTimeout() <= t) b.handleTimeout(t);
    for (let d = b.pollTransmit(t); d; d = b.pollTransmit(t)) a.handleDatagram(d, t + 0.05);
    if (a.pollTimeout() <= t) a.handleTimeout(t);
  }
  // lazy acks alone would leave the initial 10-datagram window closed for the first 50 ms
  assert.ok(datagrams > 200, `${datagrams} datagrams in the first 50 ms`);
  assert.ok(a.rttMs < 1, `srtt ${a.rttMs}`);
});

Deno.test("unreliable-only flood: at most one ack request per round trip, not one per datagram", () => {
  const a = new Connection(testConfig()), b = new Connection(testConfig());
  let data = 0, acks = 0;
  b.onMessage = () => true;
  const payload = new Uint8Array(32);
  // acks take 0.2 ms back; every 0.1 ms the app queues more than the window takes
  const inFlight: { at: number; bytes: Uint8Array }[] = [];
  for (let t = 0; t < 200; t = Math.round((t + 0.1) * 10) / 10) {
    for (let i = 0; i < 100; i++) a.send(1, TransferMode.UNRELIABLE, payload, undefined, t);
    for (let d = a.pollTransmit(t); d; d = a.pollTransmit(t)) data += +b.handleDatagram(d, t);
    if (b.pollTimeout() <= t) b.handleTimeout(t);
    for (let d = b.pollTransmit(t); d; d = b.pollTransmit(t)) {
      acks++;
      inFlight.push({ at: t + 0.2, bytes: d.slice() });
    }
    while (inFlight.length > 0 && inFlight[0].at <= t) a.handleDatagram(inFlight.shift()!.bytes, t);
    if (a.pollTimeout() <= t) a.handleTimeout(t);
  }
  assert.ok(data > 2000, `${data} datagrams delivered`);
  // the receiver acks every 16 datagrams (and answers one request per round trip): an ack
  // request on every window-full datagram would make it ack nearly every one
  assert.ok(acks < data / 5, `${acks} ack-only datagrams for ${data} data datagrams`);
});
