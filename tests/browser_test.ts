/**
 * A real browser joins a mixed session: headless Chromium loads the example page from the
 * example server, joins over WebSocket, and exchanges packets with a Deno UDP client through the
 * server. Needs Chromium and --allow-run --allow-read --allow-write --allow-env; otherwise it
 * reports itself skipped with the reason.
 */
import assert from "node:assert/strict";
import { ConnectionStatus, TransferMode, UdpMultiplayerPeer } from "../mod.ts";
import { serveExample } from "../examples/browser/serve.ts";
import { bundleClient, Chromium, findChromium, withTimeout } from "./helpers/cdp.ts";
import { closeAll, drain, pumpUntil, record } from "./helpers/udp_session.ts";

function skipReason(): string | undefined {
  for (const name of ["run", "read", "write", "env"] as const) {
    if (Deno.permissions.querySync({ name }).state !== "granted") {
      return `needs --allow-run --allow-read --allow-write --allow-env (missing ${name}); ` +
        "run `deno task test:browser`";
    }
  }
  if (!findChromium()) return "Chromium not found (apt-get install chromium, or set CHROMIUM_PATH)";
  return undefined;
}

const skip = skipReason();
if (skip) console.warn(`browser_test: skipped: ${skip}`);

Deno.test({
  name: "browser: Chromium joins over WebSocket and talks to a UDP client through the server",
  ignore: skip !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "netplay-bundle-" });
    const server = await serveExample({ port: 0, udpPort: 0, clientJs: await bundleClient(dir) });
    const udp = record(new UdpMultiplayerPeer());
    const serverRec = record(server.peer);
    const browser = await Chromium.launch(findChromium()!);
    try {
      await udp.peer.createClient("127.0.0.1", server.udpPort);
      await pumpUntil(
        [udp, serverRec],
        () => udp.peer.getConnectionStatus() === ConnectionStatus.CONNECTED,
        5000,
        "udp client connects",
      );
      const udpId = udp.peer.getUniqueId();
      const page = await browser.newPage();
      await page.navigate(`http://127.0.0.1:${server.port}/`);
      const url = `ws://127.0.0.1:${server.port}/ws`;
      // The page's own poll loop keeps it running; the Deno side must poll while we wait.
      const pumping = { on: true };
      const pump = (async () => {
        while (pumping.on) await Promise.all([udp.peer.poll(20), server.peer.poll(20)]);
      })();
      try {
        const browserId = await withTimeout(
          page.evaluate<number>(`netplay.join(${JSON.stringify(url)})`),
          10_000,
          "page joins",
        );
        assert.ok(browserId >= 2 && browserId !== udpId);
        await withTimeout(
          page.evaluate(`netplay.waitUntil(() => netplay.peers().includes(${udpId}))`),
          10_000,
          "page learns of the UDP client",
        );
        // The UDP client learns of the browser over another carrier: wait for it too (else
        // sending to browserId races the announcement and throws UNKNOWN_PEER).
        await pumpUntil(
          [udp, serverRec],
          () => udp.events.some((e) => e.type === "peer_connected" && e.id === browserId),
          5000,
          "udp client learns of the browser",
        );
        // Browser -> UDP client directly (relayed), and a broadcast.
        await page.evaluate(`netplay.send("hello udp", ${udpId}, ${TransferMode.RELIABLE})`);
        await page.evaluate(`netplay.send("hello all", 0, ${TransferMode.UNRELIABLE})`);
        // UDP client -> browser, in every mode, and a broadcast.
        udp.peer.setTargetPeer(browserId);
        for (const mode of [0, 1, 2] as const) {
          udp.peer.transferMode = mode;
          udp.peer.putPacket(new TextEncoder().encode(`udp says ${mode}`));
        }
        udp.peer.setTargetPeer(0);
        udp.peer.putPacket(new TextEncoder().encode("udp to all"));
        const received = await withTimeout(
          page.evaluate<{ from: number; text: string; mode: number }[]>(
            `netplay.waitUntil(() => netplay.messages().length >= 4).then(netplay.messages)`,
          ),
          10_000,
          "page receives 4 packets",
        );
        assert.deepEqual(
          received.map((m) => `${m.from}:${m.text}:${m.mode}`).sort(),
          [`${udpId}:udp says 0:0`, `${udpId}:udp says 1:1`, `${udpId}:udp says 2:2`].concat(
            `${udpId}:udp to all:2`,
          ).sort(),
        );
        const shown = await page.evaluate<string>(
          `document.getElementById("messages").textContent`,
        );
        assert.match(shown, /udp says 2/);
        pumping.on = false;
        await pump;
        const udpGot: string[] = [];
        await pumpUntil(
          [udp, serverRec],
          () => {
            for (const [from, , , data] of drain(udp)) {
              udpGot.push(`${from}:${new TextDecoder().decode(data)}`);
            }
            return udpGot.length >= 2;
          },
          5000,
          "udp client receives 2 packets",
        );
        assert.deepEqual(udpGot.sort(), [`${browserId}:hello all`, `${browserId}:hello udp`]);
        await page.evaluate("netplay.leave()");
        await pumpUntil(
          [udp, serverRec],
          () => udp.events.some((e) => e.type === "peer_disconnected" && e.id === browserId),
          5000,
          "udp client sees the browser leave",
        );
      } catch (error) {
        console.error("page log:\n" + page.log.join("\n"));
        throw error;
      } finally {
        pumping.on = false;
        await pump;
      }
    } finally {
      await browser.close();
      await closeAll([udp]);
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
