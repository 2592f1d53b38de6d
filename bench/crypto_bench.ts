/**
 * Cost of `encryption: true`.
 *
 * Part 1, the cipher alone, side by side (median of three interleaved passes): one datagram
 * (1000 bytes unless `--size`) sealed and opened again per operation, with
 * - WebCrypto AES-256-GCM one at a time (await the encrypt, then the decrypt),
 * - WebCrypto AES-256-GCM pipelined (a batch of datagrams in flight: all encrypts, then all
 *   decrypts, each batch awaited with `Promise.all`),
 * - our ChaCha20-Poly1305 (synchronous, into reused buffers), its WebAssembly kernel and its
 *   TypeScript fallback,
 * - the runtime's native ChaCha20-Poly1305 from `node:crypto` (synchronous, one cipher object per
 *   datagram and direction),
 * - the secure channel's datagram path on top of it (clear header, slab output, nonce from the
 *   packet number, replay window): what the secure layer runs per datagram.
 *
 * Part 2 (`--e2e`): the same loopback transfer (reliable 1000-byte packets, client -> server)
 * with and without encryption, plus the handshake time. `deno task bench --only "reliable 1000 B
 * encrypted"` measures the same through the full harness.
 *
 * Run: deno run --allow-net --unstable-net --allow-sys bench/crypto_bench.ts [--ms 1000]
 * [--size 1000] [--e2e [packets]]
 *
 * @module
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { UdpMultiplayerPeer } from "../mod.ts";
import { ChaCha20Poly1305 } from "../protocol/security/aead.ts";
import { deriveTrafficSecrets } from "../protocol/security/key_schedule.ts";
import { SecureChannel } from "../protocol/security/secure_channel.ts";
import { SEALED_OVERHEAD } from "../protocol/security/sealed_header.ts";

const flag = (name: string) => Deno.args.indexOf(name);
const option = (name: string, fallback: number) =>
  flag(name) >= 0 ? Number(Deno.args[flag(name) + 1]) || fallback : fallback;
const SIZE = option("--size", 1000); // bytes per datagram
const HEADER = 19; // the sealed header is the AAD
const BATCH = 64; // datagrams in flight in the pipelined WebCrypto row
const budgetMs = option("--ms", 1000);

interface Row {
  name: string;
  usPerOp: number;
  mbPerS: number;
}

/** Runs `round` (which does `opsPerRound` seal+open pairs) for ~budgetMs after a warm-up. */
async function measure(
  name: string,
  opsPerRound: number,
  round: () => void | Promise<void>,
): Promise<Row> {
  const warmUntil = performance.now() + budgetMs / 4;
  while (performance.now() < warmUntil) await round();
  let ops = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < budgetMs) {
    await round();
    ops += opsPerRound;
    t = performance.now();
  }
  const us = (t - t0) * 1000 / ops;
  return { name, usPerOp: us, mbPerS: SIZE / us };
}

async function cipherRows(): Promise<Row[]> {
  const rows: Row[] = [];
  const keyBytes = crypto.getRandomValues(new Uint8Array(32));
  const aad = crypto.getRandomValues(new Uint8Array(HEADER));
  const plaintext = crypto.getRandomValues(new Uint8Array(SIZE));

  const aes = await crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
  let counter = 0;
  const ivOf = (n: number) => {
    const iv = new Uint8Array(12);
    new DataView(iv.buffer).setUint32(8, n);
    return iv;
  };
  const gcm = (iv: Uint8Array) => ({ name: "AES-GCM", iv, additionalData: aad, tagLength: 128 });
  rows.push(
    await measure("WebCrypto AES-256-GCM, one at a time", 1, async () => {
      const iv = ivOf(counter++);
      const sealed = await crypto.subtle.encrypt(gcm(iv), aes, plaintext);
      await crypto.subtle.decrypt(gcm(iv), aes, sealed);
    }),
  );
  rows.push(
    await measure(`WebCrypto AES-256-GCM, ${BATCH} in flight`, BATCH, async () => {
      const ivs = Array.from({ length: BATCH }, () => ivOf(counter++));
      const sealed = await Promise.all(
        ivs.map((iv) => crypto.subtle.encrypt(gcm(iv), aes, plaintext)),
      );
      await Promise.all(sealed.map((s, i) => crypto.subtle.decrypt(gcm(ivs[i]), aes, s)));
    }),
  );

  // the synchronous rows run 100 datagrams per round, so the round's own await and clock read
  // (which the cipher does not need) stay out of the per-datagram figure
  const SYNC_ROUND = 100;
  const nonce = new Uint8Array(12), sealedBuf = new Uint8Array(SIZE + 16);
  const opened = new Uint8Array(SIZE);
  for (const backend of ["webassembly", "typescript"] as const) {
    const aead = new ChaCha20Poly1305(keyBytes, undefined, { backend });
    rows.push(
      await measure(`ChaCha20-Poly1305, ${aead.backend} (sync)`, SYNC_ROUND, () => {
        for (let i = 0; i < SYNC_ROUND; i++) {
          nonce[11]++;
          aead.seal(nonce, aad, plaintext, sealedBuf);
          if (aead.open(nonce, aad, sealedBuf, opened) !== SIZE) throw new Error("open failed");
        }
      }),
    );
  }

  // the runtime's native ChaCha20-Poly1305 (node:crypto, synchronous): fast per byte, but a
  // cipher object per datagram and direction
  rows.push(
    await measure("node:crypto ChaCha20-Poly1305 (native, sync)", SYNC_ROUND, () => {
      for (let i = 0; i < SYNC_ROUND; i++) {
        nonce[11]++;
        const c = createCipheriv("chacha20-poly1305", keyBytes, nonce, { authTagLength: 16 });
        c.setAAD(aad, { plaintextLength: SIZE });
        const sealed = c.update(plaintext);
        c.final();
        const d = createDecipheriv("chacha20-poly1305", keyBytes, nonce, { authTagLength: 16 });
        d.setAAD(aad, { plaintextLength: SIZE });
        d.setAuthTag(c.getAuthTag());
        if (d.update(sealed).length !== SIZE) throw new Error("open failed");
        d.final();
      }
    }),
  );

  const secrets = () => deriveTrafficSecrets(keyBytes, new Uint8Array(32));
  const client = SecureChannel.fromSecrets("client", secrets());
  const server = SecureChannel.fromSecrets("server", secrets());
  const plain = new Uint8Array(SIZE + SEALED_OVERHEAD);
  rows.push(
    await measure("secure channel datagram (header, slab, replay)", SYNC_ROUND, () => {
      for (let i = 0; i < SYNC_ROUND; i++) {
        if (server.openDatagram(client.sealDatagram(1, plaintext), plain) !== SIZE) {
          throw new Error("open failed");
        }
      }
    }),
  );
  return rows;
}

async function transfer(
  encryption: boolean,
  packets: number,
): Promise<{ connectMs: number; ms: number }> {
  const server = new UdpMultiplayerPeer();
  await server.createServer(0, { bindAddress: "127.0.0.1", encryption });
  const client = new UdpMultiplayerPeer();
  const t0 = performance.now();
  await client.createClient("127.0.0.1", server.localPort, {
    encryption,
    allowUnauthenticatedServer: encryption, // measures the cipher, not key pinning
  });
  while (client.getConnectionStatus() === 1) await Promise.all([client.poll(5), server.poll(5)]);
  const connectMs = performance.now() - t0;
  const payload = new Uint8Array(SIZE);
  client.setTargetPeer(1);
  const t1 = performance.now();
  let sent = 0, got = 0;
  while (got < packets) {
    // keep ~512 packets in flight so the send queue stays bounded
    while (sent < packets && sent - got < 512) {
      client.putPacket(payload.slice());
      sent++;
    }
    await Promise.all([server.poll(1), client.poll(0)]);
    while (server.getAvailablePacketCount() > 0) {
      server.getPacket();
      got++;
    }
  }
  const ms = performance.now() - t1;
  await client.close();
  await server.close();
  return { connectMs, ms };
}

const PASSES = 3; // the rows interleave, so load from other processes hits them alike
const load = () => Deno.loadavg().map((l) => l.toFixed(2)).join(" ");
const loadBefore = load();
const passes: Row[][] = [];
for (let p = 0; p < PASSES; p++) passes.push(await cipherRows());
const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
const rows = passes[0].map((r, i) => {
  const usPerOp = median(passes.map((pass) => pass[i].usPerOp));
  return { name: r.name, usPerOp, mbPerS: SIZE / usPerOp };
});
const ref = rows[0].usPerOp;
console.log(
  `seal + open of one ${SIZE} B datagram (${HEADER} B AAD), median of ${PASSES} passes of ` +
    `~${budgetMs} ms per row (MB/s: datagram bytes sealed and opened again per second)`,
);
console.log("cipher                                          |  us/op |   MB/s | vs one-at-a-time");
console.log("------------------------------------------------|--------|--------|-----------------");
for (const r of rows) {
  console.log(
    `${r.name.padEnd(47)} | ${r.usPerOp.toFixed(2).padStart(6)} | ${
      r.mbPerS.toFixed(1).padStart(6)
    } | ${(ref / r.usPerOp).toFixed(1)}x`,
  );
}
console.log(`(load average before: ${loadBefore}, after: ${load()})`);

if (flag("--e2e") >= 0) {
  const packets = Number(Deno.args[flag("--e2e") + 1] ?? 20_000) || 20_000;
  for (const encryption of [false, true, false, true]) {
    const { connectMs, ms } = await transfer(encryption, packets);
    const mbps = (packets * SIZE * 8) / (ms * 1000);
    console.log(
      `${encryption ? "encrypted" : "plain    "}: connect ${connectMs.toFixed(1)} ms, ` +
        `${packets} x ${SIZE} B in ${ms.toFixed(0)} ms = ${(packets / ms * 1000).toFixed(0)} ` +
        `packets/s, ${mbps.toFixed(1)} Mbit/s`,
    );
  }
}
