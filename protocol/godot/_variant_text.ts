/** Strict UTF-8 decoding of Godot string payloads. */

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Below this length a plain loop beats the TextDecoder call for ASCII text. */
const SHORT_ASCII = 32;

/**
 * Decodes `bytes` as UTF-8, or returns undefined when it is not valid UTF-8 (overlong forms,
 * surrogates, code points above U+10FFFF, cut sequences) or contains a NUL byte. A leading BOM
 * is kept as U+FEFF.
 */
export function decodeStrictUtf8(bytes: Uint8Array): string | undefined {
  if (bytes.length <= SHORT_ASCII) {
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) return undefined;
      if (bytes[i] >= 0x80) ascii = false;
    }
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  } else if (bytes.indexOf(0) !== -1) {
    return undefined;
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
