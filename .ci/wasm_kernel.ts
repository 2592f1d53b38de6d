/**
 * Writes `protocol/security/_wasm_aead_bytes.ts`: the ChaCha20-Poly1305 kernel that
 * `protocol/security/_wasm_aead_module.ts` generates, as base64, so the library loads it in well
 * under a millisecond instead of running the generator (~5-20 ms on first use). Run it after
 * changing the generator; `_wasm_aead_test.ts` fails while the two differ.
 *
 * Usage: `deno run --allow-write .ci/wasm_kernel.ts`
 *
 * @module
 */
import { aeadKernelBytes } from "../protocol/security/_wasm_aead_module.ts";

/**
 * The source text of the embedded kernel module for `bytes`.
 *
 * @example
 * ```ts
 * import { kernelSource } from "./wasm_kernel.ts";
 * console.log(kernelSource(new Uint8Array([0, 97, 115, 109])).includes("AGFzbQ")); // true
 * ```
 */
export function kernelSource(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const base64 = btoa(binary);
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 96) lines.push(`  "${base64.slice(i, i + 96)}" +`);
  lines[lines.length - 1] = lines[lines.length - 1].slice(0, -2) + ";";
  return `/**
 * The ChaCha20-Poly1305 kernel module (${bytes.length} bytes) as \`_wasm_aead_module.ts\` generates
 * it, embedded so loading it costs a decode and a compile, not a run of the generator. Written
 * by \`.ci/wasm_kernel.ts\`; \`_wasm_aead_test.ts\` checks that it matches the generator.
 *
 * @module
 */

/** The module's bytes, base64. */
export const AEAD_KERNEL_BASE64 =
${lines.join("\n")}
`;
}

if (import.meta.main) {
  const path = new URL("../protocol/security/_wasm_aead_bytes.ts", import.meta.url);
  Deno.writeTextFileSync(path, kernelSource(aeadKernelBytes()));
  console.log(`wrote ${path.pathname}`);
}
