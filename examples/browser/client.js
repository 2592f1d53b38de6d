// protocol/constants.ts
var TransferMode = {
  /** May be dropped, never duplicated, any order. */
  UNRELIABLE: 0,
  /** May be dropped; never delivered after a newer packet of the same channel. */
  UNRELIABLE_ORDERED: 1,
  /** Delivered exactly once, in order per channel. */
  RELIABLE: 2
};
var ConnectionStatus = {
  /** Not connected (never connected, closed, failed, or lost). */
  DISCONNECTED: 0,
  /** A connection attempt is ongoing. */
  CONNECTING: 1,
  /** Connected (clients) or listening (servers). */
  CONNECTED: 2
};
var PROTOCOL_VERSION = 1;
var MAX_PEER_ID = 2147483647;
var DEFAULTS = {
  datagramSize: 1200,
  encodeBufferMaxSize: 8 * 1024 * 1024,
  channelCount: 3,
  maxClients: 32,
  timeoutMs: 1e4,
  connectTimeoutMs: 5e3,
  pollTimeoutMs: 1e3
};

// protocol/errors.ts
var MultiplayerError = class extends Error {
  /** Stable code to branch on. */
  code;
  /** Creates an error with a code and a descriptive message. */
  constructor(code, message) {
    super(message);
    this.name = "MultiplayerError";
    this.code = code;
  }
};
var DisconnectReason = {
  NONE: 0,
  /** The other side closed or disconnected us on purpose. */
  CLOSED: 1,
  /** No datagram for longer than the timeout. */
  TIMEOUT: 2,
  /** The server refuses new connections (`refuseNewConnections`). */
  REFUSED: 3,
  /** The server has `maxClients` peers already. */
  SERVER_FULL: 4,
  /** Client and server speak different protocol versions. */
  VERSION_MISMATCH: 5,
  /** The server's authentication hook said no. */
  AUTH_REJECTED: 6,
  /** Nothing answered within `connectTimeoutMs`. */
  CONNECT_TIMEOUT: 7,
  /** Protocol violation or a limit was exceeded. */
  PROTOCOL_ERROR: 8,
  /** The server's key did not match the pinned one / crypto failure. */
  CRYPTO_ERROR: 9,
  /** The peer could not keep up (send buffer limit). */
  BACKPRESSURE: 10
};

// ../../root/.cache/deno/npm/registry.npmjs.org/msgpackr/1.11.5/unpack.js
var decoder;
try {
  decoder = new TextDecoder();
} catch (error) {
}
var src;
var srcEnd;
var position = 0;
var EMPTY_ARRAY = [];
var strings = EMPTY_ARRAY;
var stringPosition = 0;
var currentUnpackr = {};
var currentStructures;
var srcString;
var srcStringStart = 0;
var srcStringEnd = 0;
var bundledStrings;
var referenceMap;
var currentExtensions = [];
var dataView;
var defaultOptions = {
  useRecords: false,
  mapsAsObjects: true
};
var C1Type = class {
};
var C1 = new C1Type();
C1.name = "MessagePack 0xC1";
var sequentialMode = false;
var inlineObjectReadThreshold = 2;
var readStruct;
var onLoadedStructures;
var onSaveState;
try {
  new Function("");
} catch (error) {
  inlineObjectReadThreshold = Infinity;
}
var Unpackr = class _Unpackr {
  constructor(options) {
    if (options) {
      if (options.useRecords === false && options.mapsAsObjects === void 0) options.mapsAsObjects = true;
      if (options.sequential && options.trusted !== false) {
        options.trusted = true;
        if (!options.structures && options.useRecords != false) {
          options.structures = [];
          if (!options.maxSharedStructures) options.maxSharedStructures = 0;
        }
      }
      if (options.structures) options.structures.sharedLength = options.structures.length;
      else if (options.getStructures) {
        (options.structures = []).uninitialized = true;
        options.structures.sharedLength = 0;
      }
      if (options.int64AsNumber) {
        options.int64AsType = "number";
      }
    }
    Object.assign(this, options);
  }
  unpack(source, options) {
    if (src) {
      return saveState(() => {
        clearSource();
        return this ? this.unpack(source, options) : _Unpackr.prototype.unpack.call(defaultOptions, source, options);
      });
    }
    if (!source.buffer && source.constructor === ArrayBuffer) source = typeof Buffer !== "undefined" ? Buffer.from(source) : new Uint8Array(source);
    if (typeof options === "object") {
      srcEnd = options.end || source.length;
      position = options.start || 0;
    } else {
      position = 0;
      srcEnd = options > -1 ? options : source.length;
    }
    stringPosition = 0;
    srcStringEnd = 0;
    srcString = null;
    strings = EMPTY_ARRAY;
    bundledStrings = null;
    src = source;
    try {
      dataView = source.dataView || (source.dataView = new DataView(source.buffer, source.byteOffset, source.byteLength));
    } catch (error) {
      src = null;
      if (source instanceof Uint8Array) throw error;
      throw new Error("Source must be a Uint8Array or Buffer but was a " + (source && typeof source == "object" ? source.constructor.name : typeof source));
    }
    if (this instanceof _Unpackr) {
      currentUnpackr = this;
      if (this.structures) {
        currentStructures = this.structures;
        return checkedRead(options);
      } else if (!currentStructures || currentStructures.length > 0) {
        currentStructures = [];
      }
    } else {
      currentUnpackr = defaultOptions;
      if (!currentStructures || currentStructures.length > 0) currentStructures = [];
    }
    return checkedRead(options);
  }
  unpackMultiple(source, forEach) {
    let values, lastPosition = 0;
    try {
      sequentialMode = true;
      let size = source.length;
      let value = this ? this.unpack(source, size) : defaultUnpackr.unpack(source, size);
      if (forEach) {
        if (forEach(value, lastPosition, position) === false) return;
        while (position < size) {
          lastPosition = position;
          if (forEach(checkedRead(), lastPosition, position) === false) {
            return;
          }
        }
      } else {
        values = [
          value
        ];
        while (position < size) {
          lastPosition = position;
          values.push(checkedRead());
        }
        return values;
      }
    } catch (error) {
      error.lastPosition = lastPosition;
      error.values = values;
      throw error;
    } finally {
      sequentialMode = false;
      clearSource();
    }
  }
  _mergeStructures(loadedStructures, existingStructures) {
    if (onLoadedStructures) loadedStructures = onLoadedStructures.call(this, loadedStructures);
    loadedStructures = loadedStructures || [];
    if (Object.isFrozen(loadedStructures)) loadedStructures = loadedStructures.map((structure) => structure.slice(0));
    for (let i = 0, l = loadedStructures.length; i < l; i++) {
      let structure = loadedStructures[i];
      if (structure) {
        structure.isShared = true;
        if (i >= 32) structure.highByte = i - 32 >> 5;
      }
    }
    loadedStructures.sharedLength = loadedStructures.length;
    for (let id in existingStructures || []) {
      if (id >= 0) {
        let structure = loadedStructures[id];
        let existing = existingStructures[id];
        if (existing) {
          if (structure) (loadedStructures.restoreStructures || (loadedStructures.restoreStructures = []))[id] = structure;
          loadedStructures[id] = existing;
        }
      }
    }
    return this.structures = loadedStructures;
  }
  decode(source, options) {
    return this.unpack(source, options);
  }
};
function checkedRead(options) {
  try {
    if (!currentUnpackr.trusted && !sequentialMode) {
      let sharedLength = currentStructures.sharedLength || 0;
      if (sharedLength < currentStructures.length) currentStructures.length = sharedLength;
    }
    let result;
    if (currentUnpackr.randomAccessStructure && src[position] < 64 && src[position] >= 32 && readStruct) {
      result = readStruct(src, position, srcEnd, currentUnpackr);
      src = null;
      if (!(options && options.lazy) && result) result = result.toJSON();
      position = srcEnd;
    } else result = read();
    if (bundledStrings) {
      position = bundledStrings.postBundlePosition;
      bundledStrings = null;
    }
    if (sequentialMode)
      currentStructures.restoreStructures = null;
    if (position == srcEnd) {
      if (currentStructures && currentStructures.restoreStructures) restoreStructures();
      currentStructures = null;
      src = null;
      if (referenceMap) referenceMap = null;
    } else if (position > srcEnd) {
      throw new Error("Unexpected end of MessagePack data");
    } else if (!sequentialMode) {
      let jsonView;
      try {
        jsonView = JSON.stringify(result, (_, value) => typeof value === "bigint" ? `${value}n` : value).slice(0, 100);
      } catch (error) {
        jsonView = "(JSON view not available " + error + ")";
      }
      throw new Error("Data read, but end of buffer not reached " + jsonView);
    }
    return result;
  } catch (error) {
    if (currentStructures && currentStructures.restoreStructures) restoreStructures();
    clearSource();
    if (error instanceof RangeError || error.message.startsWith("Unexpected end of buffer") || position > srcEnd) {
      error.incomplete = true;
    }
    throw error;
  }
}
function restoreStructures() {
  for (let id in currentStructures.restoreStructures) {
    currentStructures[id] = currentStructures.restoreStructures[id];
  }
  currentStructures.restoreStructures = null;
}
function read() {
  let token = src[position++];
  if (token < 160) {
    if (token < 128) {
      if (token < 64) return token;
      else {
        let structure = currentStructures[token & 63] || currentUnpackr.getStructures && loadStructures()[token & 63];
        if (structure) {
          if (!structure.read) {
            structure.read = createStructureReader(structure, token & 63);
          }
          return structure.read();
        } else return token;
      }
    } else if (token < 144) {
      token -= 128;
      if (currentUnpackr.mapsAsObjects) {
        let object = {};
        for (let i = 0; i < token; i++) {
          let key = readKey();
          if (key === "__proto__") key = "__proto_";
          object[key] = read();
        }
        return object;
      } else {
        let map = /* @__PURE__ */ new Map();
        for (let i = 0; i < token; i++) {
          map.set(read(), read());
        }
        return map;
      }
    } else {
      token -= 144;
      let array = new Array(token);
      for (let i = 0; i < token; i++) {
        array[i] = read();
      }
      if (currentUnpackr.freezeData) return Object.freeze(array);
      return array;
    }
  } else if (token < 192) {
    let length = token - 160;
    if (srcStringEnd >= position) {
      return srcString.slice(position - srcStringStart, (position += length) - srcStringStart);
    }
    if (srcStringEnd == 0 && srcEnd < 140) {
      let string = length < 16 ? shortStringInJS(length) : longStringInJS(length);
      if (string != null) return string;
    }
    return readFixedString(length);
  } else {
    let value;
    switch (token) {
      case 192:
        return null;
      case 193:
        if (bundledStrings) {
          value = read();
          if (value > 0) return bundledStrings[1].slice(bundledStrings.position1, bundledStrings.position1 += value);
          else return bundledStrings[0].slice(bundledStrings.position0, bundledStrings.position0 -= value);
        }
        return C1;
      // "never-used", return special object to denote that
      case 194:
        return false;
      case 195:
        return true;
      case 196:
        value = src[position++];
        if (value === void 0) throw new Error("Unexpected end of buffer");
        return readBin(value);
      case 197:
        value = dataView.getUint16(position);
        position += 2;
        return readBin(value);
      case 198:
        value = dataView.getUint32(position);
        position += 4;
        return readBin(value);
      case 199:
        return readExt(src[position++]);
      case 200:
        value = dataView.getUint16(position);
        position += 2;
        return readExt(value);
      case 201:
        value = dataView.getUint32(position);
        position += 4;
        return readExt(value);
      case 202:
        value = dataView.getFloat32(position);
        if (currentUnpackr.useFloat32 > 2) {
          let multiplier = mult10[(src[position] & 127) << 1 | src[position + 1] >> 7];
          position += 4;
          return (multiplier * value + (value > 0 ? 0.5 : -0.5) >> 0) / multiplier;
        }
        position += 4;
        return value;
      case 203:
        value = dataView.getFloat64(position);
        position += 8;
        return value;
      // uint handlers
      case 204:
        return src[position++];
      case 205:
        value = dataView.getUint16(position);
        position += 2;
        return value;
      case 206:
        value = dataView.getUint32(position);
        position += 4;
        return value;
      case 207:
        if (currentUnpackr.int64AsType === "number") {
          value = dataView.getUint32(position) * 4294967296;
          value += dataView.getUint32(position + 4);
        } else if (currentUnpackr.int64AsType === "string") {
          value = dataView.getBigUint64(position).toString();
        } else if (currentUnpackr.int64AsType === "auto") {
          value = dataView.getBigUint64(position);
          if (value <= BigInt(2) << BigInt(52)) value = Number(value);
        } else value = dataView.getBigUint64(position);
        position += 8;
        return value;
      // int handlers
      case 208:
        return dataView.getInt8(position++);
      case 209:
        value = dataView.getInt16(position);
        position += 2;
        return value;
      case 210:
        value = dataView.getInt32(position);
        position += 4;
        return value;
      case 211:
        if (currentUnpackr.int64AsType === "number") {
          value = dataView.getInt32(position) * 4294967296;
          value += dataView.getUint32(position + 4);
        } else if (currentUnpackr.int64AsType === "string") {
          value = dataView.getBigInt64(position).toString();
        } else if (currentUnpackr.int64AsType === "auto") {
          value = dataView.getBigInt64(position);
          if (value >= BigInt(-2) << BigInt(52) && value <= BigInt(2) << BigInt(52)) value = Number(value);
        } else value = dataView.getBigInt64(position);
        position += 8;
        return value;
      case 212:
        value = src[position++];
        if (value == 114) {
          return recordDefinition(src[position++] & 63);
        } else {
          let extension = currentExtensions[value];
          if (extension) {
            if (extension.read) {
              position++;
              return extension.read(read());
            } else if (extension.noBuffer) {
              position++;
              return extension();
            } else return extension(src.subarray(position, ++position));
          } else throw new Error("Unknown extension " + value);
        }
      case 213:
        value = src[position];
        if (value == 114) {
          position++;
          return recordDefinition(src[position++] & 63, src[position++]);
        } else return readExt(2);
      case 214:
        return readExt(4);
      case 215:
        return readExt(8);
      case 216:
        return readExt(16);
      case 217:
        value = src[position++];
        if (srcStringEnd >= position) {
          return srcString.slice(position - srcStringStart, (position += value) - srcStringStart);
        }
        return readString8(value);
      case 218:
        value = dataView.getUint16(position);
        position += 2;
        if (srcStringEnd >= position) {
          return srcString.slice(position - srcStringStart, (position += value) - srcStringStart);
        }
        return readString16(value);
      case 219:
        value = dataView.getUint32(position);
        position += 4;
        if (srcStringEnd >= position) {
          return srcString.slice(position - srcStringStart, (position += value) - srcStringStart);
        }
        return readString32(value);
      case 220:
        value = dataView.getUint16(position);
        position += 2;
        return readArray(value);
      case 221:
        value = dataView.getUint32(position);
        position += 4;
        return readArray(value);
      case 222:
        value = dataView.getUint16(position);
        position += 2;
        return readMap(value);
      case 223:
        value = dataView.getUint32(position);
        position += 4;
        return readMap(value);
      default:
        if (token >= 224) return token - 256;
        if (token === void 0) {
          let error = new Error("Unexpected end of MessagePack data");
          error.incomplete = true;
          throw error;
        }
        throw new Error("Unknown MessagePack token " + token);
    }
  }
}
var validName = /^[a-zA-Z_$][a-zA-Z\d_$]*$/;
function createStructureReader(structure, firstId) {
  function readObject() {
    if (readObject.count++ > inlineObjectReadThreshold) {
      let readObject2 = structure.read = new Function("r", "return function(){return " + (currentUnpackr.freezeData ? "Object.freeze" : "") + "({" + structure.map((key) => key === "__proto__" ? "__proto_:r()" : validName.test(key) ? key + ":r()" : "[" + JSON.stringify(key) + "]:r()").join(",") + "})}")(read);
      if (structure.highByte === 0) structure.read = createSecondByteReader(firstId, structure.read);
      return readObject2();
    }
    let object = {};
    for (let i = 0, l = structure.length; i < l; i++) {
      let key = structure[i];
      if (key === "__proto__") key = "__proto_";
      object[key] = read();
    }
    if (currentUnpackr.freezeData) return Object.freeze(object);
    return object;
  }
  readObject.count = 0;
  if (structure.highByte === 0) {
    return createSecondByteReader(firstId, readObject);
  }
  return readObject;
}
var createSecondByteReader = (firstId, read0) => {
  return function() {
    let highByte = src[position++];
    if (highByte === 0) return read0();
    let id = firstId < 32 ? -(firstId + (highByte << 5)) : firstId + (highByte << 5);
    let structure = currentStructures[id] || loadStructures()[id];
    if (!structure) {
      throw new Error("Record id is not defined for " + id);
    }
    if (!structure.read) structure.read = createStructureReader(structure, firstId);
    return structure.read();
  };
};
function loadStructures() {
  let loadedStructures = saveState(() => {
    src = null;
    return currentUnpackr.getStructures();
  });
  return currentStructures = currentUnpackr._mergeStructures(loadedStructures, currentStructures);
}
var readFixedString = readStringJS;
var readString8 = readStringJS;
var readString16 = readStringJS;
var readString32 = readStringJS;
function readStringJS(length) {
  let result;
  if (length < 16) {
    if (result = shortStringInJS(length)) return result;
  }
  if (length > 64 && decoder) return decoder.decode(src.subarray(position, position += length));
  const end = position + length;
  const units = [];
  result = "";
  while (position < end) {
    const byte1 = src[position++];
    if ((byte1 & 128) === 0) {
      units.push(byte1);
    } else if ((byte1 & 224) === 192) {
      const byte2 = src[position++] & 63;
      units.push((byte1 & 31) << 6 | byte2);
    } else if ((byte1 & 240) === 224) {
      const byte2 = src[position++] & 63;
      const byte3 = src[position++] & 63;
      units.push((byte1 & 31) << 12 | byte2 << 6 | byte3);
    } else if ((byte1 & 248) === 240) {
      const byte2 = src[position++] & 63;
      const byte3 = src[position++] & 63;
      const byte4 = src[position++] & 63;
      let unit = (byte1 & 7) << 18 | byte2 << 12 | byte3 << 6 | byte4;
      if (unit > 65535) {
        unit -= 65536;
        units.push(unit >>> 10 & 1023 | 55296);
        unit = 56320 | unit & 1023;
      }
      units.push(unit);
    } else {
      units.push(byte1);
    }
    if (units.length >= 4096) {
      result += fromCharCode.apply(String, units);
      units.length = 0;
    }
  }
  if (units.length > 0) {
    result += fromCharCode.apply(String, units);
  }
  return result;
}
function readArray(length) {
  let array = new Array(length);
  for (let i = 0; i < length; i++) {
    array[i] = read();
  }
  if (currentUnpackr.freezeData) return Object.freeze(array);
  return array;
}
function readMap(length) {
  if (currentUnpackr.mapsAsObjects) {
    let object = {};
    for (let i = 0; i < length; i++) {
      let key = readKey();
      if (key === "__proto__") key = "__proto_";
      object[key] = read();
    }
    return object;
  } else {
    let map = /* @__PURE__ */ new Map();
    for (let i = 0; i < length; i++) {
      map.set(read(), read());
    }
    return map;
  }
}
var fromCharCode = String.fromCharCode;
function longStringInJS(length) {
  let start = position;
  let bytes = new Array(length);
  for (let i = 0; i < length; i++) {
    const byte = src[position++];
    if ((byte & 128) > 0) {
      position = start;
      return;
    }
    bytes[i] = byte;
  }
  return fromCharCode.apply(String, bytes);
}
function shortStringInJS(length) {
  if (length < 4) {
    if (length < 2) {
      if (length === 0) return "";
      else {
        let a = src[position++];
        if ((a & 128) > 1) {
          position -= 1;
          return;
        }
        return fromCharCode(a);
      }
    } else {
      let a = src[position++];
      let b = src[position++];
      if ((a & 128) > 0 || (b & 128) > 0) {
        position -= 2;
        return;
      }
      if (length < 3) return fromCharCode(a, b);
      let c = src[position++];
      if ((c & 128) > 0) {
        position -= 3;
        return;
      }
      return fromCharCode(a, b, c);
    }
  } else {
    let a = src[position++];
    let b = src[position++];
    let c = src[position++];
    let d = src[position++];
    if ((a & 128) > 0 || (b & 128) > 0 || (c & 128) > 0 || (d & 128) > 0) {
      position -= 4;
      return;
    }
    if (length < 6) {
      if (length === 4) return fromCharCode(a, b, c, d);
      else {
        let e = src[position++];
        if ((e & 128) > 0) {
          position -= 5;
          return;
        }
        return fromCharCode(a, b, c, d, e);
      }
    } else if (length < 8) {
      let e = src[position++];
      let f = src[position++];
      if ((e & 128) > 0 || (f & 128) > 0) {
        position -= 6;
        return;
      }
      if (length < 7) return fromCharCode(a, b, c, d, e, f);
      let g = src[position++];
      if ((g & 128) > 0) {
        position -= 7;
        return;
      }
      return fromCharCode(a, b, c, d, e, f, g);
    } else {
      let e = src[position++];
      let f = src[position++];
      let g = src[position++];
      let h = src[position++];
      if ((e & 128) > 0 || (f & 128) > 0 || (g & 128) > 0 || (h & 128) > 0) {
        position -= 8;
        return;
      }
      if (length < 10) {
        if (length === 8) return fromCharCode(a, b, c, d, e, f, g, h);
        else {
          let i = src[position++];
          if ((i & 128) > 0) {
            position -= 9;
            return;
          }
          return fromCharCode(a, b, c, d, e, f, g, h, i);
        }
      } else if (length < 12) {
        let i = src[position++];
        let j = src[position++];
        if ((i & 128) > 0 || (j & 128) > 0) {
          position -= 10;
          return;
        }
        if (length < 11) return fromCharCode(a, b, c, d, e, f, g, h, i, j);
        let k = src[position++];
        if ((k & 128) > 0) {
          position -= 11;
          return;
        }
        return fromCharCode(a, b, c, d, e, f, g, h, i, j, k);
      } else {
        let i = src[position++];
        let j = src[position++];
        let k = src[position++];
        let l = src[position++];
        if ((i & 128) > 0 || (j & 128) > 0 || (k & 128) > 0 || (l & 128) > 0) {
          position -= 12;
          return;
        }
        if (length < 14) {
          if (length === 12) return fromCharCode(a, b, c, d, e, f, g, h, i, j, k, l);
          else {
            let m = src[position++];
            if ((m & 128) > 0) {
              position -= 13;
              return;
            }
            return fromCharCode(a, b, c, d, e, f, g, h, i, j, k, l, m);
          }
        } else {
          let m = src[position++];
          let n = src[position++];
          if ((m & 128) > 0 || (n & 128) > 0) {
            position -= 14;
            return;
          }
          if (length < 15) return fromCharCode(a, b, c, d, e, f, g, h, i, j, k, l, m, n);
          let o = src[position++];
          if ((o & 128) > 0) {
            position -= 15;
            return;
          }
          return fromCharCode(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o);
        }
      }
    }
  }
}
function readOnlyJSString() {
  let token = src[position++];
  let length;
  if (token < 192) {
    length = token - 160;
  } else {
    switch (token) {
      case 217:
        length = src[position++];
        break;
      case 218:
        length = dataView.getUint16(position);
        position += 2;
        break;
      case 219:
        length = dataView.getUint32(position);
        position += 4;
        break;
      default:
        throw new Error("Expected string");
    }
  }
  return readStringJS(length);
}
function readBin(length) {
  return currentUnpackr.copyBuffers ? (
    // specifically use the copying slice (not the node one)
    Uint8Array.prototype.slice.call(src, position, position += length)
  ) : src.subarray(position, position += length);
}
function readExt(length) {
  let type = src[position++];
  if (currentExtensions[type]) {
    let end;
    return currentExtensions[type](src.subarray(position, end = position += length), (readPosition) => {
      position = readPosition;
      try {
        return read();
      } finally {
        position = end;
      }
    });
  } else throw new Error("Unknown extension type " + type);
}
var keyCache = new Array(4096);
function readKey() {
  let length = src[position++];
  if (length >= 160 && length < 192) {
    length = length - 160;
    if (srcStringEnd >= position) return srcString.slice(position - srcStringStart, (position += length) - srcStringStart);
    else if (!(srcStringEnd == 0 && srcEnd < 180)) return readFixedString(length);
  } else {
    position--;
    return asSafeString(read());
  }
  let key = (length << 5 ^ (length > 1 ? dataView.getUint16(position) : length > 0 ? src[position] : 0)) & 4095;
  let entry = keyCache[key];
  let checkPosition = position;
  let end = position + length - 3;
  let chunk;
  let i = 0;
  if (entry && entry.bytes == length) {
    while (checkPosition < end) {
      chunk = dataView.getUint32(checkPosition);
      if (chunk != entry[i++]) {
        checkPosition = 1879048192;
        break;
      }
      checkPosition += 4;
    }
    end += 3;
    while (checkPosition < end) {
      chunk = src[checkPosition++];
      if (chunk != entry[i++]) {
        checkPosition = 1879048192;
        break;
      }
    }
    if (checkPosition === end) {
      position = checkPosition;
      return entry.string;
    }
    end -= 3;
    checkPosition = position;
  }
  entry = [];
  keyCache[key] = entry;
  entry.bytes = length;
  while (checkPosition < end) {
    chunk = dataView.getUint32(checkPosition);
    entry.push(chunk);
    checkPosition += 4;
  }
  end += 3;
  while (checkPosition < end) {
    chunk = src[checkPosition++];
    entry.push(chunk);
  }
  let string = length < 16 ? shortStringInJS(length) : longStringInJS(length);
  if (string != null) return entry.string = string;
  return entry.string = readFixedString(length);
}
function asSafeString(property) {
  if (typeof property === "string") return property;
  if (typeof property === "number" || typeof property === "boolean" || typeof property === "bigint") return property.toString();
  if (property == null) return property + "";
  if (currentUnpackr.allowArraysInMapKeys && Array.isArray(property) && property.flat().every((item2) => [
    "string",
    "number",
    "boolean",
    "bigint"
  ].includes(typeof item2))) {
    return property.flat().toString();
  }
  throw new Error(`Invalid property type for record: ${typeof property}`);
}
var recordDefinition = (id, highByte) => {
  let structure = read().map(asSafeString);
  let firstByte = id;
  if (highByte !== void 0) {
    id = id < 32 ? -((highByte << 5) + id) : (highByte << 5) + id;
    structure.highByte = highByte;
  }
  let existingStructure = currentStructures[id];
  if (existingStructure && (existingStructure.isShared || sequentialMode)) {
    (currentStructures.restoreStructures || (currentStructures.restoreStructures = []))[id] = existingStructure;
  }
  currentStructures[id] = structure;
  structure.read = createStructureReader(structure, firstByte);
  return structure.read();
};
currentExtensions[0] = () => {
};
currentExtensions[0].noBuffer = true;
currentExtensions[66] = (data) => {
  let headLength = data.byteLength % 8 || 8;
  let head = BigInt(data[0] & 128 ? data[0] - 256 : data[0]);
  for (let i = 1; i < headLength; i++) {
    head <<= BigInt(8);
    head += BigInt(data[i]);
  }
  if (data.byteLength !== headLength) {
    let view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let decode2 = (start, end) => {
      let length = end - start;
      if (length <= 40) {
        let out = view.getBigUint64(start);
        for (let i = start + 8; i < end; i += 8) {
          out <<= BigInt(64n);
          out |= view.getBigUint64(i);
        }
        return out;
      }
      let middle = start + (length >> 4 << 3);
      let left = decode2(start, middle);
      let right = decode2(middle, end);
      return left << BigInt((end - middle) * 8) | right;
    };
    head = head << BigInt((view.byteLength - headLength) * 8) | decode2(headLength, view.byteLength);
  }
  return head;
};
var errors = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
  AggregateError: typeof AggregateError === "function" ? AggregateError : null
};
currentExtensions[101] = () => {
  let data = read();
  if (!errors[data[0]]) {
    let error = Error(data[1], {
      cause: data[2]
    });
    error.name = data[0];
    return error;
  }
  return errors[data[0]](data[1], {
    cause: data[2]
  });
};
currentExtensions[105] = (data) => {
  if (currentUnpackr.structuredClone === false) throw new Error("Structured clone extension is disabled");
  let id = dataView.getUint32(position - 4);
  if (!referenceMap) referenceMap = /* @__PURE__ */ new Map();
  let token = src[position];
  let target2;
  if (token >= 144 && token < 160 || token == 220 || token == 221) target2 = [];
  else if (token >= 128 && token < 144 || token == 222 || token == 223) target2 = /* @__PURE__ */ new Map();
  else if ((token >= 199 && token <= 201 || token >= 212 && token <= 216) && src[position + 1] === 115) target2 = /* @__PURE__ */ new Set();
  else target2 = {};
  let refEntry = {
    target: target2
  };
  referenceMap.set(id, refEntry);
  let targetProperties = read();
  if (!refEntry.used) {
    return refEntry.target = targetProperties;
  } else {
    Object.assign(target2, targetProperties);
  }
  if (target2 instanceof Map) for (let [k, v] of targetProperties.entries()) target2.set(k, v);
  if (target2 instanceof Set) for (let i of Array.from(targetProperties)) target2.add(i);
  return target2;
};
currentExtensions[112] = (data) => {
  if (currentUnpackr.structuredClone === false) throw new Error("Structured clone extension is disabled");
  let id = dataView.getUint32(position - 4);
  let refEntry = referenceMap.get(id);
  refEntry.used = true;
  return refEntry.target;
};
currentExtensions[115] = () => new Set(read());
var typedArrays = [
  "Int8",
  "Uint8",
  "Uint8Clamped",
  "Int16",
  "Uint16",
  "Int32",
  "Uint32",
  "Float32",
  "Float64",
  "BigInt64",
  "BigUint64"
].map((type) => type + "Array");
var glbl = typeof globalThis === "object" ? globalThis : window;
currentExtensions[116] = (data) => {
  let typeCode = data[0];
  let buffer = Uint8Array.prototype.slice.call(data, 1).buffer;
  let typedArrayName = typedArrays[typeCode];
  if (!typedArrayName) {
    if (typeCode === 16) return buffer;
    if (typeCode === 17) return new DataView(buffer);
    throw new Error("Could not find typed array for code " + typeCode);
  }
  return new glbl[typedArrayName](buffer);
};
currentExtensions[120] = () => {
  let data = read();
  return new RegExp(data[0], data[1]);
};
var TEMP_BUNDLE = [];
currentExtensions[98] = (data) => {
  let dataSize = (data[0] << 24) + (data[1] << 16) + (data[2] << 8) + data[3];
  let dataPosition = position;
  position += dataSize - data.length;
  bundledStrings = TEMP_BUNDLE;
  bundledStrings = [
    readOnlyJSString(),
    readOnlyJSString()
  ];
  bundledStrings.position0 = 0;
  bundledStrings.position1 = 0;
  bundledStrings.postBundlePosition = position;
  position = dataPosition;
  return read();
};
currentExtensions[255] = (data) => {
  if (data.length == 4) return new Date((data[0] * 16777216 + (data[1] << 16) + (data[2] << 8) + data[3]) * 1e3);
  else if (data.length == 8) return new Date(((data[0] << 22) + (data[1] << 14) + (data[2] << 6) + (data[3] >> 2)) / 1e6 + ((data[3] & 3) * 4294967296 + data[4] * 16777216 + (data[5] << 16) + (data[6] << 8) + data[7]) * 1e3);
  else if (data.length == 12) return new Date(((data[0] << 24) + (data[1] << 16) + (data[2] << 8) + data[3]) / 1e6 + ((data[4] & 128 ? -281474976710656 : 0) + data[6] * 1099511627776 + data[7] * 4294967296 + data[8] * 16777216 + (data[9] << 16) + (data[10] << 8) + data[11]) * 1e3);
  else return /* @__PURE__ */ new Date("invalid");
};
function saveState(callback) {
  if (onSaveState) onSaveState();
  let savedSrcEnd = srcEnd;
  let savedPosition = position;
  let savedStringPosition = stringPosition;
  let savedSrcStringStart = srcStringStart;
  let savedSrcStringEnd = srcStringEnd;
  let savedSrcString = srcString;
  let savedStrings = strings;
  let savedReferenceMap = referenceMap;
  let savedBundledStrings = bundledStrings;
  let savedSrc = new Uint8Array(src.slice(0, srcEnd));
  let savedStructures = currentStructures;
  let savedStructuresContents = currentStructures.slice(0, currentStructures.length);
  let savedPackr = currentUnpackr;
  let savedSequentialMode = sequentialMode;
  let value = callback();
  srcEnd = savedSrcEnd;
  position = savedPosition;
  stringPosition = savedStringPosition;
  srcStringStart = savedSrcStringStart;
  srcStringEnd = savedSrcStringEnd;
  srcString = savedSrcString;
  strings = savedStrings;
  referenceMap = savedReferenceMap;
  bundledStrings = savedBundledStrings;
  src = savedSrc;
  sequentialMode = savedSequentialMode;
  currentStructures = savedStructures;
  currentStructures.splice(0, currentStructures.length, ...savedStructuresContents);
  currentUnpackr = savedPackr;
  dataView = new DataView(src.buffer, src.byteOffset, src.byteLength);
  return value;
}
function clearSource() {
  src = null;
  referenceMap = null;
  currentStructures = null;
}
var mult10 = new Array(147);
for (let i = 0; i < 256; i++) {
  mult10[i] = +("1e" + Math.floor(45.15 - i * 0.30103));
}
var defaultUnpackr = new Unpackr({
  useRecords: false
});
var unpack = defaultUnpackr.unpack;
var unpackMultiple = defaultUnpackr.unpackMultiple;
var decode = defaultUnpackr.unpack;
var FLOAT32_OPTIONS = {
  NEVER: 0,
  ALWAYS: 1,
  DECIMAL_ROUND: 3,
  DECIMAL_FIT: 4
};
var f32Array = new Float32Array(1);
var u8Array = new Uint8Array(f32Array.buffer, 0, 4);

// ../../root/.cache/deno/npm/registry.npmjs.org/msgpackr/1.11.5/pack.js
var textEncoder;
try {
  textEncoder = new TextEncoder();
} catch (error) {
}
var extensions;
var extensionClasses;
var hasNodeBuffer = typeof Buffer !== "undefined";
var ByteArrayAllocate = hasNodeBuffer ? function(length) {
  return Buffer.allocUnsafeSlow(length);
} : Uint8Array;
var ByteArray = hasNodeBuffer ? Buffer : Uint8Array;
var MAX_BUFFER_SIZE = hasNodeBuffer ? 4294967296 : 2144337920;
var target;
var keysTarget;
var targetView;
var position2 = 0;
var safeEnd;
var bundledStrings2 = null;
var writeStructSlots;
var MAX_BUNDLE_SIZE = 21760;
var hasNonLatin = /[\u0080-\uFFFF]/;
var RECORD_SYMBOL = Symbol("record-id");
var Packr = class extends Unpackr {
  constructor(options) {
    super(options);
    this.offset = 0;
    let typeBuffer;
    let start;
    let hasSharedUpdate;
    let structures;
    let referenceMap2;
    let encodeUtf8 = ByteArray.prototype.utf8Write ? function(string, position3) {
      return target.utf8Write(string, position3, target.byteLength - position3);
    } : textEncoder && textEncoder.encodeInto ? function(string, position3) {
      return textEncoder.encodeInto(string, target.subarray(position3)).written;
    } : false;
    let packr2 = this;
    if (!options) options = {};
    let isSequential = options && options.sequential;
    let hasSharedStructures = options.structures || options.saveStructures;
    let maxSharedStructures = options.maxSharedStructures;
    if (maxSharedStructures == null) maxSharedStructures = hasSharedStructures ? 32 : 0;
    if (maxSharedStructures > 8160) throw new Error("Maximum maxSharedStructure is 8160");
    if (options.structuredClone && options.moreTypes == void 0) {
      this.moreTypes = true;
    }
    let maxOwnStructures = options.maxOwnStructures;
    if (maxOwnStructures == null) maxOwnStructures = hasSharedStructures ? 32 : 64;
    if (!this.structures && options.useRecords != false) this.structures = [];
    let useTwoByteRecords = maxSharedStructures > 32 || maxOwnStructures + maxSharedStructures > 64;
    let sharedLimitId = maxSharedStructures + 64;
    let maxStructureId = maxSharedStructures + maxOwnStructures + 64;
    if (maxStructureId > 8256) {
      throw new Error("Maximum maxSharedStructure + maxOwnStructure is 8192");
    }
    let recordIdsToRemove = [];
    let transitionsCount = 0;
    let serializationsSinceTransitionRebuild = 0;
    this.pack = this.encode = function(value, encodeOptions) {
      if (!target) {
        target = new ByteArrayAllocate(8192);
        targetView = target.dataView || (target.dataView = new DataView(target.buffer, 0, 8192));
        position2 = 0;
      }
      safeEnd = target.length - 10;
      if (safeEnd - position2 < 2048) {
        target = new ByteArrayAllocate(target.length);
        targetView = target.dataView || (target.dataView = new DataView(target.buffer, 0, target.length));
        safeEnd = target.length - 10;
        position2 = 0;
      } else position2 = position2 + 7 & 2147483640;
      start = position2;
      if (encodeOptions & RESERVE_START_SPACE) position2 += encodeOptions & 255;
      referenceMap2 = packr2.structuredClone ? /* @__PURE__ */ new Map() : null;
      if (packr2.bundleStrings && typeof value !== "string") {
        bundledStrings2 = [];
        bundledStrings2.size = Infinity;
      } else bundledStrings2 = null;
      structures = packr2.structures;
      if (structures) {
        if (structures.uninitialized) structures = packr2._mergeStructures(packr2.getStructures());
        let sharedLength = structures.sharedLength || 0;
        if (sharedLength > maxSharedStructures) {
          throw new Error("Shared structures is larger than maximum shared structures, try increasing maxSharedStructures to " + structures.sharedLength);
        }
        if (!structures.transitions) {
          structures.transitions = /* @__PURE__ */ Object.create(null);
          for (let i = 0; i < sharedLength; i++) {
            let keys = structures[i];
            if (!keys) continue;
            let nextTransition, transition = structures.transitions;
            for (let j = 0, l = keys.length; j < l; j++) {
              let key = keys[j];
              nextTransition = transition[key];
              if (!nextTransition) {
                nextTransition = transition[key] = /* @__PURE__ */ Object.create(null);
              }
              transition = nextTransition;
            }
            transition[RECORD_SYMBOL] = i + 64;
          }
          this.lastNamedStructuresLength = sharedLength;
        }
        if (!isSequential) {
          structures.nextId = sharedLength + 64;
        }
      }
      if (hasSharedUpdate) hasSharedUpdate = false;
      let encodingError;
      try {
        if (packr2.randomAccessStructure && value && value.constructor && value.constructor === Object) writeStruct(value);
        else pack2(value);
        let lastBundle = bundledStrings2;
        if (bundledStrings2) writeBundles(start, pack2, 0);
        if (referenceMap2 && referenceMap2.idsToInsert) {
          let idsToInsert = referenceMap2.idsToInsert.sort((a, b) => a.offset > b.offset ? 1 : -1);
          let i = idsToInsert.length;
          let incrementPosition = -1;
          while (lastBundle && i > 0) {
            let insertionPoint = idsToInsert[--i].offset + start;
            if (insertionPoint < lastBundle.stringsPosition + start && incrementPosition === -1) incrementPosition = 0;
            if (insertionPoint > lastBundle.position + start) {
              if (incrementPosition >= 0) incrementPosition += 6;
            } else {
              if (incrementPosition >= 0) {
                targetView.setUint32(lastBundle.position + start, targetView.getUint32(lastBundle.position + start) + incrementPosition);
                incrementPosition = -1;
              }
              lastBundle = lastBundle.previous;
              i++;
            }
          }
          if (incrementPosition >= 0 && lastBundle) {
            targetView.setUint32(lastBundle.position + start, targetView.getUint32(lastBundle.position + start) + incrementPosition);
          }
          position2 += idsToInsert.length * 6;
          if (position2 > safeEnd) makeRoom(position2);
          packr2.offset = position2;
          let serialized = insertIds(target.subarray(start, position2), idsToInsert);
          referenceMap2 = null;
          return serialized;
        }
        packr2.offset = position2;
        if (encodeOptions & REUSE_BUFFER_MODE) {
          target.start = start;
          target.end = position2;
          return target;
        }
        return target.subarray(start, position2);
      } catch (error) {
        encodingError = error;
        throw error;
      } finally {
        if (structures) {
          resetStructures();
          if (hasSharedUpdate && packr2.saveStructures) {
            let sharedLength = structures.sharedLength || 0;
            let returnBuffer = target.subarray(start, position2);
            let newSharedData = prepareStructures(structures, packr2);
            if (!encodingError) {
              if (packr2.saveStructures(newSharedData, newSharedData.isCompatible) === false) {
                return packr2.pack(value, encodeOptions);
              }
              packr2.lastNamedStructuresLength = sharedLength;
              if (target.length > 1073741824) target = null;
              return returnBuffer;
            }
          }
        }
        if (target.length > 1073741824) target = null;
        if (encodeOptions & RESET_BUFFER_MODE) position2 = start;
      }
    };
    const resetStructures = () => {
      if (serializationsSinceTransitionRebuild < 10) serializationsSinceTransitionRebuild++;
      let sharedLength = structures.sharedLength || 0;
      if (structures.length > sharedLength && !isSequential) structures.length = sharedLength;
      if (transitionsCount > 1e4) {
        structures.transitions = null;
        serializationsSinceTransitionRebuild = 0;
        transitionsCount = 0;
        if (recordIdsToRemove.length > 0) recordIdsToRemove = [];
      } else if (recordIdsToRemove.length > 0 && !isSequential) {
        for (let i = 0, l = recordIdsToRemove.length; i < l; i++) {
          recordIdsToRemove[i][RECORD_SYMBOL] = 0;
        }
        recordIdsToRemove = [];
      }
    };
    const packArray = (value) => {
      var length = value.length;
      if (length < 16) {
        target[position2++] = 144 | length;
      } else if (length < 65536) {
        target[position2++] = 220;
        target[position2++] = length >> 8;
        target[position2++] = length & 255;
      } else {
        target[position2++] = 221;
        targetView.setUint32(position2, length);
        position2 += 4;
      }
      for (let i = 0; i < length; i++) {
        pack2(value[i]);
      }
    };
    const pack2 = (value) => {
      if (position2 > safeEnd) target = makeRoom(position2);
      var type = typeof value;
      var length;
      if (type === "string") {
        let strLength = value.length;
        if (bundledStrings2 && strLength >= 4 && strLength < 4096) {
          if ((bundledStrings2.size += strLength) > MAX_BUNDLE_SIZE) {
            let extStart;
            let maxBytes2 = (bundledStrings2[0] ? bundledStrings2[0].length * 3 + bundledStrings2[1].length : 0) + 10;
            if (position2 + maxBytes2 > safeEnd) target = makeRoom(position2 + maxBytes2);
            let lastBundle;
            if (bundledStrings2.position) {
              lastBundle = bundledStrings2;
              target[position2] = 200;
              position2 += 3;
              target[position2++] = 98;
              extStart = position2 - start;
              position2 += 4;
              writeBundles(start, pack2, 0);
              targetView.setUint16(extStart + start - 3, position2 - start - extStart);
            } else {
              target[position2++] = 214;
              target[position2++] = 98;
              extStart = position2 - start;
              position2 += 4;
            }
            bundledStrings2 = [
              "",
              ""
            ];
            bundledStrings2.previous = lastBundle;
            bundledStrings2.size = 0;
            bundledStrings2.position = extStart;
          }
          let twoByte = hasNonLatin.test(value);
          bundledStrings2[twoByte ? 0 : 1] += value;
          target[position2++] = 193;
          pack2(twoByte ? -strLength : strLength);
          return;
        }
        let headerSize;
        if (strLength < 32) {
          headerSize = 1;
        } else if (strLength < 256) {
          headerSize = 2;
        } else if (strLength < 65536) {
          headerSize = 3;
        } else {
          headerSize = 5;
        }
        let maxBytes = strLength * 3;
        if (position2 + maxBytes > safeEnd) target = makeRoom(position2 + maxBytes);
        if (strLength < 64 || !encodeUtf8) {
          let i, c1, c2, strPosition = position2 + headerSize;
          for (i = 0; i < strLength; i++) {
            c1 = value.charCodeAt(i);
            if (c1 < 128) {
              target[strPosition++] = c1;
            } else if (c1 < 2048) {
              target[strPosition++] = c1 >> 6 | 192;
              target[strPosition++] = c1 & 63 | 128;
            } else if ((c1 & 64512) === 55296 && ((c2 = value.charCodeAt(i + 1)) & 64512) === 56320) {
              c1 = 65536 + ((c1 & 1023) << 10) + (c2 & 1023);
              i++;
              target[strPosition++] = c1 >> 18 | 240;
              target[strPosition++] = c1 >> 12 & 63 | 128;
              target[strPosition++] = c1 >> 6 & 63 | 128;
              target[strPosition++] = c1 & 63 | 128;
            } else {
              target[strPosition++] = c1 >> 12 | 224;
              target[strPosition++] = c1 >> 6 & 63 | 128;
              target[strPosition++] = c1 & 63 | 128;
            }
          }
          length = strPosition - position2 - headerSize;
        } else {
          length = encodeUtf8(value, position2 + headerSize);
        }
        if (length < 32) {
          target[position2++] = 160 | length;
        } else if (length < 256) {
          if (headerSize < 2) {
            target.copyWithin(position2 + 2, position2 + 1, position2 + 1 + length);
          }
          target[position2++] = 217;
          target[position2++] = length;
        } else if (length < 65536) {
          if (headerSize < 3) {
            target.copyWithin(position2 + 3, position2 + 2, position2 + 2 + length);
          }
          target[position2++] = 218;
          target[position2++] = length >> 8;
          target[position2++] = length & 255;
        } else {
          if (headerSize < 5) {
            target.copyWithin(position2 + 5, position2 + 3, position2 + 3 + length);
          }
          target[position2++] = 219;
          targetView.setUint32(position2, length);
          position2 += 4;
        }
        position2 += length;
      } else if (type === "number") {
        if (value >>> 0 === value) {
          if (value < 32 || value < 128 && this.useRecords === false || value < 64 && !this.randomAccessStructure) {
            target[position2++] = value;
          } else if (value < 256) {
            target[position2++] = 204;
            target[position2++] = value;
          } else if (value < 65536) {
            target[position2++] = 205;
            target[position2++] = value >> 8;
            target[position2++] = value & 255;
          } else {
            target[position2++] = 206;
            targetView.setUint32(position2, value);
            position2 += 4;
          }
        } else if (value >> 0 === value) {
          if (value >= -32) {
            target[position2++] = 256 + value;
          } else if (value >= -128) {
            target[position2++] = 208;
            target[position2++] = value + 256;
          } else if (value >= -32768) {
            target[position2++] = 209;
            targetView.setInt16(position2, value);
            position2 += 2;
          } else {
            target[position2++] = 210;
            targetView.setInt32(position2, value);
            position2 += 4;
          }
        } else {
          let useFloat32;
          if ((useFloat32 = this.useFloat32) > 0 && value < 4294967296 && value >= -2147483648) {
            target[position2++] = 202;
            targetView.setFloat32(position2, value);
            let xShifted;
            if (useFloat32 < 4 || // this checks for rounding of numbers that were encoded in 32-bit float to nearest significant decimal digit that could be preserved
            (xShifted = value * mult10[(target[position2] & 127) << 1 | target[position2 + 1] >> 7]) >> 0 === xShifted) {
              position2 += 4;
              return;
            } else position2--;
          }
          target[position2++] = 203;
          targetView.setFloat64(position2, value);
          position2 += 8;
        }
      } else if (type === "object" || type === "function") {
        if (!value) target[position2++] = 192;
        else {
          if (referenceMap2) {
            let referee = referenceMap2.get(value);
            if (referee) {
              if (!referee.id) {
                let idsToInsert = referenceMap2.idsToInsert || (referenceMap2.idsToInsert = []);
                referee.id = idsToInsert.push(referee);
              }
              target[position2++] = 214;
              target[position2++] = 112;
              targetView.setUint32(position2, referee.id);
              position2 += 4;
              return;
            } else referenceMap2.set(value, {
              offset: position2 - start
            });
          }
          let constructor = value.constructor;
          if (constructor === Object) {
            writeObject(value);
          } else if (constructor === Array) {
            packArray(value);
          } else if (constructor === Map) {
            if (this.mapAsEmptyObject) target[position2++] = 128;
            else {
              length = value.size;
              if (length < 16) {
                target[position2++] = 128 | length;
              } else if (length < 65536) {
                target[position2++] = 222;
                target[position2++] = length >> 8;
                target[position2++] = length & 255;
              } else {
                target[position2++] = 223;
                targetView.setUint32(position2, length);
                position2 += 4;
              }
              for (let [key, entryValue] of value) {
                pack2(key);
                pack2(entryValue);
              }
            }
          } else {
            for (let i = 0, l = extensions.length; i < l; i++) {
              let extensionClass = extensionClasses[i];
              if (value instanceof extensionClass) {
                let extension = extensions[i];
                if (extension.write) {
                  if (extension.type) {
                    target[position2++] = 212;
                    target[position2++] = extension.type;
                    target[position2++] = 0;
                  }
                  let writeResult = extension.write.call(this, value);
                  if (writeResult === value) {
                    if (Array.isArray(value)) {
                      packArray(value);
                    } else {
                      writeObject(value);
                    }
                  } else {
                    pack2(writeResult);
                  }
                  return;
                }
                let currentTarget = target;
                let currentTargetView = targetView;
                let currentPosition = position2;
                target = null;
                let result;
                try {
                  result = extension.pack.call(this, value, (size) => {
                    target = currentTarget;
                    currentTarget = null;
                    position2 += size;
                    if (position2 > safeEnd) makeRoom(position2);
                    return {
                      target,
                      targetView,
                      position: position2 - size
                    };
                  }, pack2);
                } finally {
                  if (currentTarget) {
                    target = currentTarget;
                    targetView = currentTargetView;
                    position2 = currentPosition;
                    safeEnd = target.length - 10;
                  }
                }
                if (result) {
                  if (result.length + position2 > safeEnd) makeRoom(result.length + position2);
                  position2 = writeExtensionData(result, target, position2, extension.type);
                }
                return;
              }
            }
            if (Array.isArray(value)) {
              packArray(value);
            } else {
              if (value.toJSON) {
                const json = value.toJSON();
                if (json !== value) return pack2(json);
              }
              if (type === "function") return pack2(this.writeFunction && this.writeFunction(value));
              writeObject(value);
            }
          }
        }
      } else if (type === "boolean") {
        target[position2++] = value ? 195 : 194;
      } else if (type === "bigint") {
        if (value < 9223372036854776e3 && value >= -9223372036854776e3) {
          target[position2++] = 211;
          targetView.setBigInt64(position2, value);
        } else if (value < 18446744073709552e3 && value > 0) {
          target[position2++] = 207;
          targetView.setBigUint64(position2, value);
        } else {
          if (this.largeBigIntToFloat) {
            target[position2++] = 203;
            targetView.setFloat64(position2, Number(value));
          } else if (this.largeBigIntToString) {
            return pack2(value.toString());
          } else if (this.useBigIntExtension || this.moreTypes) {
            let empty = value < 0 ? BigInt(-1) : BigInt(0);
            let array;
            if (value >> BigInt(65536) === empty) {
              let mask = BigInt(18446744073709552e3) - BigInt(1);
              let chunks = [];
              while (true) {
                chunks.push(value & mask);
                if (value >> BigInt(63) === empty) break;
                value >>= BigInt(64);
              }
              array = new Uint8Array(new BigUint64Array(chunks).buffer);
              array.reverse();
            } else {
              let invert = value < 0;
              let string = (invert ? ~value : value).toString(16);
              if (string.length % 2) {
                string = "0" + string;
              } else if (parseInt(string.charAt(0), 16) >= 8) {
                string = "00" + string;
              }
              if (hasNodeBuffer) {
                array = Buffer.from(string, "hex");
              } else {
                array = new Uint8Array(string.length / 2);
                for (let i = 0; i < array.length; i++) {
                  array[i] = parseInt(string.slice(i * 2, i * 2 + 2), 16);
                }
              }
              if (invert) {
                for (let i = 0; i < array.length; i++) array[i] = ~array[i];
              }
            }
            if (array.length + position2 > safeEnd) makeRoom(array.length + position2);
            position2 = writeExtensionData(array, target, position2, 66);
            return;
          } else {
            throw new RangeError(value + " was too large to fit in MessagePack 64-bit integer format, use useBigIntExtension, or set largeBigIntToFloat to convert to float-64, or set largeBigIntToString to convert to string");
          }
        }
        position2 += 8;
      } else if (type === "undefined") {
        if (this.encodeUndefinedAsNil) target[position2++] = 192;
        else {
          target[position2++] = 212;
          target[position2++] = 0;
          target[position2++] = 0;
        }
      } else {
        throw new Error("Unknown type: " + type);
      }
    };
    const writePlainObject = this.variableMapSize || this.coercibleKeyAsNumber || this.skipValues ? (object) => {
      let keys;
      if (this.skipValues) {
        keys = [];
        for (let key2 in object) {
          if ((typeof object.hasOwnProperty !== "function" || object.hasOwnProperty(key2)) && !this.skipValues.includes(object[key2])) keys.push(key2);
        }
      } else {
        keys = Object.keys(object);
      }
      let length = keys.length;
      if (length < 16) {
        target[position2++] = 128 | length;
      } else if (length < 65536) {
        target[position2++] = 222;
        target[position2++] = length >> 8;
        target[position2++] = length & 255;
      } else {
        target[position2++] = 223;
        targetView.setUint32(position2, length);
        position2 += 4;
      }
      let key;
      if (this.coercibleKeyAsNumber) {
        for (let i = 0; i < length; i++) {
          key = keys[i];
          let num = Number(key);
          pack2(isNaN(num) ? key : num);
          pack2(object[key]);
        }
      } else {
        for (let i = 0; i < length; i++) {
          pack2(key = keys[i]);
          pack2(object[key]);
        }
      }
    } : (object) => {
      target[position2++] = 222;
      let objectOffset = position2 - start;
      position2 += 2;
      let size = 0;
      for (let key in object) {
        if (typeof object.hasOwnProperty !== "function" || object.hasOwnProperty(key)) {
          pack2(key);
          pack2(object[key]);
          size++;
        }
      }
      if (size > 65535) {
        throw new Error('Object is too large to serialize with fast 16-bit map size, use the "variableMapSize" option to serialize this object');
      }
      target[objectOffset++ + start] = size >> 8;
      target[objectOffset + start] = size & 255;
    };
    const writeRecord = this.useRecords === false ? writePlainObject : options.progressiveRecords && !useTwoByteRecords ? (object) => {
      let nextTransition, transition = structures.transitions || (structures.transitions = /* @__PURE__ */ Object.create(null));
      let objectOffset = position2++ - start;
      let wroteKeys;
      for (let key in object) {
        if (typeof object.hasOwnProperty !== "function" || object.hasOwnProperty(key)) {
          nextTransition = transition[key];
          if (nextTransition) transition = nextTransition;
          else {
            let keys = Object.keys(object);
            let lastTransition = transition;
            transition = structures.transitions;
            let newTransitions = 0;
            for (let i = 0, l = keys.length; i < l; i++) {
              let key2 = keys[i];
              nextTransition = transition[key2];
              if (!nextTransition) {
                nextTransition = transition[key2] = /* @__PURE__ */ Object.create(null);
                newTransitions++;
              }
              transition = nextTransition;
            }
            if (objectOffset + start + 1 == position2) {
              position2--;
              newRecord(transition, keys, newTransitions);
            } else insertNewRecord(transition, keys, objectOffset, newTransitions);
            wroteKeys = true;
            transition = lastTransition[key];
          }
          pack2(object[key]);
        }
      }
      if (!wroteKeys) {
        let recordId = transition[RECORD_SYMBOL];
        if (recordId) target[objectOffset + start] = recordId;
        else insertNewRecord(transition, Object.keys(object), objectOffset, 0);
      }
    } : (object) => {
      let nextTransition, transition = structures.transitions || (structures.transitions = /* @__PURE__ */ Object.create(null));
      let newTransitions = 0;
      for (let key in object) if (typeof object.hasOwnProperty !== "function" || object.hasOwnProperty(key)) {
        nextTransition = transition[key];
        if (!nextTransition) {
          nextTransition = transition[key] = /* @__PURE__ */ Object.create(null);
          newTransitions++;
        }
        transition = nextTransition;
      }
      let recordId = transition[RECORD_SYMBOL];
      if (recordId) {
        if (recordId >= 96 && useTwoByteRecords) {
          target[position2++] = ((recordId -= 96) & 31) + 96;
          target[position2++] = recordId >> 5;
        } else target[position2++] = recordId;
      } else {
        newRecord(transition, transition.__keys__ || Object.keys(object), newTransitions);
      }
      for (let key in object) if (typeof object.hasOwnProperty !== "function" || object.hasOwnProperty(key)) {
        pack2(object[key]);
      }
    };
    const checkUseRecords = typeof this.useRecords == "function" && this.useRecords;
    const writeObject = checkUseRecords ? (object) => {
      checkUseRecords(object) ? writeRecord(object) : writePlainObject(object);
    } : writeRecord;
    const makeRoom = (end) => {
      let newSize;
      if (end > 16777216) {
        if (end - start > MAX_BUFFER_SIZE) throw new Error("Packed buffer would be larger than maximum buffer size");
        newSize = Math.min(MAX_BUFFER_SIZE, Math.round(Math.max((end - start) * (end > 67108864 ? 1.25 : 2), 4194304) / 4096) * 4096);
      } else newSize = (Math.max(end - start << 2, target.length - 1) >> 12) + 1 << 12;
      let newBuffer = new ByteArrayAllocate(newSize);
      targetView = newBuffer.dataView || (newBuffer.dataView = new DataView(newBuffer.buffer, 0, newSize));
      end = Math.min(end, target.length);
      if (target.copy) target.copy(newBuffer, 0, start, end);
      else newBuffer.set(target.slice(start, end));
      position2 -= start;
      start = 0;
      safeEnd = newBuffer.length - 10;
      return target = newBuffer;
    };
    const newRecord = (transition, keys, newTransitions) => {
      let recordId = structures.nextId;
      if (!recordId) recordId = 64;
      if (recordId < sharedLimitId && this.shouldShareStructure && !this.shouldShareStructure(keys)) {
        recordId = structures.nextOwnId;
        if (!(recordId < maxStructureId)) recordId = sharedLimitId;
        structures.nextOwnId = recordId + 1;
      } else {
        if (recordId >= maxStructureId) recordId = sharedLimitId;
        structures.nextId = recordId + 1;
      }
      let highByte = keys.highByte = recordId >= 96 && useTwoByteRecords ? recordId - 96 >> 5 : -1;
      transition[RECORD_SYMBOL] = recordId;
      transition.__keys__ = keys;
      structures[recordId - 64] = keys;
      if (recordId < sharedLimitId) {
        keys.isShared = true;
        structures.sharedLength = recordId - 63;
        hasSharedUpdate = true;
        if (highByte >= 0) {
          target[position2++] = (recordId & 31) + 96;
          target[position2++] = highByte;
        } else {
          target[position2++] = recordId;
        }
      } else {
        if (highByte >= 0) {
          target[position2++] = 213;
          target[position2++] = 114;
          target[position2++] = (recordId & 31) + 96;
          target[position2++] = highByte;
        } else {
          target[position2++] = 212;
          target[position2++] = 114;
          target[position2++] = recordId;
        }
        if (newTransitions) transitionsCount += serializationsSinceTransitionRebuild * newTransitions;
        if (recordIdsToRemove.length >= maxOwnStructures) recordIdsToRemove.shift()[RECORD_SYMBOL] = 0;
        recordIdsToRemove.push(transition);
        pack2(keys);
      }
    };
    const insertNewRecord = (transition, keys, insertionOffset, newTransitions) => {
      let mainTarget = target;
      let mainPosition = position2;
      let mainSafeEnd = safeEnd;
      let mainStart = start;
      target = keysTarget;
      position2 = 0;
      start = 0;
      if (!target) keysTarget = target = new ByteArrayAllocate(8192);
      safeEnd = target.length - 10;
      newRecord(transition, keys, newTransitions);
      keysTarget = target;
      let keysPosition = position2;
      target = mainTarget;
      position2 = mainPosition;
      safeEnd = mainSafeEnd;
      start = mainStart;
      if (keysPosition > 1) {
        let newEnd = position2 + keysPosition - 1;
        if (newEnd > safeEnd) makeRoom(newEnd);
        let insertionPosition = insertionOffset + start;
        target.copyWithin(insertionPosition + keysPosition, insertionPosition + 1, position2);
        target.set(keysTarget.slice(0, keysPosition), insertionPosition);
        position2 = newEnd;
      } else {
        target[insertionOffset + start] = keysTarget[0];
      }
    };
    const writeStruct = (object) => {
      let newPosition = writeStructSlots(object, target, start, position2, structures, makeRoom, (value, newPosition2, notifySharedUpdate) => {
        if (notifySharedUpdate) return hasSharedUpdate = true;
        position2 = newPosition2;
        let startTarget = target;
        pack2(value);
        resetStructures();
        if (startTarget !== target) {
          return {
            position: position2,
            targetView,
            target
          };
        }
        return position2;
      }, this);
      if (newPosition === 0) return writeObject(object);
      position2 = newPosition;
    };
  }
  useBuffer(buffer) {
    target = buffer;
    target.dataView || (target.dataView = new DataView(target.buffer, target.byteOffset, target.byteLength));
    targetView = target.dataView;
    position2 = 0;
  }
  set position(value) {
    position2 = value;
  }
  get position() {
    return position2;
  }
  clearSharedData() {
    if (this.structures) this.structures = [];
    if (this.typedStructs) this.typedStructs = [];
  }
};
extensionClasses = [
  Date,
  Set,
  Error,
  RegExp,
  ArrayBuffer,
  Object.getPrototypeOf(Uint8Array.prototype).constructor,
  DataView,
  C1Type
];
extensions = [
  {
    pack(date, allocateForWrite, pack2) {
      let seconds = date.getTime() / 1e3;
      if ((this.useTimestamp32 || date.getMilliseconds() === 0) && seconds >= 0 && seconds < 4294967296) {
        let { target: target2, targetView: targetView2, position: position3 } = allocateForWrite(6);
        target2[position3++] = 214;
        target2[position3++] = 255;
        targetView2.setUint32(position3, seconds);
      } else if (seconds > 0 && seconds < 4294967296) {
        let { target: target2, targetView: targetView2, position: position3 } = allocateForWrite(10);
        target2[position3++] = 215;
        target2[position3++] = 255;
        targetView2.setUint32(position3, date.getMilliseconds() * 4e6 + (seconds / 1e3 / 4294967296 >> 0));
        targetView2.setUint32(position3 + 4, seconds);
      } else if (isNaN(seconds)) {
        if (this.onInvalidDate) {
          allocateForWrite(0);
          return pack2(this.onInvalidDate());
        }
        let { target: target2, targetView: targetView2, position: position3 } = allocateForWrite(3);
        target2[position3++] = 212;
        target2[position3++] = 255;
        target2[position3++] = 255;
      } else {
        let { target: target2, targetView: targetView2, position: position3 } = allocateForWrite(15);
        target2[position3++] = 199;
        target2[position3++] = 12;
        target2[position3++] = 255;
        targetView2.setUint32(position3, date.getMilliseconds() * 1e6);
        targetView2.setBigInt64(position3 + 4, BigInt(Math.floor(seconds)));
      }
    }
  },
  {
    pack(set, allocateForWrite, pack2) {
      if (this.setAsEmptyObject) {
        allocateForWrite(0);
        return pack2({});
      }
      let array = Array.from(set);
      let { target: target2, position: position3 } = allocateForWrite(this.moreTypes ? 3 : 0);
      if (this.moreTypes) {
        target2[position3++] = 212;
        target2[position3++] = 115;
        target2[position3++] = 0;
      }
      pack2(array);
    }
  },
  {
    pack(error, allocateForWrite, pack2) {
      let { target: target2, position: position3 } = allocateForWrite(this.moreTypes ? 3 : 0);
      if (this.moreTypes) {
        target2[position3++] = 212;
        target2[position3++] = 101;
        target2[position3++] = 0;
      }
      pack2([
        error.name,
        error.message,
        error.cause
      ]);
    }
  },
  {
    pack(regex, allocateForWrite, pack2) {
      let { target: target2, position: position3 } = allocateForWrite(this.moreTypes ? 3 : 0);
      if (this.moreTypes) {
        target2[position3++] = 212;
        target2[position3++] = 120;
        target2[position3++] = 0;
      }
      pack2([
        regex.source,
        regex.flags
      ]);
    }
  },
  {
    pack(arrayBuffer, allocateForWrite) {
      if (this.moreTypes) writeExtBuffer(arrayBuffer, 16, allocateForWrite);
      else writeBuffer(hasNodeBuffer ? Buffer.from(arrayBuffer) : new Uint8Array(arrayBuffer), allocateForWrite);
    }
  },
  {
    pack(typedArray, allocateForWrite) {
      let constructor = typedArray.constructor;
      if (constructor !== ByteArray && this.moreTypes) writeExtBuffer(typedArray, typedArrays.indexOf(constructor.name), allocateForWrite);
      else writeBuffer(typedArray, allocateForWrite);
    }
  },
  {
    pack(arrayBuffer, allocateForWrite) {
      if (this.moreTypes) writeExtBuffer(arrayBuffer, 17, allocateForWrite);
      else writeBuffer(hasNodeBuffer ? Buffer.from(arrayBuffer) : new Uint8Array(arrayBuffer), allocateForWrite);
    }
  },
  {
    pack(c1, allocateForWrite) {
      let { target: target2, position: position3 } = allocateForWrite(1);
      target2[position3] = 193;
    }
  }
];
function writeExtBuffer(typedArray, type, allocateForWrite, encode2) {
  let length = typedArray.byteLength;
  if (length + 1 < 256) {
    var { target: target2, position: position3 } = allocateForWrite(4 + length);
    target2[position3++] = 199;
    target2[position3++] = length + 1;
  } else if (length + 1 < 65536) {
    var { target: target2, position: position3 } = allocateForWrite(5 + length);
    target2[position3++] = 200;
    target2[position3++] = length + 1 >> 8;
    target2[position3++] = length + 1 & 255;
  } else {
    var { target: target2, position: position3, targetView: targetView2 } = allocateForWrite(7 + length);
    target2[position3++] = 201;
    targetView2.setUint32(position3, length + 1);
    position3 += 4;
  }
  target2[position3++] = 116;
  target2[position3++] = type;
  if (!typedArray.buffer) typedArray = new Uint8Array(typedArray);
  target2.set(new Uint8Array(typedArray.buffer, typedArray.byteOffset, typedArray.byteLength), position3);
}
function writeBuffer(buffer, allocateForWrite) {
  let length = buffer.byteLength;
  var target2, position3;
  if (length < 256) {
    var { target: target2, position: position3 } = allocateForWrite(length + 2);
    target2[position3++] = 196;
    target2[position3++] = length;
  } else if (length < 65536) {
    var { target: target2, position: position3 } = allocateForWrite(length + 3);
    target2[position3++] = 197;
    target2[position3++] = length >> 8;
    target2[position3++] = length & 255;
  } else {
    var { target: target2, position: position3, targetView: targetView2 } = allocateForWrite(length + 5);
    target2[position3++] = 198;
    targetView2.setUint32(position3, length);
    position3 += 4;
  }
  target2.set(buffer, position3);
}
function writeExtensionData(result, target2, position3, type) {
  let length = result.length;
  switch (length) {
    case 1:
      target2[position3++] = 212;
      break;
    case 2:
      target2[position3++] = 213;
      break;
    case 4:
      target2[position3++] = 214;
      break;
    case 8:
      target2[position3++] = 215;
      break;
    case 16:
      target2[position3++] = 216;
      break;
    default:
      if (length < 256) {
        target2[position3++] = 199;
        target2[position3++] = length;
      } else if (length < 65536) {
        target2[position3++] = 200;
        target2[position3++] = length >> 8;
        target2[position3++] = length & 255;
      } else {
        target2[position3++] = 201;
        target2[position3++] = length >> 24;
        target2[position3++] = length >> 16 & 255;
        target2[position3++] = length >> 8 & 255;
        target2[position3++] = length & 255;
      }
  }
  target2[position3++] = type;
  target2.set(result, position3);
  position3 += length;
  return position3;
}
function insertIds(serialized, idsToInsert) {
  let nextId;
  let distanceToMove = idsToInsert.length * 6;
  let lastEnd = serialized.length - distanceToMove;
  while (nextId = idsToInsert.pop()) {
    let offset2 = nextId.offset;
    let id = nextId.id;
    serialized.copyWithin(offset2 + distanceToMove, offset2, lastEnd);
    distanceToMove -= 6;
    let position3 = offset2 + distanceToMove;
    serialized[position3++] = 214;
    serialized[position3++] = 105;
    serialized[position3++] = id >> 24;
    serialized[position3++] = id >> 16 & 255;
    serialized[position3++] = id >> 8 & 255;
    serialized[position3++] = id & 255;
    lastEnd = offset2;
  }
  return serialized;
}
function writeBundles(start, pack2, incrementPosition) {
  if (bundledStrings2.length > 0) {
    targetView.setUint32(bundledStrings2.position + start, position2 + incrementPosition - bundledStrings2.position - start);
    bundledStrings2.stringsPosition = position2 - start;
    let writeStrings = bundledStrings2;
    bundledStrings2 = null;
    pack2(writeStrings[0]);
    pack2(writeStrings[1]);
  }
}
function prepareStructures(structures, packr2) {
  structures.isCompatible = (existingStructures) => {
    let compatible = !existingStructures || (packr2.lastNamedStructuresLength || 0) === existingStructures.length;
    if (!compatible) packr2._mergeStructures(existingStructures);
    return compatible;
  };
  return structures;
}
var defaultPackr = new Packr({
  useRecords: false
});
var pack = defaultPackr.pack;
var encode = defaultPackr.pack;
var { NEVER, ALWAYS, DECIMAL_ROUND, DECIMAL_FIT } = FLOAT32_OPTIONS;
var REUSE_BUFFER_MODE = 512;
var RESET_BUFFER_MODE = 1024;
var RESERVE_START_SPACE = 2048;

// protocol/value_codec.ts
var DEFAULT_VALUE_LIMITS = {
  maxDepth: 32,
  maxItems: 65536
};
var packr = new Packr({
  useRecords: false,
  moreTypes: false,
  structuredClone: false
});
var unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  structuredClone: false,
  int64AsType: "number"
});
function encodeValue(value) {
  checkEncodable(value, 0);
  return new Uint8Array(packr.pack(value));
}
function checkEncodable(value, depth) {
  if (depth > DEFAULT_VALUE_LIMITS.maxDepth) {
    throw new MultiplayerError("INVALID_ARGUMENT", "value is nested too deeply to encode");
  }
  switch (typeof value) {
    case "undefined":
    case "boolean":
    case "number":
    case "bigint":
    case "string":
      return;
    case "object": {
      if (value === null || value instanceof Uint8Array) return;
      if (Array.isArray(value)) {
        for (const v of value) checkEncodable(v, depth + 1);
        return;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new MultiplayerError("INVALID_ARGUMENT", `cannot encode a ${proto?.constructor?.name ?? "class"} instance: use plain objects`);
      }
      for (const v of Object.values(value)) checkEncodable(v, depth + 1);
      return;
    }
    default:
      throw new MultiplayerError("INVALID_ARGUMENT", `cannot encode a ${typeof value}`);
  }
}
function decodeValue(bytes, limits = DEFAULT_VALUE_LIMITS) {
  const end = scan(bytes, limits);
  if (end < 0) return {
    ok: false,
    error: SCAN_ERRORS[-end - 1]
  };
  if (end !== bytes.length) return {
    ok: false,
    error: "trailing bytes after the value"
  };
  try {
    return {
      ok: true,
      value: plain(unpackr.unpack(bytes))
    };
  } catch (e) {
    return {
      ok: false,
      error: e instanceof Error ? e.message : "malformed msgpack"
    };
  }
}
function plain(value) {
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Uint8Array) {
    return value.constructor === Uint8Array ? value : new Uint8Array(value);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = plain(value[i]);
    return value;
  }
  const obj = value;
  for (const key of Object.keys(obj)) obj[key] = plain(obj[key]);
  return obj;
}
var SCAN_ERRORS = [
  "truncated msgpack",
  "msgpack nested too deeply",
  "msgpack declares too many items",
  "msgpack extension types are not accepted",
  "invalid msgpack byte"
];
var TRUNCATED = -1;
var TOO_DEEP = -2;
var TOO_MANY = -3;
var EXTENSION = -4;
var INVALID = -5;
function scan(b, limits) {
  let pos = 0;
  let items = 0;
  const pending = [
    1
  ];
  while (pending.length > 0) {
    if (pending[pending.length - 1] === 0) {
      pending.pop();
      continue;
    }
    pending[pending.length - 1]--;
    if (pos >= b.length) return TRUNCATED;
    const t = b[pos++];
    let skip = 0;
    let children = 0;
    if (t <= 127 || t >= 224 || t >= 192 && t <= 195) {
      if (t === 193) return INVALID;
    } else if (t >= 128 && t <= 143) children = (t & 15) * 2;
    else if (t >= 144 && t <= 159) children = t & 15;
    else if (t >= 160 && t <= 191) skip = t & 31;
    else {
      const need = HEADER_BYTES[t - 196];
      if (pos + need > b.length) return TRUNCATED;
      const n = need === 1 ? b[pos] : need === 2 ? b[pos] << 8 | b[pos + 1] : need === 4 ? (b[pos] << 24 >>> 0) + (b[pos + 1] << 16) + (b[pos + 2] << 8) + b[pos + 3] : 0;
      switch (t) {
        case 196:
        case 197:
        case 198:
        case 217:
        case 218:
        case 219:
          skip = need + n;
          break;
        case 212:
          if (b[pos] !== 0 || pos + 2 > b.length) return EXTENSION;
          skip = 2;
          break;
        case 220:
        case 221:
          skip = need;
          children = n;
          break;
        case 222:
        case 223:
          skip = need;
          children = n * 2;
          break;
        default:
          if (t >= 199 && t <= 201 || t >= 213 && t <= 216) return EXTENSION;
          skip = need;
      }
    }
    if (pos + skip > b.length) return TRUNCATED;
    pos += skip;
    if (children > 0) {
      items += children;
      if (items > limits.maxItems * 2) return TOO_MANY;
      if (children > b.length - pos) return TRUNCATED;
      if (pending.length > limits.maxDepth) return TOO_DEEP;
      pending.push(children);
    }
  }
  return pos;
}
var HEADER_BYTES = [
  1,
  2,
  4,
  1,
  2,
  4,
  4,
  8,
  1,
  2,
  4,
  8,
  1,
  2,
  4,
  8,
  1,
  2,
  4,
  8,
  16,
  1,
  2,
  4,
  2,
  4,
  2,
  4
];

// protocol/control.ts
var SYSTEM_CHANNEL = 0;
var ControlType = {
  /** `[1, id]`: server tells a client that peer `id` joined (relay on). */
  PEER_ADDED: 1,
  /** `[2, id]`: server tells a client that peer `id` left (relay on). */
  PEER_REMOVED: 2
};
var SMALL = {
  maxDepth: 4,
  maxItems: 64
};
var isPeerId = (v) => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= MAX_PEER_ID;
var isCount = (v, max) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;
function encodeControl(message) {
  return encodeValue([
    message.type,
    message.id
  ]);
}
function decodeControl(bytes) {
  const r = decodeValue(bytes, SMALL);
  if (!r.ok || !Array.isArray(r.value) || r.value.length !== 2) return void 0;
  const [type, id] = r.value;
  if (!isPeerId(id)) return void 0;
  if (type === ControlType.PEER_ADDED) return {
    type: ControlType.PEER_ADDED,
    id
  };
  if (type === ControlType.PEER_REMOVED) return {
    type: ControlType.PEER_REMOVED,
    id
  };
  return void 0;
}
var MAX_TOKEN_BYTES = 1024;
function encodeConnectPayload(payload) {
  return encodeValue([
    payload.channelCount,
    payload.token
  ]);
}
function decodeConnectPayload(bytes) {
  const r = decodeValue(bytes, SMALL);
  if (!r.ok || !Array.isArray(r.value) || r.value.length !== 2) return void 0;
  const [channelCount, token] = r.value;
  if (!isCount(channelCount, 255) || !(token instanceof Uint8Array)) return void 0;
  if (token.length > MAX_TOKEN_BYTES) return void 0;
  return {
    channelCount,
    token
  };
}
function encodeAcceptBody(body) {
  return encodeValue([
    body.id,
    body.channelCount,
    body.serverRelay,
    body.timeoutMs
  ]);
}
function decodeAcceptBody(bytes) {
  const r = decodeValue(bytes, SMALL);
  if (!r.ok || !Array.isArray(r.value) || r.value.length !== 4) return void 0;
  const [id, channelCount, serverRelay, timeoutMs] = r.value;
  if (!isPeerId(id) || id < 2 || !isCount(channelCount, 255) || channelCount < 1) return void 0;
  if (typeof serverRelay !== "boolean" || !isCount(timeoutMs, 36e5)) return void 0;
  return {
    id,
    channelCount,
    serverRelay,
    timeoutMs
  };
}

// protocol/msgpack.ts
var MsgpackWriter = class {
  /** Backing buffer (fixed size; callers check remaining space before writing). */
  buf;
  /** Next write offset. */
  pos = 0;
  /** Creates a writer over a new buffer of `capacity` bytes. */
  constructor(capacity) {
    this.buf = new Uint8Array(capacity);
  }
  /** Writes an array header with the smallest encoding (fixarray, array16 or array32). */
  arrayHeader(n) {
    const b = this.buf;
    if (n < 16) b[this.pos++] = 144 | n;
    else if (n < 65536) {
      b[this.pos] = 220;
      b[this.pos + 1] = n >>> 8;
      b[this.pos + 2] = n & 255;
      this.pos += 3;
    } else {
      b[this.pos++] = 221;
      this.#u32(n);
    }
  }
  /** Writes an array16 header at `at` (fixed 3 bytes, for counts patched after the fact). */
  array16At(at, n) {
    this.buf[at] = 220;
    this.buf[at + 1] = n >>> 8;
    this.buf[at + 2] = n & 255;
  }
  /** Writes a safe integer with the smallest encoding. */
  int(v) {
    const b = this.buf;
    if (v >= 0) {
      if (v < 128) b[this.pos++] = v;
      else if (v < 256) {
        b[this.pos] = 204;
        b[this.pos + 1] = v;
        this.pos += 2;
      } else if (v < 65536) {
        b[this.pos] = 205;
        b[this.pos + 1] = v >>> 8;
        b[this.pos + 2] = v & 255;
        this.pos += 3;
      } else if (v <= 4294967295) {
        b[this.pos++] = 206;
        this.#u32(v);
      } else {
        b[this.pos++] = 207;
        this.#u32(Math.floor(v / 4294967296));
        this.#u32(v >>> 0);
      }
    } else if (v >= -32) b[this.pos++] = v & 255;
    else if (v >= -128) {
      b[this.pos] = 208;
      b[this.pos + 1] = v & 255;
      this.pos += 2;
    } else if (v >= -32768) {
      b[this.pos] = 209;
      b[this.pos + 1] = v >> 8 & 255;
      b[this.pos + 2] = v & 255;
      this.pos += 3;
    } else if (v >= -2147483648) {
      b[this.pos++] = 210;
      this.#u32(v >>> 0);
    } else {
      b[this.pos++] = 211;
      const hi = Math.floor(v / 4294967296);
      this.#u32(hi >>> 0);
      this.#u32(v - hi * 4294967296 >>> 0);
    }
  }
  /** Writes `src[start..end)` as bin8/bin16/bin32. */
  bin(src2, start, end) {
    const n = end - start;
    const b = this.buf;
    if (n < 256) {
      b[this.pos] = 196;
      b[this.pos + 1] = n;
      this.pos += 2;
    } else if (n < 65536) {
      b[this.pos] = 197;
      b[this.pos + 1] = n >>> 8;
      b[this.pos + 2] = n & 255;
      this.pos += 3;
    } else {
      b[this.pos++] = 198;
      this.#u32(n);
    }
    if (n > 0) {
      if (n <= 32) {
        for (let i = 0; i < n; i++) b[this.pos + i] = src2[start + i];
      } else b.set(start === 0 && end === src2.length ? src2 : src2.subarray(start, end), this.pos);
      this.pos += n;
    }
  }
  #u32(v) {
    const b = this.buf, p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16 & 255;
    b[p + 2] = v >>> 8 & 255;
    b[p + 3] = v & 255;
    this.pos = p + 4;
  }
};
function intSize(v) {
  if (v >= 0) return v < 128 ? 1 : v < 256 ? 2 : v < 65536 ? 3 : v <= 4294967295 ? 5 : 9;
  return v >= -32 ? 1 : v >= -128 ? 2 : v >= -32768 ? 3 : v >= -2147483648 ? 5 : 9;
}
function binHeaderSize(n) {
  return n < 256 ? 2 : n < 65536 ? 3 : 5;
}
var MsgpackReader = class {
  /** Source bytes. */
  buf = new Uint8Array(0);
  /** Read offset. */
  pos = 0;
  /** End of readable bytes. */
  end = 0;
  /** False once anything invalid was read. */
  ok = true;
  /** Start of the last bin payload read. */
  binStart = 0;
  /** End of the last bin payload read. */
  binEnd = 0;
  /** Points the reader at `buf[start..end)`. */
  reset(buf, start, end) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.ok = true;
  }
  /** Reads an array header; returns its element count. */
  arrayHeader() {
    if (this.pos >= this.end) return this.#fail();
    const t = this.buf[this.pos];
    if ((t & 240) === 144) {
      this.pos++;
      return t & 15;
    }
    if (t === 220) return this.#be(1, 2);
    if (t === 221) return this.#be(1, 4);
    return this.#fail();
  }
  /** Reads any msgpack integer that is a safe JS integer. */
  int() {
    if (this.pos >= this.end) return this.#fail();
    const b = this.buf, t = b[this.pos];
    if (t < 128) {
      this.pos++;
      return t;
    }
    if (t >= 224) {
      this.pos++;
      return t - 256;
    }
    switch (t) {
      case 204:
        return this.#be(1, 1);
      case 205:
        return this.#be(1, 2);
      case 206:
        return this.#be(1, 4);
      case 207: {
        if (this.pos + 9 > this.end) return this.#fail();
        const hi = this.#u32At(this.pos + 1), lo = this.#u32At(this.pos + 5);
        if (hi > 2097151) return this.#fail();
        this.pos += 9;
        return hi * 4294967296 + lo;
      }
      case 208: {
        const v = this.#be(1, 1);
        return v > 127 ? v - 256 : v;
      }
      case 209: {
        const v = this.#be(1, 2);
        return v > 32767 ? v - 65536 : v;
      }
      case 210:
        return this.#be(1, 4) | 0;
      case 211: {
        if (this.pos + 9 > this.end) return this.#fail();
        const hi = this.#u32At(this.pos + 1) | 0, lo = this.#u32At(this.pos + 5);
        if (hi > 2097151 || hi < -2097152) return this.#fail();
        this.pos += 9;
        return hi * 4294967296 + lo;
      }
    }
    return this.#fail();
  }
  /** Reads a bin header and skips the payload; the payload is `buf[binStart..binEnd)`. */
  bin() {
    if (this.pos >= this.end) return this.#fail() === 1;
    const t = this.buf[this.pos];
    let n;
    if (t === 196) n = this.#be(1, 1);
    else if (t === 197) n = this.#be(1, 2);
    else if (t === 198) n = this.#be(1, 4);
    else return this.#fail() === 1;
    if (!this.ok || n > this.end - this.pos) return this.#fail() === 1;
    this.binStart = this.pos;
    this.pos += n;
    this.binEnd = this.pos;
    return true;
  }
  #be(skip, width) {
    const p = this.pos + skip;
    if (p + width > this.end) return this.#fail();
    const b = this.buf;
    let v;
    if (width === 1) v = b[p];
    else if (width === 2) v = b[p] << 8 | b[p + 1];
    else v = this.#u32At(p);
    this.pos = p + width;
    return v;
  }
  #u32At(p) {
    const b = this.buf;
    return (b[p] << 24 | b[p + 1] << 16 | b[p + 2] << 8 | b[p + 3]) >>> 0;
  }
  #fail() {
    this.ok = false;
    this.pos = this.end;
    return 0;
  }
};

// protocol/frame.ts
var FRAME_MAGIC = 55041;
var PACKET_TYPE_DATA = 0;
var DATA_HEADER_FIELDS = 8;
var MAX_DATA_HEADER_BYTES = 3 + 3 + 1 + 5 + 3 + 3 + 5 + 5 + 5;
var MAX_MESSAGE_OVERHEAD = 1 + 3 + 3 + 3 + 3 + 5 + 5;
var MAX_MESSAGES_PER_DATAGRAM = 65535 - DATA_HEADER_FIELDS;
var MAX_WIRE_CHANNEL = 255;
var MessageKind = {
  UNRELIABLE: 0,
  UNRELIABLE_ORDERED: 1,
  RELIABLE: 2,
  RELIABLE_FRAGMENT: 3,
  UNRELIABLE_FRAGMENT: 4,
  UNRELIABLE_ORDERED_FRAGMENT: 5,
  PING: 6
};
var ARITY = [
  2,
  3,
  3,
  5,
  5,
  5,
  1,
  -1
];
function beginData(w, session, seq16, ack16, ackBitsLo, ackBitsHi, ackDelay) {
  w.pos = 3;
  w.int(FRAME_MAGIC);
  w.int(PACKET_TYPE_DATA);
  w.int(session);
  w.int(seq16);
  w.int(ack16);
  w.int(ackBitsLo);
  w.int(ackBitsHi);
  w.int(ackDelay);
}
function finishData(w, messageCount) {
  w.array16At(0, DATA_HEADER_FIELDS + messageCount);
}
function messageSize(kind, wireChannel, seq, index, count, hasPeer, peer2, payloadLength) {
  let n = 1 + intSize(kind | (hasPeer ? 8 : 0) | wireChannel << 4);
  if (kind === MessageKind.PING) return n;
  if (kind !== MessageKind.UNRELIABLE) n += intSize(seq);
  if (kind >= MessageKind.RELIABLE_FRAGMENT) n += intSize(index) + intSize(count);
  if (hasPeer) n += intSize(peer2);
  return n + binHeaderSize(payloadLength) + payloadLength;
}
function writeMessage(w, kind, wireChannel, seq, index, count, hasPeer, peer2, payload, start, end) {
  const arity = ARITY[kind] + (hasPeer ? 1 : 0);
  w.arrayHeader(arity);
  w.int(kind | (hasPeer ? 8 : 0) | wireChannel << 4);
  if (kind === MessageKind.PING) return;
  if (kind !== MessageKind.UNRELIABLE) w.int(seq);
  if (kind >= MessageKind.RELIABLE_FRAGMENT) {
    w.int(index);
    w.int(count);
  }
  if (hasPeer) w.int(peer2);
  w.bin(payload, start, end);
}
var peekReader = new MsgpackReader();
function peekSessionId(bytes) {
  const r = peekReader;
  r.reset(bytes, 0, bytes.length);
  const n = r.arrayHeader();
  const magic = r.int();
  const type = r.int();
  const session = r.int();
  if (!r.ok || n < 3 || magic !== FRAME_MAGIC || type !== PACKET_TYPE_DATA) return -1;
  return session >= 0 && session <= 4294967295 ? session : -1;
}
var FrameCursor = class {
  /** Session id from the header. */
  session = 0;
  /** 16-bit packet sequence. */
  seq = 0;
  /** 16-bit newest acked packet sequence. */
  ack = 0;
  /** Ack bits for ack-1..ack-32. */
  ackBitsLo = 0;
  /** Ack bits for ack-33..ack-64. */
  ackBitsHi = 0;
  /** Ack delay in 1/8 ms. */
  ackDelay = 0;
  /** Number of messages in the datagram. */
  messageCount = 0;
  /** Current message's kind. */
  kind = 0;
  /** Current message's wire channel. */
  channel = 0;
  /** Current message's 16-bit sequence or fragment group. */
  msgSeq = 0;
  /** Current fragment's index. */
  index = 0;
  /** Current fragment's count. */
  count = 0;
  /** Whether the current message has a peer field. */
  hasPeer = false;
  /** Current message's peer field (0 when absent). */
  peer = 0;
  /** Payload start offset in the datagram. */
  payloadStart = 0;
  /** Payload end offset. */
  payloadEnd = 0;
  /** Messages parsed so far. */
  parsed = 0;
  #r = new MsgpackReader();
  #start = 0;
  #buf = new Uint8Array(0);
  #end = 0;
  /** Parses the header of `buf[start..end)`; false when it is not a valid DATA header. */
  begin(buf, start, end) {
    const r = this.#r;
    r.reset(buf, start, end);
    const n = r.arrayHeader();
    const magic = r.int(), type = r.int();
    this.session = r.int();
    this.seq = r.int();
    this.ack = r.int();
    this.ackBitsLo = r.int();
    this.ackBitsHi = r.int();
    this.ackDelay = r.int();
    if (!r.ok || n < DATA_HEADER_FIELDS || magic !== FRAME_MAGIC || type !== PACKET_TYPE_DATA || !(this.session >= 0 && this.session <= 4294967295) || !(this.seq >= 0 && this.seq <= 65535) || !(this.ack >= 0 && this.ack <= 65535) || !(this.ackBitsLo >= 0 && this.ackBitsLo <= 4294967295) || !(this.ackBitsHi >= 0 && this.ackBitsHi <= 4294967295) || !(this.ackDelay >= 0 && this.ackDelay <= 4294967295)) return false;
    this.messageCount = n - DATA_HEADER_FIELDS;
    this.parsed = 0;
    this.#buf = buf;
    this.#start = r.pos;
    this.#end = end;
    return true;
  }
  /** Re-reads the messages from the first one (for a second pass after validation). */
  rewind() {
    this.#r.reset(this.#buf, this.#start, this.#end);
    this.parsed = 0;
  }
  /**
   * Parses the next message: returns its kind, -2 when all were read and nothing trails, -1 when
   * invalid (after which the cursor stays invalid).
   */
  next() {
    const r = this.#r;
    if (!r.ok) return -1;
    if (this.parsed === this.messageCount) return r.pos === r.end ? -2 : -1;
    const n = r.arrayHeader();
    const tag = r.int();
    if (!r.ok || tag < 0 || tag > 4095) return this.#fail();
    const kind = tag & 7, hasPeer = (tag & 8) !== 0;
    if (ARITY[kind] < 0 || n !== ARITY[kind] + (hasPeer ? 1 : 0)) return this.#fail();
    this.kind = kind;
    this.channel = tag >>> 4;
    this.hasPeer = hasPeer;
    this.peer = 0;
    this.parsed++;
    if (kind === MessageKind.PING) return hasPeer ? this.#fail() : kind;
    if (kind !== MessageKind.UNRELIABLE) {
      const s = r.int();
      if (s < 0 || s > 65535) return this.#fail();
      this.msgSeq = s;
    }
    if (kind >= MessageKind.RELIABLE_FRAGMENT) {
      const i = r.int(), c = r.int();
      if (c < 1 || c > 65535 || i < 0 || i >= c) return this.#fail();
      this.index = i;
      this.count = c;
    }
    if (hasPeer) {
      const p = r.int();
      if (p < -2147483647 || p > 2147483647) return this.#fail();
      this.peer = p;
    }
    if (!r.bin()) return -1;
    this.payloadStart = r.binStart;
    this.payloadEnd = r.binEnd;
    return r.ok ? kind : -1;
  }
  #fail() {
    this.#r.ok = false;
    return -1;
  }
};

// protocol/security/sha256.ts
var K = new Int32Array([
  1116352408,
  1899447441,
  3049323471,
  3921009573,
  961987163,
  1508970993,
  2453635748,
  2870763221,
  3624381080,
  310598401,
  607225278,
  1426881987,
  1925078388,
  2162078206,
  2614888103,
  3248222580,
  3835390401,
  4022224774,
  264347078,
  604807628,
  770255983,
  1249150122,
  1555081692,
  1996064986,
  2554220882,
  2821834349,
  2952996808,
  3210313671,
  3336571891,
  3584528711,
  113926993,
  338241895,
  666307205,
  773529912,
  1294757372,
  1396182291,
  1695183700,
  1986661051,
  2177026350,
  2456956037,
  2730485921,
  2820302411,
  3259730800,
  3345764771,
  3516065817,
  3600352804,
  4094571909,
  275423344,
  430227734,
  506948616,
  659060556,
  883997877,
  958139571,
  1322822218,
  1537002063,
  1747873779,
  1955562222,
  2024104815,
  2227730452,
  2361852424,
  2428436474,
  2756734187,
  3204031479,
  3329325298
]);
var H0 = new Int32Array([
  1779033703,
  3144134277,
  1013904242,
  2773480762,
  1359893119,
  2600822924,
  528734635,
  1541459225
]);
var SHA256_DIGEST_BYTES = 32;
var SHA256_BLOCK_BYTES = 64;
var Sha256 = class {
  #state = new Int32Array(8);
  #w = new Int32Array(64);
  #block = new Uint8Array(SHA256_BLOCK_BYTES);
  #blockLen = 0;
  #totalBytes = 0;
  /** Creates a hasher ready for `update`. */
  constructor() {
    this.reset();
  }
  /** Forgets everything hashed so far. Returns `this` for chaining. */
  reset() {
    this.#state.set(H0);
    this.#blockLen = 0;
    this.#totalBytes = 0;
    return this;
  }
  /** Makes this hasher an exact copy of `other` (midstate reuse, e.g. HMAC pads). */
  copyFrom(other) {
    this.#state.set(other.#state);
    this.#block.set(other.#block);
    this.#blockLen = other.#blockLen;
    this.#totalBytes = other.#totalBytes;
    return this;
  }
  /** Absorbs `data` (any length). Returns `this` for chaining. */
  update(data) {
    let i = 0;
    const n = data.length;
    this.#totalBytes += n;
    if (this.#blockLen > 0) {
      const take = Math.min(SHA256_BLOCK_BYTES - this.#blockLen, n);
      this.#block.set(data.subarray(0, take), this.#blockLen);
      this.#blockLen += take;
      i = take;
      if (this.#blockLen < SHA256_BLOCK_BYTES) return this;
      this.#compress(this.#block, 0);
      this.#blockLen = 0;
    }
    for (; i + SHA256_BLOCK_BYTES <= n; i += SHA256_BLOCK_BYTES) this.#compress(data, i);
    if (i < n) {
      this.#block.set(data.subarray(i), 0);
      this.#blockLen = n - i;
    }
    return this;
  }
  /**
   * Finishes the hash. Writes 32 bytes into `out` (allocated when omitted) and returns it. The
   * hasher must be `reset()` before reuse.
   */
  digest(out = new Uint8Array(SHA256_DIGEST_BYTES)) {
    if (out.length < SHA256_DIGEST_BYTES) throw new RangeError("digest output needs 32 bytes");
    const bits = this.#totalBytes * 8;
    const block = this.#block;
    block[this.#blockLen++] = 128;
    if (this.#blockLen > 56) {
      block.fill(0, this.#blockLen);
      this.#compress(block, 0);
      this.#blockLen = 0;
    }
    block.fill(0, this.#blockLen, 56);
    const hi = Math.floor(bits / 4294967296);
    const lo = bits >>> 0;
    block[56] = hi >>> 24;
    block[57] = hi >>> 16;
    block[58] = hi >>> 8;
    block[59] = hi;
    block[60] = lo >>> 24;
    block[61] = lo >>> 16;
    block[62] = lo >>> 8;
    block[63] = lo;
    this.#compress(block, 0);
    this.#blockLen = 0;
    const s = this.#state;
    for (let j = 0; j < 8; j++) {
      const v = s[j];
      out[j * 4] = v >>> 24;
      out[j * 4 + 1] = v >>> 16;
      out[j * 4 + 2] = v >>> 8;
      out[j * 4 + 3] = v;
    }
    return out;
  }
  #compress(data, offset2) {
    const w = this.#w;
    for (let t = 0; t < 16; t++) {
      const p = offset2 + t * 4;
      w[t] = data[p] << 24 | data[p + 1] << 16 | data[p + 2] << 8 | data[p + 3];
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      const s0 = (x >>> 7 | x << 25) ^ (x >>> 18 | x << 14) ^ x >>> 3;
      const s1 = (y >>> 17 | y << 15) ^ (y >>> 19 | y << 13) ^ y >>> 10;
      w[t] = w[t - 16] + s0 + w[t - 7] + s1 | 0;
    }
    const s = this.#state;
    let a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (let t = 0; t < 64; t++) {
      const S1 = (e >>> 6 | e << 26) ^ (e >>> 11 | e << 21) ^ (e >>> 25 | e << 7);
      const ch = e & f ^ ~e & g;
      const t1 = h + S1 + ch + K[t] + w[t] | 0;
      const S0 = (a >>> 2 | a << 30) ^ (a >>> 13 | a << 19) ^ (a >>> 22 | a << 10);
      const maj = a & b ^ a & c ^ b & c;
      const t2 = S0 + maj | 0;
      h = g;
      g = f;
      f = e;
      e = d + t1 | 0;
      d = c;
      c = b;
      b = a;
      a = t1 + t2 | 0;
    }
    s[0] = s[0] + a | 0;
    s[1] = s[1] + b | 0;
    s[2] = s[2] + c | 0;
    s[3] = s[3] + d | 0;
    s[4] = s[4] + e | 0;
    s[5] = s[5] + f | 0;
    s[6] = s[6] + g | 0;
    s[7] = s[7] + h | 0;
  }
};
var shared = new Sha256();

// protocol/security/hmac.ts
var HMAC_SHA256_BYTES = SHA256_DIGEST_BYTES;
var HmacSha256 = class {
  #inner0 = new Sha256();
  #outer0 = new Sha256();
  #inner = new Sha256();
  #outer = new Sha256();
  #innerDigest = new Uint8Array(SHA256_DIGEST_BYTES);
  /** Keys the MAC. Keys longer than 64 bytes are hashed first (RFC 2104 §2). */
  constructor(key) {
    const k = new Uint8Array(SHA256_BLOCK_BYTES);
    if (key.length > SHA256_BLOCK_BYTES) k.set(new Sha256().update(key).digest());
    else k.set(key);
    const pad = new Uint8Array(SHA256_BLOCK_BYTES);
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) pad[i] = k[i] ^ 54;
    this.#inner0.update(pad);
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) pad[i] = k[i] ^ 92;
    this.#outer0.update(pad);
    k.fill(0);
    pad.fill(0);
    this.#inner.copyFrom(this.#inner0);
  }
  /** Starts a new tag with the same key. Returns `this` for chaining. */
  reset() {
    this.#inner.copyFrom(this.#inner0);
    return this;
  }
  /** Absorbs message bytes. Returns `this` for chaining. */
  update(data) {
    this.#inner.update(data);
    return this;
  }
  /** Writes the 32-byte tag into `out` (allocated when omitted), returns it, and resets. */
  digest(out = new Uint8Array(HMAC_SHA256_BYTES)) {
    this.#inner.digest(this.#innerDigest);
    this.#outer.copyFrom(this.#outer0).update(this.#innerDigest).digest(out);
    this.reset();
    return out;
  }
};
function timingSafeEqual(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

// protocol/handshake.ts
var PacketType = {
  DATA: 0,
  CONNECT_REQUEST: 1,
  CHALLENGE: 2,
  CONNECT: 3,
  ACCEPT: 4,
  REJECT: 5,
  DISCONNECT: 6
};
var MAGIC_HIGH = 215;
var MAGIC = MAGIC_HIGH << 8 | PROTOCOL_VERSION;
var MIN_HANDSHAKE_SIZE = 128;
var MAX_REJECT_MESSAGE_BYTES = 96;
var COOKIE_BYTES = 4 + 16;
var EMPTY = new Uint8Array(0);
var decoder2 = new TextDecoder("utf-8", {
  fatal: false
});
var encoder = new TextEncoder();
var Writer = class {
  buf;
  pos = 0;
  constructor(size) {
    this.buf = new Uint8Array(size);
  }
  arr(n) {
    this.buf[this.pos++] = 144 | n;
    return this;
  }
  uint(v) {
    if (v < 128) this.buf[this.pos++] = v;
    else {
      this.buf[this.pos++] = 206;
      new DataView(this.buf.buffer).setUint32(this.pos, v);
      this.pos += 4;
    }
    return this;
  }
  magic() {
    this.buf[this.pos++] = 205;
    this.buf[this.pos++] = MAGIC >> 8;
    this.buf[this.pos++] = MAGIC & 255;
    return this;
  }
  bin(b) {
    this.buf[this.pos++] = 197;
    this.buf[this.pos++] = b.length >> 8;
    this.buf[this.pos++] = b.length & 255;
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  str(b) {
    this.buf[this.pos++] = 217;
    this.buf[this.pos++] = b.length;
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  done() {
    return this.buf.subarray(0, this.pos);
  }
};
function padFor(used) {
  return new Uint8Array(Math.max(0, MIN_HANDSHAKE_SIZE - used - 3));
}
function encodeRequest(nonce) {
  const w = new Writer(MIN_HANDSHAKE_SIZE + 16).arr(4).magic().uint(PacketType.CONNECT_REQUEST).uint(nonce);
  return w.bin(padFor(w.pos)).done();
}
function encodeChallenge(nonce, cookie) {
  return new Writer(16 + cookie.length).arr(4).magic().uint(PacketType.CHALLENGE).uint(nonce).bin(cookie).done();
}
function encodeConnect(nonce, cookie, payload) {
  const w = new Writer(MIN_HANDSHAKE_SIZE + 32 + cookie.length + payload.length).arr(6).magic().uint(PacketType.CONNECT).uint(nonce).bin(cookie).bin(payload);
  return w.bin(padFor(w.pos)).done();
}
function encodeAccept(nonce, sessionId, body) {
  return new Writer(24 + body.length).arr(5).magic().uint(PacketType.ACCEPT).uint(nonce).uint(sessionId).bin(body).done();
}
function encodeReject(nonce, reason, message) {
  let text = encoder.encode(message);
  if (text.length > MAX_REJECT_MESSAGE_BYTES) {
    let end = MAX_REJECT_MESSAGE_BYTES;
    while (end > 0 && (text[end] & 192) === 128) end--;
    text = text.subarray(0, end);
  }
  return new Writer(16 + text.length).arr(5).magic().uint(PacketType.REJECT).uint(nonce).uint(reason & 127).str(text).done();
}
function encodeDisconnect(sessionId, reason) {
  return new Writer(16).arr(4).magic().uint(PacketType.DISCONNECT).uint(sessionId).uint(reason & 127).done();
}
var scratch = {
  version: 0,
  type: 0,
  nonce: 0,
  sessionId: 0,
  reason: 0,
  cookie: EMPTY,
  payload: EMPTY,
  message: ""
};
var rb = EMPTY;
var rp = 0;
function rUint() {
  if (rp >= rb.length) return -1;
  const t = rb[rp++];
  if (t < 128) return t;
  if (t === 204 && rp + 1 <= rb.length) return rb[rp++];
  if (t === 205 && rp + 2 <= rb.length) return rb[rp++] << 8 | rb[rp++];
  if (t === 206 && rp + 4 <= rb.length) {
    const v = (rb[rp] << 24 >>> 0) + (rb[rp + 1] << 16) + (rb[rp + 2] << 8) + rb[rp + 3];
    rp += 4;
    return v;
  }
  return -1;
}
function rBytes(binType) {
  if (rp >= rb.length) return void 0;
  const t = rb[rp++];
  let n = -1;
  if (!binType && t >= 160 && t <= 191) n = t & 31;
  else if (t === (binType ? 196 : 217) && rp + 1 <= rb.length) n = rb[rp++];
  else if (t === (binType ? 197 : 218) && rp + 2 <= rb.length) n = rb[rp++] << 8 | rb[rp++];
  if (n < 0 || rp + n > rb.length) return void 0;
  rp += n;
  return rb.subarray(rp - n, rp);
}
function readPrefix(bytes) {
  rb = bytes;
  rp = 0;
  if (bytes.length < 5) return -1;
  const head = bytes[rp++];
  if (head < 146 || head > 159) return -1;
  const magic = rUint();
  if (magic < 0 || magic >> 8 !== MAGIC_HIGH) return -1;
  scratch.version = magic & 255;
  return rUint();
}
function decodeHandshake(bytes) {
  const type = readPrefix(bytes);
  const p = scratch;
  p.nonce = p.sessionId = p.reason = 0;
  p.cookie = p.payload = EMPTY;
  p.message = "";
  const count = bytes[0] & 15;
  const ok = (v) => v >= 0;
  switch (type) {
    case PacketType.CONNECT_REQUEST:
      p.nonce = rUint();
      if (!ok(p.nonce)) return void 0;
      if (p.version !== PROTOCOL_VERSION) {
        p.type = type;
        return p;
      }
      return count === 4 && rBytes(true) ? done(p, type) : void 0;
    case PacketType.CHALLENGE:
    case PacketType.CONNECT: {
      p.nonce = rUint();
      const cookie = rBytes(true);
      if (!ok(p.nonce) || cookie === void 0 || cookie.length !== COOKIE_BYTES) return void 0;
      p.cookie = cookie;
      if (type === PacketType.CHALLENGE) return count === 4 ? done(p, type) : void 0;
      const payload = rBytes(true);
      if (count !== 6 || payload === void 0 || rBytes(true) === void 0) return void 0;
      p.payload = payload;
      return done(p, type);
    }
    case PacketType.ACCEPT: {
      p.nonce = rUint();
      p.sessionId = rUint();
      const body = rBytes(true);
      if (count !== 5 || !ok(p.nonce) || !ok(p.sessionId) || body === void 0) return void 0;
      p.payload = body;
      return done(p, type);
    }
    case PacketType.REJECT: {
      p.nonce = rUint();
      p.reason = rUint();
      const text = rBytes(false);
      if (count < 5 || !ok(p.nonce) || !ok(p.reason) || text === void 0) return void 0;
      p.message = decoder2.decode(text);
      p.type = type;
      return p;
    }
    case PacketType.DISCONNECT:
      p.sessionId = rUint();
      p.reason = rUint();
      return count === 4 && ok(p.sessionId) && ok(p.reason) ? done(p, type) : void 0;
    default:
      return void 0;
  }
}
function done(p, type) {
  if (p.version !== PROTOCOL_VERSION && type !== PacketType.CONNECT_REQUEST) return void 0;
  if (rp !== rb.length) return void 0;
  p.type = type;
  return p;
}
var CookieJar = class {
  #random;
  #ttlMs;
  #rotateMs;
  #epoch = -Infinity;
  #current;
  #previous;
  #tail = new Uint8Array(9);
  #tag = new Uint8Array(HMAC_SHA256_BYTES);
  /** `ttlMs`: how long a cookie stays valid; must be below `rotateMs`. */
  constructor(random, ttlMs = 1e4, rotateMs = 3e4) {
    this.#random = random;
    this.#ttlMs = ttlMs;
    this.#rotateMs = Math.max(rotateMs, ttlMs + 1);
  }
  /** Cookie lifetime in ms. */
  get ttlMs() {
    return this.#ttlMs;
  }
  /** Mints a cookie for `address` and `nonce` at `now`. */
  mint(address, nonce, now) {
    this.#rotate(now);
    const cookie = new Uint8Array(COOKIE_BYTES);
    const stamp = Math.floor(now) >>> 0;
    new DataView(cookie.buffer).setUint32(0, stamp);
    this.#mac(this.#current, address, stamp, nonce);
    cookie.set(this.#tag.subarray(0, COOKIE_BYTES - 4), 4);
    return cookie;
  }
  /** True when `cookie` was minted by this jar for `address` and `nonce` less than ttl ago. */
  verify(cookie, address, nonce, now) {
    if (cookie.length !== COOKIE_BYTES) return false;
    this.#rotate(now);
    const stamp = (cookie[0] << 24 >>> 0) + (cookie[1] << 16) + (cookie[2] << 8) + cookie[3];
    const age = (Math.floor(now) >>> 0) - stamp >>> 0;
    if (age > this.#ttlMs) return false;
    const mac = cookie.subarray(4);
    for (const key of [
      this.#current,
      this.#previous
    ]) {
      if (!key) continue;
      this.#mac(key, address, stamp, nonce);
      if (timingSafeEqual(this.#tag.subarray(0, mac.length), mac)) return true;
    }
    return false;
  }
  #rotate(now) {
    const epoch = Math.floor(now / this.#rotateMs);
    if (epoch === this.#epoch) return;
    this.#previous = epoch === this.#epoch + 1 ? this.#current : void 0;
    this.#current = new HmacSha256(this.#random.fill(new Uint8Array(32)));
    this.#epoch = epoch;
  }
  #mac(key, address, stamp, nonce) {
    const view = new DataView(this.#tail.buffer);
    view.setUint32(0, stamp);
    this.#tail[4] = PROTOCOL_VERSION;
    view.setUint32(5, nonce >>> 0);
    key.reset().update(encoder.encode(address)).update(this.#tail).digest(this.#tag);
  }
};

// transport/transport.ts
function addressKey(address) {
  return `${address.transport ?? "udp"}|${address.hostname}|${address.port}`;
}
var systemClock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimer: (handle) => clearTimeout(handle)
};

// protocol/host_handshake.ts
var RETRY_INITIAL_MS = 200;
var RETRY_MAX_MS = 1e3;
function copyAddress(a) {
  return a.transport === void 0 ? {
    hostname: a.hostname,
    port: a.port
  } : {
    hostname: a.hostname,
    port: a.port,
    transport: a.transport
  };
}
function sameAddress(a, b) {
  return a.port === b.port && a.hostname === b.hostname && (a.transport ?? "udp") === (b.transport ?? "udp");
}
function toReason(code) {
  return code >= 1 && code <= 10 ? code : DisconnectReason.PROTOCOL_ERROR;
}
function hex(bytes) {
  let s = "";
  for (const b of bytes) s += (b < 16 ? "0" : "") + b.toString(16);
  return s;
}
var ServerHandshake = class {
  #host;
  #options;
  #jar;
  #consumed = /* @__PURE__ */ new Map();
  /** Binds the server handshake to its host. */
  constructor(host, options) {
    this.#host = host;
    this.#options = options;
    this.#jar = new CookieJar(options.random, options.cookieTtlMs);
  }
  /** Handles one non-DATA datagram. */
  handle(bytes, from, now) {
    const p = decodeHandshake(bytes);
    if (!p) return;
    if (p.type === PacketType.DISCONNECT) {
      const entry = this.#host.entryBySession(p.sessionId);
      if (entry && sameAddress(entry.address, from)) {
        this.#host.removePeer(entry, toReason(p.reason), false, now);
      }
      return;
    }
    if (p.type !== PacketType.CONNECT_REQUEST && p.type !== PacketType.CONNECT) return;
    if (bytes.length < MIN_HANDSHAKE_SIZE) return;
    const nonce = p.nonce;
    if (p.version !== PROTOCOL_VERSION) {
      return this.#reject(from, nonce, DisconnectReason.VERSION_MISMATCH, [
        `server speaks protocol version ${PROTOCOL_VERSION}, client ${p.version}`
      ]);
    }
    if (p.type === PacketType.CONNECT_REQUEST) {
      if (this.#refusal(from, nonce)) return;
      const cookie = this.#jar.mint(addressKey(from), nonce, now);
      this.#host.queueRaw(copyAddress(from), encodeChallenge(nonce, cookie));
      return;
    }
    if (!this.#jar.verify(p.cookie, addressKey(from), nonce, now)) return;
    const key = hex(p.cookie);
    this.#prune(now);
    const used = this.#consumed.get(key);
    if (used) {
      const entry = this.#host.entryById(used.id);
      if (entry && entry.sessionId === used.sessionId) {
        this.#host.queueRaw(entry.address, used.accept);
      } else {
        this.#reject(from, nonce, DisconnectReason.PROTOCOL_ERROR, [
          "handshake cookie already used"
        ]);
      }
      return;
    }
    if (this.#refusal(from, nonce)) return;
    if (this.#consumed.size >= this.#options.maxPendingHandshakes) {
      return this.#reject(from, nonce, DisconnectReason.SERVER_FULL, [
        "too many handshakes"
      ]);
    }
    const request = decodeConnectPayload(p.payload);
    if (!request) {
      return this.#reject(from, nonce, DisconnectReason.PROTOCOL_ERROR, [
        "malformed CONNECT"
      ]);
    }
    const id = this.#newId();
    const sessionId = this.#newSession();
    const address = copyAddress(from);
    const accept = encodeAccept(nonce, sessionId, encodeAcceptBody({
      id,
      channelCount: this.#host.channelCount,
      serverRelay: this.#host.serverRelay,
      timeoutMs: this.#options.timeoutMs
    }));
    this.#consumed.set(key, {
      id,
      sessionId,
      expires: now + this.#jar.ttlMs,
      accept
    });
    this.#host.queueRaw(address, accept);
    this.#host.addPeer(id, address, sessionId, now);
  }
  #refusal(from, nonce) {
    if (this.#host.refuseNewConnections) {
      this.#reject(from, nonce, DisconnectReason.REFUSED, [
        "server refuses new connections"
      ]);
      return true;
    }
    if (this.#host.peerCount >= this.#options.maxClients) {
      this.#reject(from, nonce, DisconnectReason.SERVER_FULL, [
        `server is full (${this.#options.maxClients} clients)`
      ]);
      return true;
    }
    return false;
  }
  #reject(from, nonce, reason, message) {
    this.#host.queueRaw(copyAddress(from), encodeReject(nonce, reason, message[0]));
  }
  #prune(now) {
    for (const [key, used] of this.#consumed) {
      if (used.expires < now) this.#consumed.delete(key);
    }
  }
  #newId() {
    const random = this.#options.random;
    for (; ; ) {
      const id = 2 + random.nextU32() % (MAX_PEER_ID - 1);
      if (!this.#host.entryById(id)) return id;
    }
  }
  #newSession() {
    for (; ; ) {
      const s = this.#options.random.nextU32();
      if (s !== 0 && !this.#host.entryBySession(s)) return s;
    }
  }
};
var ClientHandshake = class {
  #host;
  #options;
  #state = "idle";
  #server = {
    hostname: "",
    port: 0
  };
  #nonce = 0;
  #cookie = new Uint8Array(0);
  #deadline = 0;
  #nextSendAt = 0;
  #interval = RETRY_INITIAL_MS;
  /** Binds the client handshake to its host. */
  constructor(host, options) {
    this.#host = host;
    this.#options = options;
  }
  /** True once `start` was called (a client host connects once). */
  get used() {
    return this.#state !== "idle";
  }
  /** Starts connecting. */
  start(server, now) {
    this.#server = copyAddress(server);
    this.#nonce = this.#options.random.nextU32();
    this.#state = "requesting";
    this.#deadline = now + this.#options.connectTimeoutMs;
    this.#send(now);
  }
  /** Stops retransmitting (close). */
  stop() {
    if (this.#state !== "idle") this.#state = "done";
  }
  /** Handles one non-DATA datagram. */
  handle(bytes, from, now) {
    const p = decodeHandshake(bytes);
    if (!p) return;
    if (p.type === PacketType.DISCONNECT) {
      const entry = this.#host.entryById(1);
      if (entry && entry.sessionId === p.sessionId && sameAddress(entry.address, from)) {
        this.#host.removePeer(entry, toReason(p.reason), false, now);
      }
      return;
    }
    const waiting = this.#state === "requesting" || this.#state === "connecting";
    if (!waiting || p.nonce !== this.#nonce) return;
    if (p.type === PacketType.CHALLENGE && this.#state === "requesting") {
      this.#cookie = p.cookie.slice();
      this.#state = "connecting";
      this.#interval = RETRY_INITIAL_MS;
      this.#send(now);
    } else if (p.type === PacketType.ACCEPT) {
      const body = decodeAcceptBody(p.payload);
      if (!body) return;
      this.#state = "done";
      this.#host.accepted(body.id, body.channelCount, body.serverRelay);
      this.#host.addPeer(1, copyAddress(from), p.sessionId, now);
    } else if (p.type === PacketType.REJECT) {
      this.#state = "done";
      this.#host.failed(toReason(p.reason), p.message);
    }
  }
  /** Retransmits or gives up. */
  handleTimeout(now) {
    if (this.#state !== "requesting" && this.#state !== "connecting") return;
    if (now >= this.#deadline) {
      this.#state = "done";
      const { hostname, port } = this.#server;
      this.#host.failed(DisconnectReason.CONNECT_TIMEOUT, `no answer from ${hostname}:${port} within ${this.#options.connectTimeoutMs} ms`);
    } else if (now >= this.#nextSendAt) {
      this.#send(now);
    }
  }
  /** Next retransmission or give-up time; Infinity when idle. */
  pollTimeout() {
    const waiting = this.#state === "requesting" || this.#state === "connecting";
    return waiting ? Math.min(this.#nextSendAt, this.#deadline) : Infinity;
  }
  #send(now) {
    const bytes = this.#state === "requesting" ? encodeRequest(this.#nonce) : encodeConnect(this.#nonce, this.#cookie, encodeConnectPayload({
      channelCount: this.#options.channelCount,
      token: this.#options.connectToken
    }));
    this.#host.queueRaw(this.#server, bytes);
    this.#nextSendAt = now + this.#interval;
    this.#interval = Math.min(this.#interval * 2, RETRY_MAX_MS);
  }
};

// protocol/random.ts
var cryptoRandom = {
  next: () => cryptoRandom.nextU32() / 4294967296,
  nextU32: () => crypto.getRandomValues(new Uint32Array(1))[0],
  fill: (bytes) => crypto.getRandomValues(bytes)
};

// protocol/host_options.ts
function check(ok, what) {
  if (!ok) throw new MultiplayerError("INVALID_ARGUMENT", what);
}
function resolveHostOptions(o) {
  const encodeBufferMaxSize = o.encodeBufferMaxSize ?? DEFAULTS.encodeBufferMaxSize;
  const timeoutMs = o.timeoutMs ?? DEFAULTS.timeoutMs;
  const big = Math.max(16 * 1024 * 1024, 2 * encodeBufferMaxSize);
  const r = {
    role: o.role,
    createConnection: o.createConnection,
    random: o.random ?? cryptoRandom,
    channelCount: o.channelCount ?? DEFAULTS.channelCount,
    datagramSize: o.datagramSize ?? DEFAULTS.datagramSize,
    encodeBufferMaxSize,
    timeoutMs,
    connectTimeoutMs: o.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    maxClients: o.maxClients ?? DEFAULTS.maxClients,
    serverRelay: o.serverRelay ?? true,
    reliableCarrier: o.reliableCarrier ?? false,
    maxInboundPackets: o.maxInboundPackets ?? 4096,
    maxInboundBytes: o.maxInboundBytes ?? big,
    maxSendQueueBytes: o.maxSendQueueBytes ?? big,
    maxReassemblyBytes: o.maxReassemblyBytes ?? big,
    keepaliveMs: o.keepaliveMs ?? Math.min(1e3, timeoutMs / 4),
    cookieTtlMs: o.cookieTtlMs ?? 1e4,
    maxPendingHandshakes: o.maxPendingHandshakes ?? 4096,
    connectToken: o.connectToken ?? new Uint8Array(0)
  };
  check(r.role === "server" || r.role === "client", `role must be "server" or "client"`);
  check(isInt(r.channelCount, 1, 254), `channelCount must be an integer in [1, 254]`);
  check(isInt(r.datagramSize, 200, 65507), `datagramSize must be in [200, 65507]`);
  check(isInt(r.encodeBufferMaxSize, 1, 2 ** 30), `encodeBufferMaxSize must be in [1, 2^30]`);
  check(isInt(r.timeoutMs, 100, 36e5), `timeoutMs must be in [100, 3600000]`);
  check(isInt(r.connectTimeoutMs, 50, 36e5), `connectTimeoutMs must be in [50, 3600000]`);
  check(isInt(r.maxClients, 1, 65535), `maxClients must be in [1, 65535]`);
  check(isInt(r.maxInboundPackets, 1, 1 << 24), `maxInboundPackets must be in [1, 2^24]`);
  check(r.connectToken.length <= 1024, `connectToken must be at most 1024 bytes`);
  return r;
}
function isInt(v, min, max) {
  return Number.isInteger(v) && v >= min && v <= max;
}

// protocol/queue.ts
var BoundedQueue = class {
  #items = new Array(8);
  #head = 0;
  #length = 0;
  /** Most items held at once. */
  capacity;
  /** Creates an empty queue holding at most `capacity` items. */
  constructor(capacity) {
    this.capacity = Math.max(1, capacity);
  }
  /** Items held. */
  get length() {
    return this.#length;
  }
  /** Appends; false (and nothing stored) when full. */
  push(item2) {
    if (this.#length >= this.capacity) return false;
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) % this.#items.length] = item2;
    this.#length++;
    return true;
  }
  /** Removes and returns the oldest item. */
  shift() {
    if (this.#length === 0) return void 0;
    const item2 = this.#items[this.#head];
    this.#items[this.#head] = void 0;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#length--;
    return item2;
  }
  /** The oldest item, left in place. */
  peek() {
    return this.#length === 0 ? void 0 : this.#items[this.#head];
  }
  /** Drops everything. */
  clear() {
    this.#items = new Array(8);
    this.#head = 0;
    this.#length = 0;
  }
  #grow() {
    const next = new Array(Math.min(this.#items.length * 2, this.capacity));
    for (let i = 0; i < this.#length; i++) {
      next[i] = this.#items[(this.#head + i) % this.#items.length];
    }
    this.#items = next;
    this.#head = 0;
  }
};

// protocol/host.ts
var DISCONNECT_COPIES = 3;
var LINGER_MS = 2e3;
var Host = class {
  /** Resolved options. */
  options;
  /** Servers: answer new clients with REJECT (REFUSED). */
  refuseNewConnections = false;
  #status;
  #uniqueId;
  #channelCount;
  #serverRelay;
  #peers = /* @__PURE__ */ new Map();
  #bySession = /* @__PURE__ */ new Map();
  #known = /* @__PURE__ */ new Set();
  #dirty = [];
  #raw;
  #events = new BoundedQueue(65536);
  #inbound;
  #inboundBytes = 0;
  #now = 0;
  #tx = {
    to: {
      hostname: "",
      port: 0
    },
    bytes: new Uint8Array(0)
  };
  #server;
  #client;
  /** Creates a server (listening at once) or an idle client (call {@link Host.connect}). */
  constructor(options) {
    this.options = resolveHostOptions(options);
    this.#channelCount = this.options.channelCount;
    this.#serverRelay = this.options.serverRelay;
    this.#raw = new BoundedQueue(1024);
    this.#inbound = new BoundedQueue(this.options.maxInboundPackets);
    if (this.options.role === "server") {
      this.#status = ConnectionStatus.CONNECTED;
      this.#uniqueId = 1;
      this.#server = new ServerHandshake(this, this.options);
    } else {
      this.#status = ConnectionStatus.DISCONNECTED;
      this.#uniqueId = 0;
      this.#client = new ClientHandshake(this, this.options);
    }
  }
  /** This endpoint's id: 1 on servers; assigned by the server on clients (0 before). */
  get uniqueId() {
    return this.#uniqueId;
  }
  /** DISCONNECTED, CONNECTING or CONNECTED. */
  get status() {
    return this.#status;
  }
  /** User channels (a client adopts the server's count when accepted). */
  get channelCount() {
    return this.#channelCount;
  }
  /** Whether clients' packets to other clients are relayed (a client learns it on accept). */
  get serverRelay() {
    return this.#serverRelay;
  }
  /** Connected remotes: clients on a server, `[1]` plus announced peers on a client. */
  peerIds() {
    if (this.options.role === "server") return [
      ...this.#peers.keys()
    ];
    return this.#peers.size ? [
      1,
      ...this.#known
    ] : [];
  }
  /** Address of a directly connected peer. */
  peerAddress(id) {
    return this.#peers.get(id)?.address;
  }
  /** Connection of a directly connected peer (stats: rttMs, queuedBytes). */
  peerConnection(id) {
    return this.#peers.get(id)?.conn;
  }
  /** Packets waiting in the inbound queue. */
  get inboundCount() {
    return this.#inbound.length;
  }
  /** Events waiting for {@link Host.pollEvent}. */
  get eventCount() {
    return this.#events.length;
  }
  /** Clients: starts connecting to `server`. Throws ALREADY_ACTIVE when already used. */
  connect(server, now) {
    if (!this.#client) throw new MultiplayerError("INVALID_ARGUMENT", "connect() is for clients");
    if (this.#status !== ConnectionStatus.DISCONNECTED || this.#client.used) {
      throw new MultiplayerError("ALREADY_ACTIVE", "this client host already connected once");
    }
    this.#status = ConnectionStatus.CONNECTING;
    this.#client.start(server, now);
  }
  // ------------------------------------------------------------------------------- input
  /** Handles one untrusted datagram. Never throws. */
  handleDatagram(bytes, from, now) {
    if (this.#status === ConnectionStatus.DISCONNECTED) return;
    this.#now = now;
    const session = peekSessionId(bytes);
    if (session >= 0) {
      const entry = this.#bySession.get(session);
      if (!entry || !sameAddress(entry.address, from)) return;
      try {
        entry.conn.handleDatagram(bytes, now);
      } catch {
        return;
      }
      this.#markDirty(entry);
      if (entry.closingAt > 0) this.#checkClosing(entry, now);
      return;
    }
    try {
      if (this.#server) this.#server.handle(bytes, from, now);
      else this.#client.handle(bytes, from, now);
    } catch {
    }
  }
  /** Runs every timer that is due. */
  handleTimeout(now) {
    this.#now = now;
    this.#client?.handleTimeout(now);
    for (const entry of [
      ...this.#peers.values()
    ]) {
      if (entry.closingAt > 0) this.#checkClosing(entry, now);
      if (!this.#peers.has(entry.id) || entry.conn.pollTimeout() > now) continue;
      entry.conn.handleTimeout(now);
      this.#markDirty(entry);
      if (entry.conn.timedOut) this.removePeer(entry, DisconnectReason.TIMEOUT, false, now);
    }
  }
  /** Next datagram to send, or undefined. The result is reused: consume it before calling again. */
  pollTransmit(now) {
    const raw = this.#raw.shift();
    if (raw) return raw;
    while (this.#dirty.length > 0) {
      const entry = this.#dirty[this.#dirty.length - 1];
      const bytes = this.#peers.get(entry.id) === entry ? entry.conn.pollTransmit(now) : void 0;
      if (bytes) {
        this.#tx.to = entry.address;
        this.#tx.bytes = bytes;
        return this.#tx;
      }
      entry.dirty = false;
      this.#dirty.pop();
    }
    return void 0;
  }
  /** Absolute time of the next timer, or undefined when nothing is pending. */
  pollTimeout() {
    let t = this.#client?.pollTimeout() ?? Infinity;
    for (const entry of this.#peers.values()) {
      t = Math.min(t, entry.conn.pollTimeout());
      if (entry.closingAt > 0) t = Math.min(t, entry.closingAt);
    }
    return t === Infinity ? void 0 : t;
  }
  /** Next event, in order. */
  pollEvent() {
    return this.#events.shift();
  }
  /** Next packet for the application. */
  pollPacket() {
    const p = this.#inbound.shift();
    if (p) this.#inboundBytes -= p.data.length;
    return p;
  }
  /** The packet {@link Host.pollPacket} returns next, left in place. */
  peekPacket() {
    return this.#inbound.peek();
  }
  // ------------------------------------------------------------------------------ commands
  /**
   * Sends `data` to `target` (0 all, 1 server, id, -id all but id) on user channel
   * `channel`. Throws MultiplayerError NOT_CONNECTED, INVALID_CHANNEL, INVALID_TARGET,
   * UNKNOWN_PEER, PACKET_TOO_LARGE or QUEUE_FULL. `data` must not be changed afterwards.
   */
  send(target2, data, mode, channel, now) {
    if (this.#status !== ConnectionStatus.CONNECTED) {
      throw new MultiplayerError("NOT_CONNECTED", "cannot send: not connected");
    }
    if (!Number.isInteger(channel) || channel < 0 || channel >= this.#channelCount) {
      throw new MultiplayerError("INVALID_CHANNEL", `channel ${channel} is out of range [0, ${this.#channelCount - 1}]`);
    }
    if (mode !== 0 && mode !== 1 && mode !== 2) {
      throw new MultiplayerError("INVALID_ARGUMENT", `unknown transfer mode ${mode}`);
    }
    if (!Number.isInteger(target2) || Math.abs(target2) > MAX_PEER_ID) {
      throw new MultiplayerError("INVALID_TARGET", `target ${target2} is not a valid peer id`);
    }
    if (data.length > this.options.encodeBufferMaxSize) {
      throw new MultiplayerError("PACKET_TOO_LARGE", `packet of ${data.length} bytes exceeds encodeBufferMaxSize ${this.options.encodeBufferMaxSize}`);
    }
    const wire = channel + 1;
    if (this.options.role === "client") {
      this.#checkClientTarget(target2);
      const server = this.#peers.get(1);
      server.conn.send(wire, mode, data, target2 === 1 ? void 0 : target2, now);
      this.#markDirty(server);
      return;
    }
    if (target2 === 1 || target2 === -1) {
      throw new MultiplayerError("INVALID_TARGET", "the server cannot send to itself (id 1)");
    }
    if (target2 > 1) {
      const entry = this.#peers.get(target2);
      if (!entry || entry.closingAt > 0) {
        throw new MultiplayerError("UNKNOWN_PEER", `no connected peer with id ${target2}`);
      }
      entry.conn.send(wire, mode, data, void 0, now);
      this.#markDirty(entry);
      return;
    }
    for (const entry of this.#peers.values()) {
      if (entry.id === -target2 || entry.closingAt > 0) continue;
      entry.conn.send(wire, mode, data, void 0, now);
      this.#markDirty(entry);
    }
  }
  #checkClientTarget(target2) {
    if (target2 === 1) return;
    if (!this.#serverRelay) {
      throw new MultiplayerError("INVALID_TARGET", `target ${target2}: the server does not relay (serverRelay off), clients can only send to 1`);
    }
    if (target2 === this.#uniqueId) {
      throw new MultiplayerError("INVALID_TARGET", `target ${target2} is this peer itself`);
    }
    if (target2 > 1 && !this.#known.has(target2)) {
      throw new MultiplayerError("UNKNOWN_PEER", `no connected peer with id ${target2}`);
    }
  }
  /**
   * Servers: drops client `id`. `now` = at once; otherwise after its queued data is acknowledged
   * (at most 2 s). `graceful` = tell the client (DISCONNECT). Emits peer_disconnected.
   */
  disconnectPeer(id, now, immediately = false, graceful = true) {
    if (this.options.role !== "server") {
      throw new MultiplayerError("INVALID_ARGUMENT", "disconnectPeer() is for servers");
    }
    const entry = this.#peers.get(id);
    if (!entry) throw new MultiplayerError("UNKNOWN_PEER", `no connected peer with id ${id}`);
    if (immediately || !graceful) {
      this.removePeer(entry, DisconnectReason.CLOSED, graceful, now);
    } else if (entry.closingAt === 0) {
      entry.closingAt = now + Math.min(LINGER_MS, this.options.timeoutMs);
      this.#checkClosing(entry, now);
    }
  }
  /** Closes the endpoint; every remote is told (DISCONNECT). No events are emitted. */
  close(_now) {
    for (const entry of this.#peers.values()) this.#sendDisconnect(entry, DisconnectReason.CLOSED);
    this.#peers.clear();
    this.#bySession.clear();
    this.#known.clear();
    this.#dirty.length = 0;
    this.#client?.stop();
    this.#status = ConnectionStatus.DISCONNECTED;
  }
  // -------------------------------------------------------- internal (used by handshakes)
  /** @internal Queues a raw datagram (handshake); dropped when the queue is full. */
  queueRaw(to, bytes) {
    this.#raw.push({
      to,
      bytes
    });
  }
  /** @internal Queues an event. */
  emit(event) {
    this.#events.push(event);
  }
  /** @internal Peer table lookups for the handshakes. */
  entryById(id) {
    return this.#peers.get(id);
  }
  /** @internal */
  entryBySession(session) {
    return this.#bySession.get(session);
  }
  /** @internal Number of live clients. */
  get peerCount() {
    return this.#peers.size;
  }
  /** @internal Creates and registers a connection; announces it (server) or connects (client). */
  addPeer(id, address, sessionId, now) {
    const conn = this.options.createConnection({
      sessionId,
      wireChannelCount: this.#channelCount + 1,
      datagramSize: this.options.datagramSize,
      maxMessageSize: this.options.encodeBufferMaxSize,
      timeoutMs: this.options.timeoutMs,
      keepaliveMs: this.options.keepaliveMs,
      reliableCarrier: this.options.reliableCarrier,
      maxSendQueueBytes: this.options.maxSendQueueBytes,
      maxReassemblyBytes: this.options.maxReassemblyBytes,
      now
    });
    const entry = {
      id,
      address,
      sessionId,
      conn,
      dirty: false,
      closingAt: 0
    };
    conn.onMessage = (wire, mode, peer2, payload) => this.#onMessage(entry, wire, mode, peer2, payload);
    this.#peers.set(id, entry);
    this.#bySession.set(sessionId, entry);
    if (this.options.role === "server") {
      this.emit({
        type: "peer_connected",
        id
      });
      if (this.#serverRelay) {
        for (const other of this.#peers.values()) {
          if (other === entry || other.closingAt > 0) continue;
          this.#control(entry, ControlType.PEER_ADDED, other.id, now);
          this.#control(other, ControlType.PEER_ADDED, id, now);
        }
      }
    }
    this.#markDirty(entry);
    return entry;
  }
  /** @internal Clients: the server accepted us. */
  accepted(id, channelCount, serverRelay) {
    this.#uniqueId = id;
    this.#channelCount = channelCount;
    this.#serverRelay = serverRelay;
    this.#status = ConnectionStatus.CONNECTED;
    this.emit({
      type: "peer_connected",
      id: 1
    });
    this.emit({
      type: "connection_succeeded"
    });
  }
  /** @internal Clients: the attempt failed. */
  failed(reason, message) {
    this.#status = ConnectionStatus.DISCONNECTED;
    this.emit({
      type: "connection_failed",
      reason,
      message
    });
  }
  /** @internal Removes a peer, emits its event exactly once, announces it, optionally tells it. */
  removePeer(entry, reason, tell, now) {
    if (this.#peers.get(entry.id) !== entry) return;
    if (tell) this.#sendDisconnect(entry, reason);
    this.#peers.delete(entry.id);
    this.#bySession.delete(entry.sessionId);
    if (this.options.role === "client") {
      this.#known.clear();
      this.#status = ConnectionStatus.DISCONNECTED;
      this.emit({
        type: "server_disconnected",
        reason
      });
      return;
    }
    this.emit({
      type: "peer_disconnected",
      id: entry.id,
      reason
    });
    if (!this.#serverRelay) return;
    for (const other of this.#peers.values()) {
      if (other.closingAt === 0) this.#control(other, ControlType.PEER_REMOVED, entry.id, now);
    }
  }
  // ------------------------------------------------------------------------------ private
  #sendDisconnect(entry, reason) {
    for (let i = 0; i < DISCONNECT_COPIES; i++) {
      this.queueRaw(entry.address, encodeDisconnect(entry.sessionId, reason));
    }
  }
  #checkClosing(entry, now) {
    if (entry.conn.queuedBytes === 0 || now >= entry.closingAt) {
      this.removePeer(entry, DisconnectReason.CLOSED, true, now);
    }
  }
  #markDirty(entry) {
    if (entry.dirty) return;
    entry.dirty = true;
    this.#dirty.push(entry);
  }
  #control(entry, type, id, now) {
    try {
      entry.conn.send(SYSTEM_CHANNEL, TransferMode.RELIABLE, encodeControl({
        type,
        id
      }), void 0, now);
      this.#markDirty(entry);
    } catch {
      this.removePeer(entry, DisconnectReason.BACKPRESSURE, true, now);
    }
  }
  #onMessage(entry, wire, mode, peer2, payload) {
    if (this.#peers.get(entry.id) !== entry) return true;
    if (wire === SYSTEM_CHANNEL) {
      if (this.options.role === "client") this.#onControl(payload);
      return true;
    }
    if (wire > this.#channelCount) return true;
    if (this.options.role === "client") {
      const from = peer2 ?? 1;
      if (!Number.isInteger(from) || from < 1 || from > MAX_PEER_ID) return true;
      return this.#deliver(from, wire - 1, mode, payload);
    }
    return this.#route(entry, peer2 ?? 1, wire, mode, payload, this.#now);
  }
  #onControl(payload) {
    const msg = decodeControl(payload);
    if (!msg || msg.id === 1 || msg.id === this.#uniqueId) return;
    if (msg.type === ControlType.PEER_ADDED) {
      if (this.#known.has(msg.id)) return;
      this.#known.add(msg.id);
      this.emit({
        type: "peer_connected",
        id: msg.id
      });
    } else if (this.#known.delete(msg.id)) {
      this.emit({
        type: "peer_disconnected",
        id: msg.id,
        reason: DisconnectReason.CLOSED
      });
    }
  }
  // Server: a client's packet for `target`; the sender id is always the connection's own.
  #route(from, target2, wire, mode, payload, now) {
    if (!Number.isInteger(target2) || Math.abs(target2) > MAX_PEER_ID) return true;
    const toSelf = target2 === 1 || target2 === 0 || target2 < 0 && target2 !== -1;
    if (toSelf && !this.#deliver(from.id, wire - 1, mode, payload)) return false;
    if (!this.#serverRelay || target2 === 1 || target2 === -1) return true;
    if (target2 > 1) {
      const to = this.#peers.get(target2);
      if (to && to !== from && to.closingAt === 0) {
        this.#relay(to, from.id, wire, mode, payload, now);
      }
      return true;
    }
    for (const to of this.#peers.values()) {
      if (to === from || to.id === -target2 || to.closingAt > 0) continue;
      this.#relay(to, from.id, wire, mode, payload, now);
    }
    return true;
  }
  #relay(to, source, wire, mode, payload, now) {
    try {
      to.conn.send(wire, mode, payload, source, now);
      this.#markDirty(to);
    } catch {
      if (mode === TransferMode.RELIABLE) {
        this.removePeer(to, DisconnectReason.BACKPRESSURE, true, now);
      }
    }
  }
  #deliver(from, channel, mode, data) {
    const full = this.#inbound.length > 0 && this.#inboundBytes + data.length > this.options.maxInboundBytes;
    if (full || !this.#inbound.push({
      from,
      channel,
      mode,
      data
    })) return false;
    this.#inboundBytes += data.length;
    return true;
  }
};

// transport/composite_transport.ts
var CompositeTransport = class {
  /** Smallest `maxDatagramSize` of the children (one host budget fits all). */
  maxDatagramSize;
  /** True only when every child is reliable. */
  reliable;
  /** Local address of the first child. */
  localAddress;
  #children;
  #receiving;
  /** Combines `children`, keyed by carrier tag (e.g. `{ udp, ws }`). */
  constructor(children) {
    this.#children = new Map(Object.entries(children));
    if (this.#children.size === 0) {
      throw new MultiplayerError("INVALID_ARGUMENT", "CompositeTransport needs at least one child");
    }
    const all = [
      ...this.#children.values()
    ];
    this.maxDatagramSize = Math.min(...all.map((c) => c.maxDatagramSize));
    this.reliable = all.every((c) => c.reliable);
    const [tag, first] = [
      ...this.#children.entries()
    ][0];
    this.localAddress = {
      ...first.localAddress,
      transport: tag
    };
  }
  /** The child registered under `tag`, if any. */
  child(tag) {
    return this.#children.get(tag);
  }
  /** Whether datagrams to `address` travel over a reliable ordered child. */
  reliableFor(address) {
    return this.#children.get(address.transport ?? "udp")?.reliable ?? false;
  }
  /**
   * Source of the datagram being delivered right now (undefined outside the handler). Lets a
   * connection factory called during `handleDatagram` pick per-carrier reliability.
   */
  get receiving() {
    return this.#receiving;
  }
  /** Starts every child; inbound addresses carry their child's tag. */
  listen(handler) {
    for (const [tag, child] of this.#children) {
      child.listen((bytes, from) => {
        const tagged = from.transport === tag ? from : {
          ...from,
          transport: tag
        };
        this.#receiving = tagged;
        try {
          handler(bytes, tagged);
        } finally {
          this.#receiving = void 0;
        }
      });
    }
  }
  /** Forwards close reports of children that have them, tagged like inbound addresses. */
  onPeerClosed(handler) {
    for (const [tag, child] of this.#children) {
      child.onPeerClosed?.((address, code, reason) => {
        handler(address.transport === tag ? address : {
          ...address,
          transport: tag
        }, code, reason);
      });
    }
  }
  /** Sends over the child named by `to.transport`; false for an unknown tag. */
  send(bytes, to) {
    const child = this.#children.get(to.transport ?? "udp");
    return child ? child.send(bytes, to) : false;
  }
  /** Closes every child. */
  async close() {
    await Promise.all([
      ...this.#children.values()
    ].map((c) => c.close()));
  }
};

// protocol/ack_tracker.ts
var ACK_WINDOW = 1024;
var MASK = ACK_WINDOW - 1;
var MAX_SEQ_JUMP = 16384;
var AckTracker = class {
  /** Largest packet sequence seen (0 = none; real sequences start at 1). */
  largestSeen = 0;
  /** Largest packet sequence acked (0 = none). */
  ack = 0;
  /** Receive time of `ack`, for the ack delay field. */
  ackTime = 0;
  /** Bits for `ack-1 .. ack-32` (filled by {@link AckTracker.fillBits}). */
  ackBitsLo = 0;
  /** Bits for `ack-33 .. ack-64`. */
  ackBitsHi = 0;
  /** Ack-eliciting packets received since the last ack was sent. */
  unacked = 0;
  /** Time by which an ack must go out (valid when `unacked > 0`). */
  ackDeadline = Infinity;
  /** An ack should go out at once (threshold reached or reordering seen). */
  ackNow = false;
  #seen = new Uint8Array(ACK_WINDOW);
  #acked = new Uint8Array(ACK_WINDOW);
  #o;
  /** Creates a tracker. */
  constructor(options) {
    this.#o = options;
  }
  /** False for duplicates, packets older than the window, and implausible jumps. */
  isNew(seq) {
    if (seq <= 0) return false;
    if (seq > this.largestSeen) return seq - this.largestSeen <= MAX_SEQ_JUMP;
    if (seq <= this.largestSeen - ACK_WINDOW) return false;
    return this.#seen[seq & MASK] === 0;
  }
  /** Records a packet that passed {@link AckTracker.isNew} and was processed. */
  record(seq, ackable, ackEliciting, now) {
    if (seq > this.largestSeen) {
      const from = Math.max(this.largestSeen + 1, seq - ACK_WINDOW + 1);
      for (let s = from; s <= seq; s++) {
        this.#seen[s & MASK] = 0;
        this.#acked[s & MASK] = 0;
      }
      if (seq !== this.largestSeen + 1 && this.largestSeen !== 0 && ackEliciting) {
        this.ackNow = true;
      }
      this.largestSeen = seq;
    } else if (ackEliciting) {
      this.ackNow = true;
    }
    this.#seen[seq & MASK] = 1;
    if (!ackable) return;
    this.#acked[seq & MASK] = 1;
    if (seq > this.ack) {
      this.ack = seq;
      this.ackTime = now;
    }
    if (ackEliciting) {
      if (this.unacked === 0) this.ackDeadline = now + this.#o.maxAckDelayMs;
      if (++this.unacked >= this.#o.ackEveryPackets) this.ackNow = true;
    }
  }
  /** True when an ack-only datagram should be sent at `now`. */
  ackDue(now) {
    return this.unacked > 0 && (this.ackNow || now >= this.ackDeadline);
  }
  /** Computes `ackBitsLo`/`ackBitsHi` for the current `ack`. */
  fillBits() {
    let lo = 0, hi = 0;
    const a = this.ack, acked = this.#acked, floor = this.largestSeen - ACK_WINDOW;
    for (let i = 0; i < 32; i++) {
      const s = a - 1 - i;
      if (s > floor && s > 0 && acked[s & MASK] === 1) lo |= 1 << i;
    }
    for (let i = 0; i < 32; i++) {
      const s = a - 33 - i;
      if (s > floor && s > 0 && acked[s & MASK] === 1) hi |= 1 << i;
    }
    this.ackBitsLo = lo >>> 0;
    this.ackBitsHi = hi >>> 0;
  }
  /** Call when a datagram carrying the current acks was sent. */
  onAckSent() {
    this.unacked = 0;
    this.ackNow = false;
    this.ackDeadline = Infinity;
  }
};

// protocol/fragmenter.ts
var ReassemblyBudget = class {
  /** Bytes currently reserved. */
  used = 0;
  /** Upper bound. */
  max;
  /** Creates a budget of `max` bytes. */
  constructor(max) {
    this.max = max;
  }
  /** Reserves `n` bytes; false (nothing reserved) when that would exceed the bound. */
  take(n) {
    if (n > this.max - this.used) return false;
    this.used += n;
    return true;
  }
  /** Returns `n` bytes. */
  give(n) {
    this.used -= n;
  }
};
function fragmentCount(length, fragmentSize) {
  return Math.ceil(length / fragmentSize);
}
function fragmentShapeOk(count, fragLen, maxMessageSize) {
  return fragLen > 0 && count >= 1 && (count - 1) * fragLen < maxMessageSize;
}
var SLOTS = 8;
var UnreliableReassembler = class {
  /** Peer field of the last completed group. */
  hasPeer = false;
  /** Peer value of the last completed group. */
  peer = 0;
  /** Groups dropped (expired, evicted, over budget, inconsistent). */
  dropped = 0;
  #budget;
  #maxMessageSize;
  #expiryMs;
  #used = new Uint8Array(SLOTS);
  #channel = new Int32Array(SLOTS);
  #ordered = new Uint8Array(SLOTS);
  #group = new Int32Array(SLOTS);
  #count = new Int32Array(SLOTS);
  #fragLen = new Int32Array(SLOTS);
  #got = new Int32Array(SLOTS);
  #lastLen = new Int32Array(SLOTS);
  #charged = new Float64Array(SLOTS);
  #expires = new Float64Array(SLOTS);
  #hasPeer = new Uint8Array(SLOTS);
  #peer = new Int32Array(SLOTS);
  #buf = new Array(SLOTS).fill(void 0);
  #bits = new Array(SLOTS).fill(void 0);
  #pendingLast = new Array(SLOTS).fill(void 0);
  /** Creates a reassembler drawing from `budget`. */
  constructor(budget, maxMessageSize, expiryMs) {
    this.#budget = budget;
    this.#maxMessageSize = maxMessageSize;
    this.#expiryMs = expiryMs;
  }
  /**
   * Adds fragment `index` of `count` of group `group` (payload `src[start..end)`). Returns the
   * complete message (a fresh buffer; peer fields in `hasPeer`/`peer`) or undefined.
   */
  add(channel, ordered, group, index, count, hasPeer, peer2, src2, start, end, now) {
    const len = end - start;
    if (count === 1) {
      this.hasPeer = hasPeer;
      this.peer = peer2;
      return src2.slice(start, end);
    }
    let s = this.#find(channel, ordered, group);
    if (s < 0) {
      s = this.#alloc(now);
      this.#used[s] = 1;
      this.#channel[s] = channel;
      this.#ordered[s] = ordered ? 1 : 0;
      this.#group[s] = group;
      this.#count[s] = count;
      this.#fragLen[s] = 0;
      this.#got[s] = 0;
      this.#lastLen[s] = -1;
      this.#charged[s] = 0;
      this.#expires[s] = now + this.#expiryMs;
      this.#hasPeer[s] = hasPeer ? 1 : 0;
      this.#peer[s] = peer2;
    } else if (this.#count[s] !== count) return this.#drop(s);
    const last = index === count - 1;
    if (last) {
      if (this.#lastLen[s] >= 0 || len === 0) return this.#drop(s);
      this.#lastLen[s] = len;
    }
    if (this.#buf[s] === void 0) {
      if (last) {
        if (!this.#budget.take(len)) return this.#drop(s);
        this.#charged[s] += len;
        this.#pendingLast[s] = src2.slice(start, end);
        this.#got[s]++;
        return void 0;
      }
      if (!fragmentShapeOk(count, len, this.#maxMessageSize)) return this.#drop(s);
      const size = count * len;
      if (!this.#budget.take(size)) return this.#drop(s);
      this.#charged[s] += size;
      this.#fragLen[s] = len;
      this.#buf[s] = new Uint8Array(size);
      this.#bits[s] = new Uint8Array(count + 7 >>> 3);
      const pl = this.#pendingLast[s];
      if (pl !== void 0) {
        if (pl.length > len) return this.#drop(s);
        this.#buf[s].set(pl, (count - 1) * len);
        this.#bits[s][count - 1 >>> 3] |= 1 << (count - 1 & 7);
        this.#pendingLast[s] = void 0;
      }
    }
    const fl = this.#fragLen[s], bits = this.#bits[s];
    if (last ? len > fl : len !== fl) return this.#drop(s);
    if (bits[index >>> 3] & 1 << (index & 7)) return this.#drop(s);
    bits[index >>> 3] |= 1 << (index & 7);
    this.#buf[s].set(src2.subarray(start, end), index * fl);
    if (++this.#got[s] < count) return void 0;
    const total = (count - 1) * fl + this.#lastLen[s];
    const out = this.#buf[s].subarray(0, total);
    this.hasPeer = this.#hasPeer[s] === 1;
    this.peer = this.#peer[s];
    this.#free(s);
    return out;
  }
  /** Drops groups whose expiry passed. */
  expire(now) {
    for (let s = 0; s < SLOTS; s++) {
      if (this.#used[s] && now >= this.#expires[s]) this.#drop(s);
    }
  }
  /** Earliest expiry, or Infinity. */
  get nextExpiry() {
    let t = Infinity;
    for (let s = 0; s < SLOTS; s++) if (this.#used[s] && this.#expires[s] < t) t = this.#expires[s];
    return t;
  }
  /** Groups in progress. */
  get pending() {
    let n = 0;
    for (let s = 0; s < SLOTS; s++) n += this.#used[s];
    return n;
  }
  #find(channel, ordered, group) {
    const o = ordered ? 1 : 0;
    for (let s = 0; s < SLOTS; s++) {
      if (this.#used[s] && this.#group[s] === group && this.#channel[s] === channel && this.#ordered[s] === o) return s;
    }
    return -1;
  }
  #alloc(now) {
    let oldest = 0;
    for (let s = 0; s < SLOTS; s++) {
      if (!this.#used[s]) return s;
      if (this.#expires[s] < this.#expires[oldest]) oldest = s;
    }
    this.expire(now);
    if (!this.#used[oldest]) return oldest;
    this.#drop(oldest);
    return oldest;
  }
  #drop(s) {
    this.dropped++;
    this.#free(s);
    return void 0;
  }
  #free(s) {
    this.#budget.give(this.#charged[s]);
    this.#charged[s] = 0;
    this.#used[s] = 0;
    this.#buf[s] = void 0;
    this.#bits[s] = void 0;
    this.#pendingLast[s] = void 0;
  }
};

// protocol/payload_slab.ts
var SLAB_SIZE = 16 * 1024;
var SLAB_MAX_PAYLOAD = 256;
var slab = new ArrayBuffer(SLAB_SIZE);
var slabBytes = new Uint8Array(slab);
var offset = 0;
function copyPayload(src2, start, end) {
  const n = end - start;
  if (n > SLAB_MAX_PAYLOAD) return src2.slice(start, end);
  if (offset + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabBytes = new Uint8Array(slab);
    offset = 0;
  }
  const b = slabBytes, o = offset;
  for (let i = 0; i < n; i++) b[o + i] = src2[start + i];
  offset = o + n + 7 & ~7;
  return new Uint8Array(slab, o, n);
}

// protocol/sequence.ts
var SEQ_MODULUS = 65536;
function extendSeq(wire, reference) {
  const diff = wire - reference << 16 >> 16;
  const v = reference + diff;
  return v < 0 ? v + SEQ_MODULUS : v;
}

// protocol/reliable_channel.ts
var RELIABLE_WINDOW = 1024;
var RMASK = RELIABLE_WINDOW - 1;
var FREE = 0;
var QUEUED = 1;
var IN_FLIGHT = 2;
var LOST = 3;
var ReliableSender = class {
  /** Bytes of messages not yet acknowledged. */
  queuedBytes = 0;
  /** Oldest unacknowledged sequence. */
  base = 0;
  /** Next sequence to assign. */
  next = 0;
  /** First sequence never sent. */
  nextUnsent = 0;
  #cap = 64;
  #payload = new Array(64).fill(void 0);
  #state = new Uint8Array(64);
  #hasPeer = new Uint8Array(64);
  #peer = new Int32Array(64);
  #index = new Uint16Array(64);
  #count = new Uint16Array(64);
  #sentOnce = new Uint8Array(64);
  // FIFO of lost sequences to retransmit (may hold stale entries, skipped on peek)
  #retx = new Float64Array(64);
  #retxHead = 0;
  #retxTail = 0;
  /** Appends a message (or fragment `index` of `count`; count 0 = not a fragment). */
  enqueue(payload, hasPeer, peer2, index, count) {
    if (this.next - this.base >= this.#cap) this.#grow();
    const i = this.next & this.#cap - 1;
    this.#payload[i] = payload;
    this.#state[i] = QUEUED;
    this.#hasPeer[i] = hasPeer ? 1 : 0;
    this.#peer[i] = peer2;
    this.#index[i] = index;
    this.#count[i] = count;
    this.#sentOnce[i] = 0;
    this.next++;
    this.queuedBytes += payload.length;
  }
  /** Next sequence to send (retransmissions first), or -1 (nothing, or window full). */
  peek() {
    const rm = this.#retx.length - 1;
    while (this.#retxHead < this.#retxTail) {
      const seq = this.#retx[this.#retxHead & rm];
      if (seq >= this.base && this.#state[seq & this.#cap - 1] === LOST) return seq;
      this.#retxHead++;
    }
    if (this.nextUnsent < this.next && this.nextUnsent < this.base + RELIABLE_WINDOW) {
      return this.nextUnsent;
    }
    return -1;
  }
  /** True when there is something {@link ReliableSender.peek} would return. */
  get hasSendable() {
    return this.peek() >= 0;
  }
  /** Payload of `seq`. */
  payload(seq) {
    return this.#payload[seq & this.#cap - 1];
  }
  /** Whether `seq` carries a peer field. */
  hasPeer(seq) {
    return this.#hasPeer[seq & this.#cap - 1] === 1;
  }
  /** Peer field of `seq`. */
  peer(seq) {
    return this.#peer[seq & this.#cap - 1];
  }
  /** Fragment index of `seq`. */
  fragIndex(seq) {
    return this.#index[seq & this.#cap - 1];
  }
  /** Fragment count of `seq` (0 = not a fragment). */
  fragCount(seq) {
    return this.#count[seq & this.#cap - 1];
  }
  /** Marks the sequence returned by peek() as sent; returns true if it was a retransmission. */
  markSent(seq) {
    const i = seq & this.#cap - 1;
    const again = this.#sentOnce[i] === 1;
    this.#state[i] = IN_FLIGHT;
    this.#sentOnce[i] = 1;
    if (seq === this.nextUnsent) this.nextUnsent++;
    else this.#retxHead++;
    return again;
  }
  /** The message's packet was acknowledged (idempotent). */
  onAcked(seq) {
    if (seq < this.base || seq >= this.nextUnsent) return;
    const i = seq & this.#cap - 1;
    if (this.#state[i] === FREE) return;
    this.#state[i] = FREE;
    this.queuedBytes -= this.#payload[i].length;
    this.#payload[i] = void 0;
    while (this.base < this.nextUnsent && this.#state[this.base & this.#cap - 1] === FREE) {
      this.base++;
    }
  }
  /** The message's packet was lost: queue it for retransmission (if still unacked). */
  onLost(seq) {
    if (seq < this.base || seq >= this.nextUnsent) return;
    const i = seq & this.#cap - 1;
    if (this.#state[i] !== IN_FLIGHT) return;
    this.#state[i] = LOST;
    if (this.#retxTail - this.#retxHead >= this.#retx.length) this.#growRetx();
    this.#retx[this.#retxTail & this.#retx.length - 1] = seq;
    this.#retxTail++;
  }
  #grow() {
    const cap = this.#cap * 2, om = this.#cap - 1, m = cap - 1;
    const payload = new Array(cap).fill(void 0);
    const state = new Uint8Array(cap), hp = new Uint8Array(cap), peer2 = new Int32Array(cap);
    const idx = new Uint16Array(cap), cnt = new Uint16Array(cap), once = new Uint8Array(cap);
    for (let s = this.base; s < this.next; s++) {
      payload[s & m] = this.#payload[s & om];
      state[s & m] = this.#state[s & om];
      hp[s & m] = this.#hasPeer[s & om];
      peer2[s & m] = this.#peer[s & om];
      idx[s & m] = this.#index[s & om];
      cnt[s & m] = this.#count[s & om];
      once[s & m] = this.#sentOnce[s & om];
    }
    this.#cap = cap;
    this.#payload = payload;
    this.#state = state;
    this.#hasPeer = hp;
    this.#peer = peer2;
    this.#index = idx;
    this.#count = cnt;
    this.#sentOnce = once;
  }
  #growRetx() {
    const old = this.#retx, om = old.length - 1;
    const r = new Float64Array(old.length * 2), m = r.length - 1;
    for (let k = this.#retxHead; k < this.#retxTail; k++) r[k & m] = old[k & om];
    this.#retx = r;
  }
};
var ReceiveResult = {
  /** Delivered, buffered or a duplicate: the packet may be acknowledged. */
  ACCEPTED: 0,
  /** Not stored (refused by the sink or beyond the window): do not acknowledge the packet. */
  REFUSED: 1
};
var ReliableReceiver = class {
  /** Next sequence to deliver. */
  expected = 0;
  /** Messages buffered out of order. */
  buffered = 0;
  /** Messages skipped as protocol violations (bad fragment sequences). */
  invalid = 0;
  #ch;
  #sink;
  #budget;
  #maxMessageSize;
  #storeRefused;
  #slot = new Array(RELIABLE_WINDOW).fill(void 0);
  #hasPeer = new Uint8Array(RELIABLE_WINDOW);
  #peer = new Int32Array(RELIABLE_WINDOW);
  #index = new Int32Array(RELIABLE_WINDOW);
  #count = new Int32Array(RELIABLE_WINDOW);
  #asm;
  #asmLen = 0;
  #asmNext = 0;
  #asmCount = 0;
  #asmFragLen = 0;
  #asmHasPeer = false;
  #asmPeer = 0;
  /**
   * `storeRefused`: keep refused messages and retry later instead of refusing the packet (for
   * reliable carriers, where nothing is retransmitted).
   */
  constructor(wireChannel, sink, budget, maxMessageSize, storeRefused) {
    this.#ch = wireChannel;
    this.#sink = sink;
    this.#budget = budget;
    this.#maxMessageSize = maxMessageSize;
    this.#storeRefused = storeRefused;
  }
  /** True when a buffered message is ready but was refused earlier. */
  get blocked() {
    return this.#slot[this.expected & RMASK] !== void 0;
  }
  /**
   * Handles message `seq16` (fragment `index`/`count`, count 0 = whole message) with payload
   * `src[start..end)` (copied if kept).
   */
  receive(seq16, index, count, hasPeer, peer2, src2, start, end) {
    const seq = extendSeq(seq16, this.expected);
    if (seq < this.expected) return ReceiveResult.ACCEPTED;
    if (seq >= this.expected + RELIABLE_WINDOW) return ReceiveResult.REFUSED;
    const i = seq & RMASK;
    if (this.#slot[i] !== void 0) return ReceiveResult.ACCEPTED;
    if (seq === this.expected && !this.blocked) {
      const r = this.#consume(hasPeer, peer2, index, count, src2, start, end);
      if (r === 1 && !this.#storeRefused) return ReceiveResult.REFUSED;
      if (r !== 1) {
        this.expected++;
        this.drain();
        return ReceiveResult.ACCEPTED;
      }
    }
    this.#slot[i] = copyPayload(src2, start, end);
    this.#hasPeer[i] = hasPeer ? 1 : 0;
    this.#peer[i] = peer2;
    this.#index[i] = index;
    this.#count[i] = count;
    this.buffered++;
    return ReceiveResult.ACCEPTED;
  }
  /** Delivers buffered in-order messages until a gap or a refusal. */
  drain() {
    for (; ; ) {
      const i = this.expected & RMASK;
      const p = this.#slot[i];
      if (p === void 0) return;
      const r = this.#consume(this.#hasPeer[i] === 1, this.#peer[i], this.#index[i], this.#count[i], p, 0, p.length);
      if (r === 1) return;
      this.#slot[i] = void 0;
      this.buffered--;
      this.expected++;
    }
  }
  /** Releases the reassembly buffer (connection closed). */
  dispose() {
    this.#resetAsm();
  }
  // 0 = consumed, 1 = refused (nothing changed), 2 = skipped as invalid
  #consume(hasPeer, peer2, index, count, src2, start, end) {
    const len = end - start;
    if (count === 0) {
      if (this.#asm !== void 0) {
        this.invalid++;
        this.#resetAsm();
      }
      return this.#sink.deliverReliable(this.#ch, hasPeer, peer2, copyPayload(src2, start, end)) ? 0 : 1;
    }
    if (index === 0) {
      if (this.#asm !== void 0) {
        this.invalid++;
        this.#resetAsm();
      }
      if (!fragmentShapeOk(count, len, this.#maxMessageSize)) return this.#skip();
      const size = Math.min(count * len, this.#maxMessageSize);
      if (!this.#budget.take(size)) return 1;
      this.#asm = new Uint8Array(size);
      this.#asmLen = 0;
      this.#asmNext = 0;
      this.#asmCount = count;
      this.#asmFragLen = len;
      this.#asmHasPeer = hasPeer;
      this.#asmPeer = peer2;
    } else if (this.#asm === void 0 || index !== this.#asmNext || count !== this.#asmCount) {
      return this.#skip();
    }
    const last = index === count - 1;
    const asm = this.#asm;
    if (last ? len > this.#asmFragLen || this.#asmLen + len > asm.length : len !== this.#asmFragLen) {
      return this.#skip();
    }
    asm.set(src2.subarray(start, end), this.#asmLen);
    if (!last) {
      this.#asmLen += len;
      this.#asmNext++;
      return 0;
    }
    const out = asm.subarray(0, this.#asmLen + len);
    if (!this.#sink.deliverReliable(this.#ch, this.#asmHasPeer, this.#asmPeer, out)) {
      if (count === 1) this.#resetAsm();
      return 1;
    }
    this.#resetAsm();
    return 0;
  }
  #skip() {
    this.invalid++;
    this.#resetAsm();
    return 2;
  }
  #resetAsm() {
    if (this.#asm !== void 0) this.#budget.give(this.#asm.length);
    this.#asm = void 0;
    this.#asmNext = 0;
    this.#asmLen = 0;
  }
};

// protocol/rtt.ts
var DEFAULT_RTT_OPTIONS = {
  initialRtoMs: 250,
  minRtoMs: 25,
  maxRtoMs: 3e3,
  maxAckDelayMs: 4
};
var RttEstimator = class {
  /** Smoothed RTT (ms); 0 until the first sample. */
  srtt = 0;
  /** RTT mean deviation (ms). */
  rttVar = 0;
  /** Smallest RTT seen (ms). */
  minRtt = Infinity;
  /** Most recent sample (ms). */
  latest = 0;
  /** Consecutive RTO expirations (doubles the RTO each time). */
  backoff = 0;
  #hasSample = false;
  #o;
  /** Creates an estimator; `options` override {@link DEFAULT_RTT_OPTIONS}. */
  constructor(options = {}) {
    this.#o = {
      ...DEFAULT_RTT_OPTIONS,
      ...options
    };
  }
  /** True once a sample was taken. */
  get hasSample() {
    return this.#hasSample;
  }
  /**
   * Adds a sample `rttMs` measured on a packet whose ack was delayed `ackDelayMs` by the peer.
   * The ack delay is subtracted unless that would go below the minimum RTT (RFC 9002).
   */
  onSample(rttMs, ackDelayMs) {
    if (!(rttMs >= 0)) return;
    this.latest = rttMs;
    if (rttMs < this.minRtt) this.minRtt = rttMs;
    const delay = Math.min(Math.max(ackDelayMs, 0), this.#o.maxAckDelayMs);
    const adjusted = rttMs - delay >= this.minRtt ? rttMs - delay : rttMs;
    if (!this.#hasSample) {
      this.#hasSample = true;
      this.srtt = adjusted;
      this.rttVar = adjusted / 2;
    } else {
      this.rttVar = 0.75 * this.rttVar + 0.25 * Math.abs(this.srtt - adjusted);
      this.srtt = 0.875 * this.srtt + 0.125 * adjusted;
    }
    this.backoff = 0;
  }
  /** Records an RTO expiry (next RTO doubles, up to the ceiling). */
  onTimeout() {
    if (this.backoff < 16) this.backoff++;
  }
  /** Current RTO in ms, backoff included. */
  get rto() {
    const o = this.#o;
    const base = this.#hasSample ? this.srtt + Math.max(4 * this.rttVar, 1) + o.maxAckDelayMs : o.initialRtoMs;
    const floored = Math.max(base, o.minRtoMs) * 2 ** this.backoff;
    return Math.min(floored, o.maxRtoMs);
  }
};

// protocol/sent_packets.ts
var SENT_WINDOW = 1024;
var MASK2 = SENT_WINDOW - 1;
var FAST_RETRANSMIT_THRESHOLD = 3;
var SentPackets = class {
  /** Bytes of ack-eliciting packets in flight. */
  bytesInFlight = 0;
  /** Number of packets in flight. */
  inFlight = 0;
  /** Largest packet sequence sent and tracked (0 = none). */
  largestSent = 0;
  /** Largest packet sequence acked (0 = none). */
  largestAcked = 0;
  /** RTT sample of the last {@link SentPackets.onAck} (-1 = none). */
  latestRttSample = -1;
  /** Packets declared lost so far. */
  lostPackets = 0;
  #oldest = 1;
  #state = new Uint8Array(SENT_WINDOW);
  #retx = new Uint8Array(SENT_WINDOW);
  #time = new Float64Array(SENT_WINDOW);
  #size = new Int32Array(SENT_WINDOW);
  #refStart = new Float64Array(SENT_WINDOW);
  #refEnd = new Float64Array(SENT_WINDOW);
  // FIFO ring of (wire channel, reliable seq) of messages in flight; grows by doubling
  #refCh = new Uint16Array(256);
  #refSeq = new Float64Array(256);
  #refHead = 0;
  #refTail = 0;
  #pendingRefStart = 0;
  #l;
  /** Creates an empty tracker reporting to `listener`. */
  constructor(listener) {
    this.#l = listener;
  }
  /** True when a packet with sequence `seq` can be tracked now. */
  canSend(seq) {
    return seq - this.#oldest < SENT_WINDOW;
  }
  /** Adds a reliable message reference to the packet being built. */
  addRef(wireChannel, reliableSeq) {
    if (this.#refTail - this.#refHead >= this.#refCh.length) this.#growRefs();
    const i = this.#refTail & this.#refCh.length - 1;
    this.#refCh[i] = wireChannel;
    this.#refSeq[i] = reliableSeq;
    this.#refTail++;
  }
  /** Drops the references added since the last {@link SentPackets.onSent} (packet not sent). */
  discardRefs() {
    this.#refTail = this.#pendingRefStart;
  }
  /** Records an ack-eliciting packet carrying the refs added since the previous call. */
  onSent(seq, now, bytes, retransmission) {
    const i = seq & MASK2;
    this.#state[i] = 1;
    this.#retx[i] = retransmission ? 1 : 0;
    this.#time[i] = now;
    this.#size[i] = bytes;
    this.#refStart[i] = this.#pendingRefStart;
    this.#refEnd[i] = this.#refTail;
    this.#pendingRefStart = this.#refTail;
    if (this.inFlight === 0 && this.largestSent < seq) this.#oldest = seq;
    this.largestSent = seq;
    this.inFlight++;
    this.bytesInFlight += bytes;
  }
  /**
   * Processes an ack (`ack` plus 64 bits for `ack-1..ack-64`; `ack` may name an untracked
   * ack-only packet). Calls the listener for every newly acked or newly lost packet.
   */
  onAck(ack, bitsLo, bitsHi, now) {
    this.latestRttSample = -1;
    if (ack === 0) return;
    if (this.#ackOne(ack)) {
      const i = ack & MASK2;
      if (this.#retx[i] === 0) this.latestRttSample = now - this.#time[i];
    }
    if (ack > this.largestAcked) this.largestAcked = ack;
    for (let b = 0; b < 32; b++) {
      if (bitsLo >>> b & 1) this.#ackOne(ack - 1 - b);
      if (bitsHi >>> b & 1) this.#ackOne(ack - 33 - b);
    }
    const limit = this.largestAcked - FAST_RETRANSMIT_THRESHOLD;
    for (let s = this.#oldest; s <= limit; s++) this.#lose(s);
    this.#advance();
  }
  /** Send time of the oldest packet in flight, or Infinity. */
  get oldestSentTime() {
    return this.inFlight > 0 ? this.#time[this.#oldest & MASK2] : Infinity;
  }
  /** Declares lost every in-flight packet sent at or before `sentBefore`; returns how many. */
  loseOlderThan(sentBefore) {
    let n = 0;
    for (let s = this.#oldest; s <= this.largestSent; s++) {
      const i = s & MASK2;
      if (this.#state[i] === 1 && this.#time[i] <= sentBefore) {
        this.#lose(s);
        n++;
      }
    }
    this.#advance();
    return n;
  }
  #ackOne(seq) {
    if (seq < this.#oldest || seq > this.largestSent) return false;
    const i = seq & MASK2;
    if (this.#state[i] !== 1) return false;
    this.#state[i] = 0;
    this.inFlight--;
    this.bytesInFlight -= this.#size[i];
    this.#emitRefs(i, true);
    this.#l.onPacketAcked(this.#size[i]);
    return true;
  }
  #lose(seq) {
    const i = seq & MASK2;
    if (this.#state[i] !== 1) return;
    this.#state[i] = 0;
    this.inFlight--;
    this.bytesInFlight -= this.#size[i];
    this.lostPackets++;
    this.#emitRefs(i, false);
    this.#l.onPacketLost(this.#size[i]);
  }
  #emitRefs(i, acked) {
    const m = this.#refCh.length - 1;
    for (let r = this.#refStart[i]; r < this.#refEnd[i]; r++) {
      this.#l.onMessageRef(this.#refCh[r & m], this.#refSeq[r & m], acked);
    }
  }
  #advance() {
    while (this.#oldest <= this.largestSent && this.#state[this.#oldest & MASK2] === 0) {
      this.#oldest++;
    }
    this.#refHead = this.inFlight > 0 ? this.#refStart[this.#oldest & MASK2] : this.#pendingRefStart;
    if (this.inFlight === 0) this.#oldest = this.largestSent + 1;
  }
  #growRefs() {
    const oldCh = this.#refCh, oldSeq = this.#refSeq, om = oldCh.length - 1;
    const ch = new Uint16Array(oldCh.length * 2), sq = new Float64Array(oldCh.length * 2);
    const m = ch.length - 1;
    for (let r = this.#refHead; r < this.#refTail; r++) {
      ch[r & m] = oldCh[r & om];
      sq[r & m] = oldSeq[r & om];
    }
    this.#refCh = ch;
    this.#refSeq = sq;
  }
};

// protocol/sequenced_channel.ts
var SequencedChannel = class {
  /** Next sequence (or fragment group) to send. */
  nextSend = 0;
  /** Newest delivered sequence (-1 = none). */
  lastDelivered = -1;
  /** Packets dropped as late. */
  late = 0;
  /** Allocates the next 16-bit send sequence. */
  takeSendSeq() {
    const s = this.nextSend;
    this.nextSend = s + 1 & 65535;
    return s;
  }
  /** Extended value of a received 16-bit sequence. */
  extend(seq16) {
    return extendSeq(seq16, this.lastDelivered < 0 ? 0 : this.lastDelivered);
  }
  /** True when `seq16` is newer than the last delivered one (does not record it). */
  isNewer(seq16) {
    return this.extend(seq16) > this.lastDelivered;
  }
  /** Records delivery of `seq16` if newer; returns false (counted as late) otherwise. */
  accept(seq16) {
    const s = this.extend(seq16);
    if (s <= this.lastDelivered) {
      this.late++;
      return false;
    }
    this.lastDelivered = s;
    return true;
  }
};
var UnreliableQueue = class {
  /** Messages queued. */
  length = 0;
  /** Payload bytes queued. */
  bytes = 0;
  #head = 0;
  #cap = 64;
  #kind = new Uint8Array(64);
  #ch = new Uint16Array(64);
  #seq = new Uint16Array(64);
  #index = new Uint16Array(64);
  #count = new Uint16Array(64);
  #hasPeer = new Uint8Array(64);
  #peer = new Int32Array(64);
  #start = new Int32Array(64);
  #end = new Int32Array(64);
  #payload = new Array(64).fill(void 0);
  /** Appends one message (payload is `payload[start..end)`, kept by reference). */
  push(kind, wireChannel, seq, index, count, hasPeer, peer2, payload, start, end) {
    if (this.length === this.#cap) this.#grow();
    const i = this.#head + this.length & this.#cap - 1;
    this.#kind[i] = kind;
    this.#ch[i] = wireChannel;
    this.#seq[i] = seq;
    this.#index[i] = index;
    this.#count[i] = count;
    this.#hasPeer[i] = hasPeer ? 1 : 0;
    this.#peer[i] = peer2;
    this.#start[i] = start;
    this.#end[i] = end;
    this.#payload[i] = payload;
    this.length++;
    this.bytes += end - start;
  }
  /** Removes the oldest message. */
  shift() {
    const i = this.#head;
    this.bytes -= this.#end[i] - this.#start[i];
    this.#payload[i] = void 0;
    this.#head = i + 1 & this.#cap - 1;
    this.length--;
  }
  /** Drops everything; returns how many messages were dropped. */
  clear() {
    const n = this.length;
    while (this.length > 0) this.shift();
    return n;
  }
  /** Kind of the k-th queued message (0 = oldest). */
  kind(k) {
    return this.#kind[this.#at(k)];
  }
  /** Wire channel of the k-th message. */
  channel(k) {
    return this.#ch[this.#at(k)];
  }
  /** Sequence or group of the k-th message. */
  seq(k) {
    return this.#seq[this.#at(k)];
  }
  /** Fragment index of the k-th message. */
  index(k) {
    return this.#index[this.#at(k)];
  }
  /** Fragment count of the k-th message. */
  count(k) {
    return this.#count[this.#at(k)];
  }
  /** Whether the k-th message has a peer field. */
  hasPeer(k) {
    return this.#hasPeer[this.#at(k)] === 1;
  }
  /** Peer field of the k-th message. */
  peer(k) {
    return this.#peer[this.#at(k)];
  }
  /** Payload buffer of the k-th message. */
  payload(k) {
    return this.#payload[this.#at(k)];
  }
  /** Payload start of the k-th message. */
  start(k) {
    return this.#start[this.#at(k)];
  }
  /** Payload end of the k-th message. */
  end(k) {
    return this.#end[this.#at(k)];
  }
  #at(k) {
    return this.#head + k & this.#cap - 1;
  }
  #grow() {
    const cap = this.#cap * 2;
    const kind = new Uint8Array(cap), ch = new Uint16Array(cap), seq = new Uint16Array(cap);
    const index = new Uint16Array(cap), count = new Uint16Array(cap), hp = new Uint8Array(cap);
    const peer2 = new Int32Array(cap), start = new Int32Array(cap), end = new Int32Array(cap);
    const payload = new Array(cap).fill(void 0);
    for (let k = 0; k < this.length; k++) {
      const i = this.#at(k);
      kind[k] = this.#kind[i];
      ch[k] = this.#ch[i];
      seq[k] = this.#seq[i];
      index[k] = this.#index[i];
      count[k] = this.#count[i];
      hp[k] = this.#hasPeer[i];
      peer2[k] = this.#peer[i];
      start[k] = this.#start[i];
      end[k] = this.#end[i];
      payload[k] = this.#payload[i];
    }
    this.#cap = cap;
    this.#head = 0;
    this.#kind = kind;
    this.#ch = ch;
    this.#seq = seq;
    this.#index = index;
    this.#count = count;
    this.#hasPeer = hp;
    this.#peer = peer2;
    this.#start = start;
    this.#end = end;
    this.#payload = payload;
  }
};

// protocol/stats.ts
var ConnectionStats = class {
  /** Datagrams sent. */
  packetsSent = 0;
  /** Datagrams accepted. */
  packetsReceived = 0;
  /** Datagrams dropped as invalid, duplicate or replayed. */
  packetsDropped = 0;
  /** Bytes of datagrams sent. */
  bytesSent = 0;
  /** Bytes of datagrams accepted. */
  bytesReceived = 0;
  /** Reliable messages sent again after a loss. */
  retransmits = 0;
  /** Datagrams declared lost. */
  lostPackets = 0;
  /** RTO expirations. */
  rtoCount = 0;
  /** Unreliable messages dropped (queue full, congestion, refused by the host, late). */
  unreliableDropped = 0;
  /** Messages delivered to the host. */
  messagesDelivered = 0;
  /** Smoothed RTT (ms). */
  rtt = 0;
  /** RTT variance (ms). */
  rttVar = 0;
};

// protocol/connection.ts
var unlimitedCongestion = {
  canSend: () => true,
  nextSendTime: (now) => now,
  onSent: () => {
  },
  onAck: () => {
  },
  onLoss: () => {
  }
};
var REFUSED_RETRY_MS = 5;
var Connection = class {
  /** Where complete inbound messages go. */
  onMessage = () => true;
  /** Counters. */
  stats = new ConnectionStats();
  /** RTT estimator. */
  rtt;
  #timedOut = false;
  #cfg;
  #carrier;
  #fragSize;
  #cc;
  #w;
  #c = new FrameCursor();
  #acks;
  #sent;
  #budget;
  #reasm;
  #senders = [];
  #receivers = [];
  #seqd = [];
  #unreliable = new UnreliableQueue();
  #nextPacketSeq = 1;
  #lastSend;
  #lastReceive;
  #lastNow;
  #pingPending = false;
  #group = 0;
  #rr = 0;
  #ackedBytes = 0;
  #lostBytes = 0;
  /** Creates the connection; throws INVALID_ARGUMENT for unusable limits. */
  constructor(config, options = {}) {
    const n = config.wireChannelCount;
    if (!Number.isInteger(n) || n < 1 || n > MAX_WIRE_CHANNEL + 1) {
      throw new MultiplayerError("INVALID_ARGUMENT", `wireChannelCount must be an integer in [1, ${MAX_WIRE_CHANNEL + 1}], got ${n}`);
    }
    this.#fragSize = config.datagramSize - MAX_DATA_HEADER_BYTES - MAX_MESSAGE_OVERHEAD;
    if (!(this.#fragSize >= 64)) {
      throw new MultiplayerError("INVALID_ARGUMENT", `datagramSize ${config.datagramSize} is too small (minimum ${64 + MAX_DATA_HEADER_BYTES + MAX_MESSAGE_OVERHEAD})`);
    }
    this.#cfg = config;
    this.#carrier = config.reliableCarrier;
    this.#cc = options.congestion ?? unlimitedCongestion;
    const maxAckDelayMs = options.maxAckDelayMs ?? 2;
    this.rtt = new RttEstimator({
      maxAckDelayMs,
      ...options.rtt
    });
    this.#acks = new AckTracker({
      ackEveryPackets: options.ackEveryPackets ?? 16,
      maxAckDelayMs
    });
    this.#sent = new SentPackets(this);
    this.#w = new MsgpackWriter(config.datagramSize);
    this.#budget = new ReassemblyBudget(config.maxReassemblyBytes);
    this.#reasm = new UnreliableReassembler(this.#budget, config.maxMessageSize, options.fragmentExpiryMs ?? 1e3);
    for (let ch = 0; ch < n; ch++) {
      this.#senders.push(new ReliableSender());
      this.#receivers.push(new ReliableReceiver(ch, this, this.#budget, config.maxMessageSize, this.#carrier));
      this.#seqd.push(new SequencedChannel());
    }
    this.#lastSend = this.#lastReceive = this.#lastNow = config.now;
  }
  /** True once the remote was silent for longer than `timeoutMs`. */
  get timedOut() {
    return this.#timedOut;
  }
  /** Bytes waiting to be sent or acknowledged. */
  get queuedBytes() {
    let n = this.#unreliable.bytes;
    for (let i = 0; i < this.#senders.length; i++) n += this.#senders[i].queuedBytes;
    return n;
  }
  /** Smoothed RTT in ms. */
  get rttMs() {
    return this.rtt.srtt;
  }
  /** Bytes of datagrams in flight (sent, not yet acked or lost). */
  get bytesInFlight() {
    return this.#sent.bytesInFlight;
  }
  /** Bytes held in reassembly buffers. */
  get reassemblyBytes() {
    return this.#budget.used;
  }
  /** Largest payload sent as one message; larger ones are fragmented. */
  get fragmentSize() {
    return this.#fragSize;
  }
  /** Queues one message; ownership of `payload` passes to the connection (it is not copied). */
  send(wireChannel, mode, payload, peer2, now) {
    this.#lastNow = now;
    if (!Number.isInteger(wireChannel) || wireChannel < 0 || wireChannel >= this.#senders.length) {
      throw new MultiplayerError("INVALID_CHANNEL", `wire channel ${wireChannel} is outside [0, ${this.#senders.length - 1}]`);
    }
    if (mode !== TransferMode.RELIABLE && mode !== TransferMode.UNRELIABLE && mode !== TransferMode.UNRELIABLE_ORDERED) {
      throw new MultiplayerError("INVALID_ARGUMENT", `unknown transfer mode ${mode}`);
    }
    if (!(payload instanceof Uint8Array)) {
      throw new MultiplayerError("INVALID_ARGUMENT", "payload must be a Uint8Array");
    }
    const len = payload.length;
    if (len > this.#cfg.maxMessageSize) {
      throw new MultiplayerError("PACKET_TOO_LARGE", `message of ${len} bytes exceeds maxMessageSize (${this.#cfg.maxMessageSize} bytes)`);
    }
    const hasPeer = peer2 !== void 0;
    if (hasPeer && !(Number.isInteger(peer2) && peer2 >= -2147483647 && peer2 <= 2147483647)) {
      throw new MultiplayerError("INVALID_ARGUMENT", `peer field ${peer2} is not an int32`);
    }
    const p = hasPeer ? peer2 : 0;
    if (this.queuedBytes + len > this.#cfg.maxSendQueueBytes) {
      if (mode === TransferMode.RELIABLE) {
        throw new MultiplayerError("QUEUE_FULL", `send queue holds ${this.queuedBytes} bytes; adding ${len} would exceed maxSendQueueBytes (${this.#cfg.maxSendQueueBytes})`);
      }
      this.stats.unreliableDropped++;
      return;
    }
    const fs = this.#fragSize;
    if (len <= fs) {
      if (mode === TransferMode.RELIABLE) this.#senders[wireChannel].enqueue(payload, hasPeer, p, 0, 0);
      else if (mode === TransferMode.UNRELIABLE) {
        this.#unreliable.push(MessageKind.UNRELIABLE, wireChannel, 0, 0, 0, hasPeer, p, payload, 0, len);
      } else {
        const seq = this.#seqd[wireChannel].takeSendSeq();
        this.#unreliable.push(MessageKind.UNRELIABLE_ORDERED, wireChannel, seq, 0, 0, hasPeer, p, payload, 0, len);
      }
      return;
    }
    const count = fragmentCount(len, fs);
    if (count > 65535) {
      throw new MultiplayerError("PACKET_TOO_LARGE", `message of ${len} bytes needs ${count} fragments (limit 65535)`);
    }
    if (mode === TransferMode.RELIABLE) {
      const s = this.#senders[wireChannel];
      for (let i = 0; i < count; i++) {
        s.enqueue(payload.subarray(i * fs, Math.min(len, (i + 1) * fs)), hasPeer, p, i, count);
      }
      return;
    }
    const ordered = mode === TransferMode.UNRELIABLE_ORDERED;
    const kind = ordered ? MessageKind.UNRELIABLE_ORDERED_FRAGMENT : MessageKind.UNRELIABLE_FRAGMENT;
    const group = ordered ? this.#seqd[wireChannel].takeSendSeq() : this.#group;
    if (!ordered) this.#group = this.#group + 1 & 65535;
    for (let i = 0; i < count; i++) {
      const a = i * fs, b = Math.min(len, a + fs);
      this.#unreliable.push(kind, wireChannel, group, i, count, hasPeer, p, payload, a, b);
    }
  }
  /** Next datagram to send now, or undefined. Call until undefined. */
  pollTransmit(now) {
    this.#lastNow = now;
    const carrier = this.#carrier;
    const ackDue = !carrier && this.#acks.ackDue(now);
    let data = this.#pingPending || this.#unreliable.length > 0 || this.#anyReliable();
    if (data && !carrier) {
      if (!this.#sent.canSend(this.#nextPacketSeq)) data = false;
      else if (!this.#cc.canSend(this.#sent.bytesInFlight, now)) {
        this.stats.unreliableDropped += this.#unreliable.clear();
        data = false;
      }
    }
    if (!data && !ackDue) return void 0;
    const w = this.#w, acks = this.#acks, seq = this.#nextPacketSeq;
    let delay = 0;
    if (!carrier && acks.ack !== 0) {
      acks.fillBits();
      delay = Math.min(Math.floor((now - acks.ackTime) * 8), 65535);
    }
    beginData(w, this.#cfg.sessionId, seq & 65535, carrier ? 0 : acks.ack & 65535, carrier ? 0 : acks.ackBitsLo, carrier ? 0 : acks.ackBitsHi, delay);
    let count = 0, retx = false;
    if (data) {
      const limit = w.buf.length;
      if (this.#pingPending) {
        writeMessage(w, MessageKind.PING, 0, 0, 0, 0, false, 0, w.buf, 0, 0);
        this.#pingPending = false;
        count++;
      }
      const n = this.#senders.length;
      let progress = true;
      while (progress && count < MAX_MESSAGES_PER_DATAGRAM) {
        progress = false;
        for (let k = 0; k < n; k++) {
          const ch = (this.#rr + k) % n, s = this.#senders[ch], m = s.peek();
          if (m < 0) continue;
          const payload = s.payload(m), fc = s.fragCount(m), hp = s.hasPeer(m), peer2 = s.peer(m);
          const kind = fc === 0 ? MessageKind.RELIABLE : MessageKind.RELIABLE_FRAGMENT, fi = s.fragIndex(m);
          const size = messageSize(kind, ch, m & 65535, fi, fc, hp, peer2, payload.length);
          if (w.pos + size > limit) continue;
          writeMessage(w, kind, ch, m & 65535, fi, fc, hp, peer2, payload, 0, payload.length);
          count++;
          progress = true;
          if (s.markSent(m)) {
            retx = true;
            this.stats.retransmits++;
          }
          if (carrier) s.onAcked(m);
          else this.#sent.addRef(ch, m);
        }
      }
      this.#rr = (this.#rr + 1) % n;
      const q = this.#unreliable;
      while (q.length > 0 && count < MAX_MESSAGES_PER_DATAGRAM) {
        const kind = q.kind(0), ch = q.channel(0), sq = q.seq(0), fi = q.index(0), fc = q.count(0);
        const hp = q.hasPeer(0), peer2 = q.peer(0), a = q.start(0), b = q.end(0);
        if (w.pos + messageSize(kind, ch, sq, fi, fc, hp, peer2, b - a) > limit) break;
        writeMessage(w, kind, ch, sq, fi, fc, hp, peer2, q.payload(0), a, b);
        q.shift();
        count++;
      }
    }
    if (count === 0 && !ackDue) return void 0;
    finishData(w, count);
    this.#nextPacketSeq++;
    if (!carrier) acks.onAckSent();
    const bytes = w.buf.slice(0, w.pos);
    if (count > 0 && !carrier) {
      this.#sent.onSent(seq, now, bytes.length, retx);
      this.#cc.onSent(bytes.length, now);
    }
    this.#lastSend = now;
    this.stats.packetsSent++;
    this.stats.bytesSent += bytes.length;
    return bytes;
  }
  /** Handles one DATA datagram routed to this connection; false = dropped (state unchanged). */
  handleDatagram(bytes, now) {
    this.#lastNow = now;
    const c = this.#c, nch = this.#senders.length, carrier = this.#carrier;
    if (!c.begin(bytes, 0, bytes.length) || c.session !== this.#cfg.sessionId) return this.#drop();
    let k;
    while ((k = c.next()) >= 0) {
      if (c.channel >= nch || k === MessageKind.PING && c.channel !== 0) return this.#drop();
    }
    if (k !== -2) return this.#drop();
    let seq = 0, ack = 0;
    if (!carrier) {
      seq = extendSeq(c.seq, this.#acks.largestSeen);
      if (!this.#acks.isNew(seq)) return this.#drop();
      ack = extendSeq(c.ack, this.#nextPacketSeq - 1);
      if (ack >= this.#nextPacketSeq) return this.#drop();
    }
    this.#lastReceive = now;
    this.stats.packetsReceived++;
    this.stats.bytesReceived += bytes.length;
    if (!carrier) this.#processAck(ack, c.ackBitsLo, c.ackBitsHi, c.ackDelay / 8, now);
    this.#retryBlocked();
    c.rewind();
    let ackable = true;
    const sink = this.onMessage;
    while ((k = c.next()) >= 0) {
      const ch = c.channel, ps = c.payloadStart, pe = c.payloadEnd;
      const peer2 = c.hasPeer ? c.peer : void 0;
      switch (k) {
        case MessageKind.UNRELIABLE:
          this.#deliverUnreliable(sink(ch, TransferMode.UNRELIABLE, peer2, copyPayload(bytes, ps, pe)));
          break;
        case MessageKind.UNRELIABLE_ORDERED:
          if (this.#seqd[ch].accept(c.msgSeq)) {
            this.#deliverUnreliable(sink(ch, TransferMode.UNRELIABLE_ORDERED, peer2, copyPayload(bytes, ps, pe)));
          } else this.stats.unreliableDropped++;
          break;
        case MessageKind.RELIABLE:
        case MessageKind.RELIABLE_FRAGMENT: {
          const fc = k === MessageKind.RELIABLE ? 0 : c.count;
          const r = this.#receivers[ch].receive(c.msgSeq, c.index, fc, c.hasPeer, c.peer, bytes, ps, pe);
          if (r === ReceiveResult.REFUSED) ackable = false;
          break;
        }
        case MessageKind.UNRELIABLE_FRAGMENT: {
          const m = this.#reasm.add(ch, false, c.msgSeq, c.index, c.count, c.hasPeer, c.peer, bytes, ps, pe, now);
          if (m !== void 0) {
            const p = this.#reasm.hasPeer ? this.#reasm.peer : void 0;
            this.#deliverUnreliable(sink(ch, TransferMode.UNRELIABLE, p, m));
          }
          break;
        }
        case MessageKind.UNRELIABLE_ORDERED_FRAGMENT: {
          const sc = this.#seqd[ch];
          if (!sc.isNewer(c.msgSeq)) {
            this.stats.unreliableDropped++;
            break;
          }
          const m = this.#reasm.add(ch, true, c.msgSeq, c.index, c.count, c.hasPeer, c.peer, bytes, ps, pe, now);
          if (m !== void 0 && sc.accept(c.msgSeq)) {
            const p = this.#reasm.hasPeer ? this.#reasm.peer : void 0;
            this.#deliverUnreliable(sink(ch, TransferMode.UNRELIABLE_ORDERED, p, m));
          }
          break;
        }
      }
    }
    if (!carrier) this.#acks.record(seq, ackable, c.messageCount > 0, now);
    return true;
  }
  /** Absolute time at which {@link Connection.handleTimeout} must run next. */
  pollTimeout() {
    let t = this.#lastSend + this.#cfg.keepaliveMs;
    if (!this.#timedOut) t = Math.min(t, this.#lastReceive + this.#cfg.timeoutMs);
    if (!this.#carrier) {
      if (this.#acks.unacked > 0) t = Math.min(t, this.#acks.ackDeadline);
      if (this.#sent.inFlight > 0) t = Math.min(t, this.#sent.oldestSentTime + this.rtt.rto);
    }
    t = Math.min(t, this.#reasm.nextExpiry);
    for (let i = 0; i < this.#receivers.length; i++) {
      if (this.#receivers[i].blocked) {
        t = Math.min(t, this.#lastNow + REFUSED_RETRY_MS);
        break;
      }
    }
    if (!this.#carrier && (this.#unreliable.length > 0 || this.#anyReliable())) {
      if (!this.#cc.canSend(this.#sent.bytesInFlight, this.#lastNow)) {
        t = Math.min(t, this.#cc.nextSendTime(this.#lastNow));
      }
    }
    return t;
  }
  /** Runs timers: timeout detection, RTO, keepalive, fragment expiry, refused-delivery retry. */
  handleTimeout(now) {
    this.#lastNow = now;
    if (now - this.#lastReceive >= this.#cfg.timeoutMs) this.#timedOut = true;
    if (!this.#carrier && this.#sent.inFlight > 0) {
      const rto = this.rtt.rto;
      if (now >= this.#sent.oldestSentTime + rto) {
        this.#lostBytes = 0;
        this.#sent.loseOlderThan(now - rto);
        this.rtt.onTimeout();
        this.stats.rtoCount++;
        this.stats.lostPackets = this.#sent.lostPackets;
        if (this.#lostBytes > 0) this.#cc.onLoss(this.#lostBytes, now);
      }
    }
    if (now - this.#lastSend >= this.#cfg.keepaliveMs) this.#pingPending = true;
    this.#reasm.expire(now);
    this.#retryBlocked();
  }
  /** @internal SentPacketListener: a message's packet was acked or lost. */
  onMessageRef(wireChannel, reliableSeq, acked) {
    if (acked) this.#senders[wireChannel].onAcked(reliableSeq);
    else this.#senders[wireChannel].onLost(reliableSeq);
  }
  /** @internal SentPacketListener. */
  onPacketAcked(bytes) {
    this.#ackedBytes += bytes;
  }
  /** @internal SentPacketListener. */
  onPacketLost(bytes) {
    this.#lostBytes += bytes;
  }
  /** @internal ReliableDelivery: hands a reliable message to the host. */
  deliverReliable(wireChannel, hasPeer, peer2, payload) {
    const ok = this.onMessage(wireChannel, TransferMode.RELIABLE, hasPeer ? peer2 : void 0, payload);
    if (ok) this.stats.messagesDelivered++;
    return ok;
  }
  #processAck(ack, lo, hi, ackDelayMs, now) {
    this.#ackedBytes = 0;
    this.#lostBytes = 0;
    const sent = this.#sent;
    sent.onAck(ack, lo, hi, now);
    let sample;
    if (sent.latestRttSample >= 0) {
      sample = sent.latestRttSample;
      this.rtt.onSample(sample, ackDelayMs);
      this.stats.rtt = this.rtt.srtt;
      this.stats.rttVar = this.rtt.rttVar;
    }
    if (this.#ackedBytes > 0) this.#cc.onAck(this.#ackedBytes, sample, now);
    if (this.#lostBytes > 0) this.#cc.onLoss(this.#lostBytes, now);
    this.stats.lostPackets = sent.lostPackets;
  }
  #deliverUnreliable(ok) {
    if (ok) this.stats.messagesDelivered++;
    else this.stats.unreliableDropped++;
  }
  #retryBlocked() {
    for (let i = 0; i < this.#receivers.length; i++) {
      if (this.#receivers[i].blocked) this.#receivers[i].drain();
    }
  }
  #anyReliable() {
    for (let i = 0; i < this.#senders.length; i++) if (this.#senders[i].peek() >= 0) return true;
    return false;
  }
  #drop() {
    this.stats.packetsDropped++;
    return false;
  }
};

// transport/events.ts
var REASON_TEXT = {
  1: "closed by the other side",
  2: "timed out",
  8: "protocol error",
  10: "could not keep up (send queue full)"
};
function toDomEvent(event, uniqueId) {
  switch (event.type) {
    case "connection_succeeded":
      return new CustomEvent(event.type, {
        detail: {
          id: uniqueId
        }
      });
    case "connection_failed":
      return new CustomEvent(event.type, {
        detail: {
          reason: event.reason,
          message: event.message
        }
      });
    case "peer_connected":
      return new CustomEvent(event.type, {
        detail: {
          id: event.id
        }
      });
    case "peer_disconnected":
      return new CustomEvent(event.type, {
        detail: {
          id: event.id,
          reason: event.reason
        }
      });
    case "server_disconnected":
      return new CustomEvent(event.type, {
        detail: {
          reason: event.reason,
          message: REASON_TEXT[event.reason] ?? "disconnected"
        }
      });
  }
}

// transport/peer_driver.ts
var PeerDriver = class {
  /** The protocol endpoint. */
  host;
  /** The carrier. */
  transport;
  /** Source of time and timers. */
  clock;
  #onActivity;
  #timer;
  #timerAt = Infinity;
  #flushQueued = false;
  #closed = false;
  #flush = () => this.flush();
  #onTimer = () => {
    this.#timer = void 0;
    this.#timerAt = Infinity;
    if (this.#closed) return;
    this.host.handleTimeout(this.clock.now());
    this.flush();
  };
  /** `onActivity` runs after every flush that may have produced events or packets. */
  constructor(host, transport, clock, onActivity) {
    this.host = host;
    this.transport = transport;
    this.clock = clock;
    this.#onActivity = onActivity;
  }
  /** Starts receiving and arms the first timer. */
  start() {
    this.transport.listen((bytes, from) => {
      if (this.#closed) return;
      this.host.handleDatagram(bytes, from, this.clock.now());
      this.touch();
    });
    this.touch();
  }
  /** Schedules one flush at the end of this turn (after an app call or input). */
  touch() {
    if (this.#flushQueued || this.#closed) return;
    this.#flushQueued = true;
    queueMicrotask(this.#flush);
  }
  /** Sends everything the host has ready, re-arms the timer, reports activity. */
  flush() {
    this.#flushQueued = false;
    if (this.#closed) return;
    const now = this.clock.now();
    for (let tx = this.host.pollTransmit(now); tx; tx = this.host.pollTransmit(now)) {
      this.transport.send(tx.bytes, tx.to);
    }
    this.#arm();
    this.#onActivity();
  }
  #arm() {
    const at = this.host.pollTimeout();
    if (at === void 0) return;
    if (this.#timer !== void 0 && this.#timerAt <= at) return;
    if (this.#timer !== void 0) this.clock.clearTimer(this.#timer);
    this.#timerAt = at;
    this.#timer = this.clock.setTimer(this.#onTimer, Math.max(0, at - this.clock.now()));
  }
  /** Sends what is pending (e.g. DISCONNECT), stops timers and closes the transport. */
  async close() {
    if (this.#closed) return;
    const now = this.clock.now();
    for (let tx = this.host.pollTransmit(now); tx; tx = this.host.pollTransmit(now)) {
      this.transport.send(tx.bytes, tx.to);
    }
    this.#closed = true;
    if (this.#timer !== void 0) this.clock.clearTimer(this.#timer);
    this.#timer = void 0;
    await this.transport.close();
  }
};

// transport/multiplayer_peer.ts
var internals;
var MultiplayerPeerBase = class extends EventTarget {
  /** Mode used by `putPacket` (default RELIABLE). */
  transferMode = TransferMode.RELIABLE;
  /** Send UNRELIABLE packets as UNRELIABLE_ORDERED. */
  alwaysOrdered = false;
  #channelCount = DEFAULTS.channelCount;
  #serverRelay = true;
  #timeoutMs = DEFAULTS.timeoutMs;
  #encodeBufferMaxSize = DEFAULTS.encodeBufferMaxSize;
  #transferChannel = 0;
  #target = 0;
  #refuse = false;
  #driver;
  #starting = false;
  #available = 0;
  #error;
  #waiters = /* @__PURE__ */ new Set();
  #onActivity = () => {
    const host = this.#driver?.host;
    if (!host || this.#waiters.size === 0) return;
    if (host.eventCount > 0 || host.inboundCount > this.#available) this.#wake();
  };
  // --------------------------------------------------------------------------- settings
  /** User channels (default 3); set before creating. */
  get channelCount() {
    return this.#driver?.host.channelCount ?? this.#channelCount;
  }
  set channelCount(n) {
    this.#assertInactive("channelCount");
    if (!Number.isInteger(n) || n < 1 || n > 254) {
      throw new MultiplayerError("INVALID_ARGUMENT", `channelCount must be in [1, 254], got ${n}`);
    }
    this.#channelCount = n;
  }
  /** Servers relay client-to-client packets (default true); set before creating. */
  get serverRelay() {
    return this.#driver?.host.serverRelay ?? this.#serverRelay;
  }
  set serverRelay(on) {
    this.#assertInactive("serverRelay");
    this.#serverRelay = on;
  }
  /** Silence (ms) after which a peer is dropped (default 10 000); set before creating. */
  get timeoutMs() {
    return this.#timeoutMs;
  }
  set timeoutMs(ms) {
    this.#assertInactive("timeoutMs");
    if (!Number.isInteger(ms) || ms < 100) {
      throw new MultiplayerError("INVALID_ARGUMENT", `timeoutMs must be an integer >= 100`);
    }
    this.#timeoutMs = ms;
  }
  /** Largest packet `putPacket` accepts (default 8 MiB); set before creating. */
  get encodeBufferMaxSize() {
    return this.#encodeBufferMaxSize;
  }
  set encodeBufferMaxSize(n) {
    this.#assertInactive("encodeBufferMaxSize");
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 30) {
      throw new MultiplayerError("INVALID_ARGUMENT", `encodeBufferMaxSize must be in [1, 2^30]`);
    }
    this.#encodeBufferMaxSize = n;
  }
  /** User channel used by `putPacket` (default 0). */
  get transferChannel() {
    return this.#transferChannel;
  }
  set transferChannel(ch) {
    if (!Number.isInteger(ch) || ch < 0 || ch >= this.channelCount) {
      throw new MultiplayerError("INVALID_CHANNEL", `transferChannel ${ch} is out of range [0, ${this.channelCount - 1}]`);
    }
    this.#transferChannel = ch;
  }
  /** Servers: reject new clients explicitly (they get `connection_failed`). */
  get refuseNewConnections() {
    return this.#refuse;
  }
  set refuseNewConnections(on) {
    this.#refuse = on;
    if (this.#driver) this.#driver.host.refuseNewConnections = on;
  }
  /** Target of the next `putPacket`: 0 all, 1 server, id, -id all but id. */
  setTargetPeer(id) {
    if (!Number.isInteger(id) || Math.abs(id) > MAX_PEER_ID) {
      throw new MultiplayerError("INVALID_TARGET", `target ${id} is not a valid peer id`);
    }
    this.#target = id;
  }
  // ----------------------------------------------------------------------------- state
  /** DISCONNECTED, CONNECTING or CONNECTED. */
  getConnectionStatus() {
    return this.#driver?.host.status ?? ConnectionStatus.DISCONNECTED;
  }
  /** 1 on servers; the server-assigned id on clients (0 before connecting). */
  getUniqueId() {
    return this.#driver?.host.uniqueId ?? 0;
  }
  /** Address of a directly connected peer (clients: only 1). Throws UNKNOWN_PEER. */
  getPeerAddress(id) {
    return this.#peer(id).hostname;
  }
  /** Port of a directly connected peer. Throws UNKNOWN_PEER. */
  getPeerPort(id) {
    return this.#peer(id).port;
  }
  /** Servers: drops client `id`; `now` = without waiting for its queued data to be delivered. */
  disconnectPeer(id, now = false) {
    const driver = this.#requireDriver("disconnectPeer");
    driver.host.disconnectPeer(id, driver.clock.now(), now);
    driver.touch();
  }
  // ---------------------------------------------------------------------------- packets
  /** Packets made available by `poll()` and not read yet. */
  getAvailablePacketCount() {
    return this.#available;
  }
  /** Next available packet, or undefined (see `getPacketError`). */
  getPacket() {
    const host = this.#driver?.host;
    if (!host || this.#available === 0) {
      this.#error = new MultiplayerError("NOT_ACTIVE", "no packet available: call poll()");
      return void 0;
    }
    this.#available--;
    this.#error = void 0;
    return host.pollPacket().data;
  }
  /** Sender id of the next available packet (0 when none). */
  getPacketPeer() {
    return this.#next()?.from ?? 0;
  }
  /** User channel of the next available packet (0 when none). */
  getPacketChannel() {
    return this.#next()?.channel ?? 0;
  }
  /** Transfer mode of the next available packet (RELIABLE when none). */
  getPacketMode() {
    return this.#next()?.mode ?? TransferMode.RELIABLE;
  }
  /** Error of the last `getPacket`/`getVar`. */
  getPacketError() {
    return this.#error;
  }
  /**
   * Sends `data` to the target set with `setTargetPeer`, with `transferMode` on
   * `transferChannel`. Ownership of `data` passes to the peer. Throws RangeError above
   * `encodeBufferMaxSize`, MultiplayerError NOT_CONNECTED / UNKNOWN_PEER / INVALID_TARGET /
   * QUEUE_FULL otherwise.
   */
  putPacket(data) {
    if (!(data instanceof Uint8Array)) {
      throw new MultiplayerError("INVALID_ARGUMENT", "putPacket() takes a Uint8Array");
    }
    if (data.length > this.#encodeBufferMaxSize) {
      throw new RangeError(`packet of ${data.length} bytes exceeds encodeBufferMaxSize (${this.#encodeBufferMaxSize} bytes)`);
    }
    const driver = this.#requireDriver("putPacket");
    if (driver.host.status !== ConnectionStatus.CONNECTED) {
      throw new MultiplayerError("NOT_CONNECTED", "putPacket() needs a connected peer");
    }
    const mode = this.alwaysOrdered && this.transferMode === TransferMode.UNRELIABLE ? TransferMode.UNRELIABLE_ORDERED : this.transferMode;
    driver.host.send(this.#target, data, mode, this.#transferChannel, driver.clock.now());
    driver.touch();
  }
  /** Sends a plain value as msgpack (see `PacketPeer.putVar`). */
  putVar(value) {
    this.putPacket(encodeValue(value));
  }
  /** Next available packet decoded as a value; undefined with `getPacketError()` on failure. */
  getVar() {
    const data = this.getPacket();
    if (!data) return void 0;
    const r = decodeValue(data);
    if (r.ok) return r.value;
    this.#error = new MultiplayerError("INVALID_ARGUMENT", `packet is not a valid value: ${r.error}`);
    return void 0;
  }
  // ------------------------------------------------------------------------------- poll
  /**
   * Dispatches pending events and makes received packets available; if nothing is pending,
   * waits up to `timeoutMs` and resolves as soon as something arrives. Resolves to the number of
   * events + packets made available.
   */
  async poll(timeoutMs = DEFAULTS.pollTimeoutMs) {
    const driver = this.#driver;
    if (!driver) return 0;
    const n = this.#deliver();
    if (n > 0 || !(timeoutMs > 0)) return n;
    await new Promise((resolve) => {
      let timer = void 0;
      const done2 = () => {
        if (timer !== void 0) driver.clock.clearTimer(timer);
        this.#waiters.delete(done2);
        resolve();
      };
      timer = driver.clock.setTimer(done2, timeoutMs);
      this.#waiters.add(done2);
    });
    return this.#deliver();
  }
  #deliver() {
    const host = this.#driver?.host;
    if (!host) return 0;
    let n = 0;
    for (let e = host.pollEvent(); e; e = host.pollEvent()) {
      n++;
      this.dispatchEvent(toDomEvent(e, host.uniqueId));
      if (this.#driver?.host !== host) return n;
    }
    const fresh = host.inboundCount - this.#available;
    this.#available = host.inboundCount;
    return n + fresh;
  }
  #wake() {
    for (const w of [
      ...this.#waiters
    ]) w();
  }
  static {
    internals = {
      hostOptions: (p) => p.#hostOptions(),
      begin: (p) => p.#beginCreate(),
      abort: (p) => p.#abortCreate(),
      start: (p, host, transport, clock) => p.#startHost(host, transport, clock)
    };
  }
  #hostOptions() {
    return {
      channelCount: this.#channelCount,
      serverRelay: this.#serverRelay,
      timeoutMs: this.#timeoutMs,
      encodeBufferMaxSize: this.#encodeBufferMaxSize,
      createConnection: (config) => new Connection(config)
    };
  }
  #beginCreate() {
    if (this.#driver || this.#starting) {
      throw new MultiplayerError("ALREADY_ACTIVE", "the peer is already active: close() it first");
    }
    this.#starting = true;
  }
  #abortCreate() {
    this.#starting = false;
  }
  #startHost(host, transport, clock) {
    host.refuseNewConnections = this.#refuse;
    this.#starting = false;
    this.#available = 0;
    this.#driver = new PeerDriver(host, transport, clock, this.#onActivity);
    this.#driver.start();
    return this.#driver;
  }
  /** Says goodbye to every peer, then releases the transport, timers and pending polls. */
  async close() {
    const driver = this.#driver;
    if (!driver) return;
    this.#driver = void 0;
    this.#available = 0;
    driver.host.close(driver.clock.now());
    this.#wake();
    await driver.close();
  }
  // ---------------------------------------------------------------------------- helpers
  #next() {
    return this.#available > 0 ? this.#driver?.host.peekPacket() : void 0;
  }
  #peer(id) {
    const address = this.#driver?.host.peerAddress(id);
    if (!address) throw new MultiplayerError("UNKNOWN_PEER", `no connected peer with id ${id}`);
    return address;
  }
  #requireDriver(what) {
    if (!this.#driver) {
      throw new MultiplayerError("NOT_ACTIVE", `${what}() needs createServer() or createClient()`);
    }
    return this.#driver;
  }
  #assertInactive(what) {
    if (this.#driver || this.#starting) {
      throw new MultiplayerError("ALREADY_ACTIVE", `cannot change ${what} while the peer is active`);
    }
  }
  addEventListener(type, listener, options) {
    super.addEventListener(type, listener, options);
  }
  removeEventListener(type, listener, options) {
    super.removeEventListener(type, listener, options);
  }
};
function beginCreate(peer2) {
  internals.begin(peer2);
}
function abortCreate(peer2) {
  internals.abort(peer2);
}
function peerHostOptions(peer2) {
  return internals.hostOptions(peer2);
}
function startHost(peer2, host, transport, clock) {
  return internals.start(peer2, host, transport, clock);
}

// transport/udp_transport.ts
var UDP_MAX_PAYLOAD = 65507;
var MAX_CONSECUTIVE_RECEIVE_ERRORS = 1e3;
var UdpTransport = class _UdpTransport {
  /** Largest datagram `send` accepts. */
  maxDatagramSize;
  /** UDP may drop, duplicate and reorder. */
  reliable = false;
  /** The bound address (real port when bound to port 0). */
  localAddress;
  /** Live counters. */
  stats = {
    datagramsSent: 0,
    datagramsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    sendErrors: 0,
    receiveErrors: 0,
    handlerErrors: 0,
    drops: 0
  };
  #conn;
  #receiveBuffer;
  #onError;
  #closed = false;
  #listening = false;
  #receiveLoop;
  // send queue: ring buffer of (bytes, address)
  #queueBytes;
  #queueTo;
  #head = 0;
  #count = 0;
  #queuedBytes = 0;
  #maxQueuedBytes;
  #maxInFlight;
  #writers = 0;
  #writing = /* @__PURE__ */ new Set();
  // caller address object -> Deno address object, so repeated sends allocate nothing
  #addressCache = /* @__PURE__ */ new WeakMap();
  constructor(conn, options) {
    this.#conn = conn;
    const addr = conn.addr;
    this.localAddress = {
      hostname: addr.hostname,
      port: addr.port,
      transport: "udp"
    };
    this.maxDatagramSize = options.maxDatagramSize ?? UDP_MAX_PAYLOAD;
    this.#receiveBuffer = new Uint8Array(Math.max(this.maxDatagramSize, UDP_MAX_PAYLOAD) + 1);
    const maxQueued = options.maxQueuedDatagrams ?? 4096;
    this.#queueBytes = new Array(maxQueued).fill(void 0);
    this.#queueTo = new Array(maxQueued).fill(void 0);
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 4 * 1024 * 1024;
    this.#maxInFlight = options.maxInFlight ?? 1;
    this.#onError = options.onError;
  }
  /**
   * Binds a UDP socket. Resolves once bound.
   *
   * @example
   * ```ts
   * import { UdpTransport } from "./udp_transport.ts";
   * const t = await UdpTransport.bind({ hostname: "::1", port: 0 });
   * console.log(t.localAddress.port > 0); // true
   * await t.close();
   * ```
   */
  static async bind(options = {}) {
    const size = options.maxDatagramSize ?? UDP_MAX_PAYLOAD;
    if (!Number.isInteger(size) || size < 1 || size > UDP_MAX_PAYLOAD) {
      throw new MultiplayerError("INVALID_ARGUMENT", `maxDatagramSize must be an integer in [1, ${UDP_MAX_PAYLOAD}], got ${size}`);
    }
    for (const key of [
      "maxQueuedDatagrams",
      "maxQueuedBytes",
      "maxInFlight"
    ]) {
      const v = options[key];
      if (v !== void 0 && (!Number.isInteger(v) || v < 1)) {
        throw new MultiplayerError("INVALID_ARGUMENT", `${key} must be a positive integer, got ${v}`);
      }
    }
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new MultiplayerError("INVALID_ARGUMENT", `port must be in [0, 65535], got ${port}`);
    }
    const conn = Deno.listenDatagram({
      transport: "udp",
      hostname: options.hostname ?? "0.0.0.0",
      port
    });
    await Promise.resolve();
    return new _UdpTransport(conn, options);
  }
  /** Datagrams waiting in the send queue. */
  get queuedDatagrams() {
    return this.#count;
  }
  /** Bytes waiting in the send queue. */
  get queuedBytes() {
    return this.#queuedBytes;
  }
  /** Starts the receive loop; `handler` sees a view of the reused buffer. */
  listen(handler) {
    if (this.#closed) throw new MultiplayerError("CLOSED", "listen() on a closed UdpTransport");
    if (this.#listening) {
      throw new MultiplayerError("ALREADY_ACTIVE", "UdpTransport.listen() may be called only once");
    }
    this.#listening = true;
    this.#receiveLoop = this.#receive(handler);
  }
  async #receive(handler) {
    const buffer = this.#receiveBuffer;
    const stats = this.stats;
    let consecutiveErrors = 0;
    while (!this.#closed) {
      let bytes;
      let from;
      try {
        [bytes, from] = await this.#conn.receive(buffer);
      } catch (e) {
        if (this.#closed || e instanceof Deno.errors.BadResource) return;
        stats.receiveErrors++;
        this.#onError?.(e, "receive");
        if (++consecutiveErrors >= MAX_CONSECUTIVE_RECEIVE_ERRORS) return;
        continue;
      }
      consecutiveErrors = 0;
      stats.datagramsReceived++;
      stats.bytesReceived += bytes.length;
      try {
        handler(bytes, from);
      } catch (e) {
        stats.handlerErrors++;
        this.#onError?.(e, "handler");
      }
    }
  }
  /**
   * Queues one datagram; returns false when dropped locally (queue full or closed).
   * Throws a `MultiplayerError` for a datagram above `maxDatagramSize`.
   */
  send(bytes, to) {
    if (bytes.length > this.maxDatagramSize) {
      throw new MultiplayerError("PACKET_TOO_LARGE", `datagram of ${bytes.length} bytes exceeds maxDatagramSize ${this.maxDatagramSize}`);
    }
    const capacity = this.#queueBytes.length;
    if (this.#closed || this.#count === capacity || this.#queuedBytes + bytes.length > this.#maxQueuedBytes) {
      this.stats.drops++;
      return false;
    }
    let addr;
    if (to.transport === "udp") addr = to;
    else {
      addr = this.#addressCache.get(to);
      if (addr === void 0) {
        addr = {
          transport: "udp",
          hostname: to.hostname,
          port: to.port
        };
        this.#addressCache.set(to, addr);
      }
    }
    let tail = this.#head + this.#count;
    if (tail >= capacity) tail -= capacity;
    this.#queueBytes[tail] = bytes;
    this.#queueTo[tail] = addr;
    this.#count++;
    this.#queuedBytes += bytes.length;
    while (this.#writers < this.#maxInFlight && this.#writers < this.#count) {
      this.#writers++;
      const writer = this.#writer();
      this.#writing.add(writer);
      writer.then(() => this.#writing.delete(writer));
    }
    return true;
  }
  // one of up to maxInFlight loops; each awaits its send (Deno's send is async)
  async #writer() {
    const stats = this.stats;
    const capacity = this.#queueBytes.length;
    while (this.#count > 0) {
      const i = this.#head;
      const bytes = this.#queueBytes[i];
      const addr = this.#queueTo[i];
      this.#queueBytes[i] = void 0;
      this.#queueTo[i] = void 0;
      this.#head = i + 1 === capacity ? 0 : i + 1;
      this.#count--;
      this.#queuedBytes -= bytes.length;
      try {
        const n = await this.#conn.send(bytes, addr);
        stats.bytesSent += n;
        stats.datagramsSent++;
      } catch (e) {
        if (this.#closed && e instanceof Deno.errors.BadResource) continue;
        stats.sendErrors++;
        this.#onError?.(e, "send");
      }
    }
    this.#writers--;
  }
  /**
   * Sends what is queued, then closes the socket and waits for the receive loop to end.
   * Sends after `close()` return false.
   */
  async close() {
    if (this.#closed) {
      await this.#receiveLoop;
      return;
    }
    this.#closed = true;
    while (this.#writing.size > 0) await Promise.all(this.#writing);
    try {
      this.#conn.close();
    } catch {
    }
    await this.#receiveLoop;
  }
};

// transport/websocket_transport.ts
var WS_TRANSPORT_TAG = "ws";
var WsCloseCode = {
  /** Orderly close by the application. */
  NORMAL: 1e3,
  /** The server is shutting down. */
  GOING_AWAY: 1001,
  /** A text frame arrived; the protocol speaks binary only. */
  UNSUPPORTED_DATA: 1003,
  /** A message exceeded `maxDatagramSize`. */
  TOO_BIG: 1009,
  /** The remote could not keep up: its send buffer passed `maxBufferedBytes`. */
  BACKPRESSURE: 4010
};
var WS_DEFAULTS = {
  /** Largest message accepted or sent (64 KiB; the protocol's datagrams are far smaller). */
  maxDatagramSize: 64 * 1024,
  /** Per-socket send buffer bound; above it the remote is dropped (16 MiB = 2x largest packet). */
  maxBufferedBytes: 16 * 1024 * 1024
};
function sendBounded(socket, bytes, limit) {
  if (socket.readyState !== WebSocket.OPEN) return false;
  if (socket.bufferedAmount + bytes.byteLength > limit) {
    socket.close(WsCloseCode.BACKPRESSURE, `send buffer limit of ${limit} bytes exceeded`);
    return false;
  }
  socket.send(bytes);
  return true;
}
function acceptMessage(socket, data, maxSize) {
  if (!(data instanceof ArrayBuffer)) {
    socket.close(WsCloseCode.UNSUPPORTED_DATA, "binary messages only");
    return void 0;
  }
  if (data.byteLength > maxSize) {
    socket.close(WsCloseCode.TOO_BIG, `message of ${data.byteLength} bytes > ${maxSize}`);
    return void 0;
  }
  return new Uint8Array(data);
}
function checkSize(name, value) {
  if (!Number.isInteger(value) || value <= 0) {
    throw new MultiplayerError("INVALID_ARGUMENT", `${name} must be a positive integer, got ${value}`);
  }
  return value;
}
var WebSocketClientTransport = class _WebSocketClientTransport {
  /** Largest message, in bytes, sent or accepted. */
  maxDatagramSize;
  /** Always true: WebSocket delivers once and in order. */
  reliable = true;
  /** This end (browsers do not expose the local port: port 0). */
  localAddress = {
    hostname: "localhost",
    port: 0,
    transport: WS_TRANSPORT_TAG
  };
  /** The server, as datagrams from it are tagged. */
  serverAddress;
  /** Resolves true once the socket is open, false if it closed (or was aborted) before. */
  opened;
  #socket;
  #maxBuffered;
  #pending = [];
  #pendingBytes = 0;
  #handler;
  #closedHandler;
  #closed;
  #signal;
  #onAbort = () => void this.close();
  constructor(socket, url, options) {
    this.#socket = socket;
    this.maxDatagramSize = options.maxDatagramSize ?? WS_DEFAULTS.maxDatagramSize;
    this.#maxBuffered = options.maxBufferedBytes ?? WS_DEFAULTS.maxBufferedBytes;
    const port = url.port ? Number(url.port) : url.protocol === "wss:" ? 443 : 80;
    this.serverAddress = {
      hostname: url.hostname,
      port,
      transport: WS_TRANSPORT_TAG
    };
    this.opened = new Promise((resolve) => {
      socket.addEventListener("open", () => {
        const queued = this.#pending;
        this.#pending = [];
        this.#pendingBytes = 0;
        for (const bytes of queued) sendBounded(socket, bytes, this.#maxBuffered);
        resolve(true);
      }, {
        once: true
      });
      socket.addEventListener("close", () => resolve(false), {
        once: true
      });
    });
    this.#closed = new Promise((resolve) => {
      socket.addEventListener("close", (event) => {
        this.#signal?.removeEventListener("abort", this.#onAbort);
        this.#pending = [];
        this.#closedHandler?.(this.serverAddress, event.code, event.reason);
        this.#handler = void 0;
        resolve();
      }, {
        once: true
      });
    });
    socket.addEventListener("message", (event) => {
      const bytes = acceptMessage(socket, event.data, this.maxDatagramSize);
      if (bytes) this.#handler?.(bytes, this.serverAddress);
    });
    this.#signal = options.signal;
    this.#signal?.addEventListener("abort", this.#onAbort, {
      once: true
    });
  }
  /**
   * Starts opening a WebSocket to `url` (`ws:`/`wss:`; `http(s):` is mapped) and returns the
   * carrier at once; see {@link WebSocketClientTransport.opened}. Throws a
   * {@link MultiplayerError} (`INVALID_ARGUMENT`) for a bad URL or option.
   */
  static open(url, options = {}) {
    const target2 = toWebSocketUrl(url);
    if (options.maxDatagramSize !== void 0) {
      checkSize("maxDatagramSize", options.maxDatagramSize);
    }
    if (options.maxBufferedBytes !== void 0) {
      checkSize("maxBufferedBytes", options.maxBufferedBytes);
    }
    if (options.signal?.aborted) {
      throw new MultiplayerError("CLOSED", "the connection attempt was aborted");
    }
    const socket = new WebSocket(target2);
    socket.binaryType = "arraybuffer";
    return new _WebSocketClientTransport(socket, target2, options);
  }
  /**
   * Opens a WebSocket to `url` and resolves once it is open. Rejects with a
   * {@link MultiplayerError} (`CLOSED`) if it closes first or `signal` aborts.
   */
  static async connect(url, options = {}) {
    const carrier = _WebSocketClientTransport.open(url, options);
    if (await carrier.opened) return carrier;
    const why = options.signal?.aborted ? "aborted" : "closed";
    throw new MultiplayerError("CLOSED", `WebSocket to ${url} ${why} before opening`);
  }
  /** Starts delivering received datagrams to `handler`. */
  listen(handler) {
    this.#handler = handler;
  }
  /** Reports the server going away (socket closed by either side or by the network). */
  onPeerClosed(handler) {
    this.#closedHandler = handler;
  }
  /** Sends one datagram to the server; false when closed or over the buffer limit. */
  send(bytes, _to) {
    if (bytes.byteLength > this.maxDatagramSize) return false;
    if (this.#socket.readyState !== WebSocket.CONNECTING) {
      return sendBounded(this.#socket, bytes, this.#maxBuffered);
    }
    if (this.#pendingBytes + bytes.byteLength > this.#maxBuffered) return false;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.byteLength;
    return true;
  }
  /** Bytes queued (before opening, or in the socket) and not yet written. */
  get bufferedAmount() {
    return this.#pendingBytes + this.#socket.bufferedAmount;
  }
  /** Closes the socket (code 1000) and resolves once it is fully closed. */
  close() {
    const state = this.#socket.readyState;
    if (state === WebSocket.CONNECTING || state === WebSocket.OPEN) {
      this.#socket.close(WsCloseCode.NORMAL, "closed by application");
    }
    return this.#closed;
  }
};
function toWebSocketUrl(url) {
  let target2;
  try {
    target2 = new URL(url);
  } catch {
    throw new MultiplayerError("INVALID_ARGUMENT", `not a valid WebSocket URL: ${url}`);
  }
  if (target2.protocol === "http:") target2.protocol = "ws:";
  if (target2.protocol === "https:") target2.protocol = "wss:";
  if (target2.protocol !== "ws:" && target2.protocol !== "wss:") {
    throw new MultiplayerError("INVALID_ARGUMENT", `expected a ws: or wss: URL, got ${url}`);
  }
  return target2;
}

// transport/websocket_server_transport.ts
var WebSocketServerTransport = class _WebSocketServerTransport {
  /** Largest message, in bytes, sent or accepted. */
  maxDatagramSize;
  /** Always true: WebSocket delivers once and in order. */
  reliable = true;
  #localAddress = {
    hostname: "0.0.0.0",
    port: 0,
    transport: WS_TRANSPORT_TAG
  };
  #maxBuffered;
  #maxSockets;
  #remotes = /* @__PURE__ */ new Map();
  #nextPort = 1;
  #handler;
  #closedHandler;
  #server;
  #closing = false;
  /** Creates a carrier to embed with {@link handleUpgrade}; see {@link listen} to own a port. */
  constructor(options = {}) {
    this.maxDatagramSize = checkSize("maxDatagramSize", options.maxDatagramSize ?? WS_DEFAULTS.maxDatagramSize);
    this.#maxBuffered = checkSize("maxBufferedBytes", options.maxBufferedBytes ?? WS_DEFAULTS.maxBufferedBytes);
    this.#maxSockets = checkSize("maxSockets", options.maxSockets ?? 1024);
  }
  /**
   * Starts a `Deno.serve` listener that upgrades every request on any path and resolves once it
   * is bound; `localAddress.port` is the real port (useful with port 0).
   */
  static async listen(options) {
    const port = options.port;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new MultiplayerError("INVALID_ARGUMENT", `port must be in [0, 65535], got ${port}`);
    }
    const carrier = new _WebSocketServerTransport(options);
    const bound = Promise.withResolvers();
    carrier.#server = Deno.serve({
      port,
      hostname: options.hostname ?? "0.0.0.0",
      onListen: () => bound.resolve(),
      onError: () => new Response("internal error", {
        status: 500
      })
    }, (request, info) => carrier.handleUpgrade(request, info));
    await bound.promise;
    const addr = carrier.#server.addr;
    carrier.#localAddress = {
      hostname: addr.hostname,
      port: addr.port,
      transport: WS_TRANSPORT_TAG
    };
    return carrier;
  }
  /** The bound address (port 0 until {@link listen} binds; embedded carriers keep 0). */
  get localAddress() {
    return this.#localAddress;
  }
  /** Number of open sockets. */
  get socketCount() {
    return this.#remotes.size;
  }
  /**
   * Upgrades `request` to a WebSocket owned by this carrier and returns the 101 response. Pass
   * the handler's `info` to record the client's IP. Non-upgrade requests get HTTP 426, a closed
   * or full carrier HTTP 503, so this can sit behind any route of an existing server.
   */
  handleUpgrade(request, info) {
    if (this.#closing) return new Response("server closed", {
      status: 503
    });
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("WebSocket upgrade expected", {
        status: 426,
        headers: {
          upgrade: "websocket"
        }
      });
    }
    if (this.#remotes.size >= this.#maxSockets) {
      return new Response("too many connections", {
        status: 503
      });
    }
    const remote = info?.remoteAddr;
    const { socket, response } = Deno.upgradeWebSocket(request);
    this.#adopt(socket, remote?.hostname ?? "unknown");
    return response;
  }
  #adopt(socket, hostname) {
    socket.binaryType = "arraybuffer";
    const id = this.#nextPort++;
    const address = {
      hostname,
      port: id,
      transport: WS_TRANSPORT_TAG
    };
    const closed = new Promise((resolve) => {
      socket.addEventListener("close", (event) => {
        this.#remotes.delete(id);
        if (!this.#closing) this.#closedHandler?.(address, event.code, event.reason);
        resolve();
      }, {
        once: true
      });
    });
    socket.addEventListener("message", (event) => {
      const bytes = acceptMessage(socket, event.data, this.maxDatagramSize);
      if (bytes) this.#handler?.(bytes, address);
    });
    this.#remotes.set(id, {
      socket,
      address,
      closed,
      since: performance.now()
    });
  }
  /** Starts delivering received datagrams to `handler`. */
  listen(handler) {
    this.#handler = handler;
  }
  /** Reports a client socket that closed (by the client, the network, or backpressure). */
  onPeerClosed(handler) {
    this.#closedHandler = handler;
  }
  /** Sends one datagram to the client at `to`; false if unknown, closed or over the limit. */
  send(bytes, to) {
    if (bytes.byteLength > this.maxDatagramSize) return false;
    const remote = this.#remotes.get(to.port);
    if (!remote || remote.address.hostname !== to.hostname) return false;
    return sendBounded(remote.socket, bytes, this.#maxBuffered);
  }
  /** Closes the socket of one client (e.g. after the protocol dropped it). */
  disconnect(to, code = WsCloseCode.NORMAL, reason = "") {
    const remote = this.#remotes.get(to.port);
    if (!remote || remote.address.hostname !== to.hostname) return;
    const socket = remote.socket;
    if (socket.readyState === WebSocket.OPEN) socket.close(code, reason);
    else if (socket.readyState === WebSocket.CONNECTING) {
      socket.addEventListener("open", () => socket.close(code, reason), {
        once: true
      });
    }
  }
  /**
   * Closes every socket open for longer than `graceMs` whose address `isInUse` rejects (e.g.
   * the protocol dropped that client, or it never finished its handshake). Returns how many.
   */
  closeUnused(isInUse, graceMs, reason) {
    const limit = performance.now() - graceMs;
    let closed = 0;
    for (const remote of this.#remotes.values()) {
      if (remote.since > limit || remote.socket.readyState !== WebSocket.OPEN) continue;
      if (isInUse(remote.address)) continue;
      remote.socket.close(WsCloseCode.NORMAL, reason);
      closed++;
    }
    return closed;
  }
  /** Bytes queued for one client and not yet written (0 if unknown). */
  bufferedAmount(to) {
    return this.#remotes.get(to.port)?.socket.bufferedAmount ?? 0;
  }
  /** Closes every socket (code 1001), then the listener if this carrier owns one. */
  async close() {
    this.#closing = true;
    this.#handler = void 0;
    const pending = [];
    for (const remote of this.#remotes.values()) {
      const socket = remote.socket;
      if (socket.readyState === WebSocket.OPEN) {
        socket.close(WsCloseCode.GOING_AWAY, "server closing");
      } else if (socket.readyState === WebSocket.CONNECTING) {
        socket.addEventListener("open", () => socket.close(WsCloseCode.GOING_AWAY), {
          once: true
        });
      }
      pending.push(remote.closed);
    }
    const server = this.#server;
    this.#server = void 0;
    await server?.shutdown();
    await Promise.all(pending);
  }
};

// transport/websocket_peer.ts
var SWEEP_INTERVAL_MS = 1e3;
function checkPort(port, what) {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new MultiplayerError("INVALID_ARGUMENT", `${what} must be an integer in [0, 65535]`);
  }
}
function reasonOf(code) {
  return code === WsCloseCode.BACKPRESSURE ? DisconnectReason.BACKPRESSURE : DisconnectReason.CLOSED;
}
function sameAddress2(a, b) {
  return a.port === b.port && a.hostname === b.hostname && (a.transport ?? "udp") === (b.transport ?? "udp");
}
function peerIdAt(host, address) {
  for (const id of host.peerIds()) {
    const at = host.peerAddress(id);
    if (at && sameAddress2(at, address)) return id;
  }
  return void 0;
}
var WebSocketMultiplayerPeer = class extends MultiplayerPeerBase {
  #ws;
  #localPort = 0;
  #udpPort = 0;
  #sweep;
  /** Servers: the WebSocket listener's port (0 when embedded or inactive). */
  get localPort() {
    return this.getConnectionStatus() === 0 ? 0 : this.#localPort;
  }
  /** Mixed servers: the UDP port (0 when not listening on UDP). */
  get udpPort() {
    return this.getConnectionStatus() === 0 ? 0 : this.#udpPort;
  }
  /**
   * Starts a server listening on `port` (0 = ephemeral, see `localPort`) with `Deno.serve`;
   * every request on any path is upgraded. Resolves once bound. With `udpPort`, UDP clients
   * join the same session.
   */
  async createServer(port, options = {}) {
    checkPort(port, "port");
    await this.#startServer(port, options);
  }
  /**
   * Starts a server without a listener of its own: route upgrade requests of your own
   * `Deno.serve` handler to {@link WebSocketMultiplayerPeer.handleUpgrade}.
   */
  async createEmbeddedServer(options = {}) {
    await this.#startServer(void 0, options);
  }
  /**
   * Servers: upgrades `request` to a client of this session (pass the handler's `info` to
   * record the client's IP). Non-upgrade requests get HTTP 426. Throws NOT_ACTIVE when the peer
   * is not a running server.
   */
  handleUpgrade(request, info) {
    if (!this.#ws || this.getConnectionStatus() === 0) {
      throw new MultiplayerError("NOT_ACTIVE", "handleUpgrade() needs createServer() or createEmbeddedServer() first");
    }
    return this.#ws.handleUpgrade(request, info);
  }
  async #startServer(port, options) {
    if (options.udpPort !== void 0) checkPort(options.udpPort, "udpPort");
    beginCreate(this);
    let ws;
    let udp;
    try {
      const hostname = options.bindAddress ?? "0.0.0.0";
      const wsOptions = {
        maxBufferedBytes: options.maxBufferedBytes
      };
      ws = port === void 0 ? new WebSocketServerTransport(wsOptions) : await WebSocketServerTransport.listen({
        ...wsOptions,
        port,
        hostname
      });
      if (options.udpPort !== void 0) {
        udp = await UdpTransport.bind({
          hostname,
          port: options.udpPort
        });
      }
      const base = peerHostOptions(this);
      const both = udp ? new CompositeTransport({
        ws,
        udp
      }) : void 0;
      const host = new Host({
        ...base,
        role: "server",
        maxClients: options.maxClients,
        reliableCarrier: !both,
        // Mixed: each connection's mode follows the carrier its CONNECT came over (the host
        // creates connections inside handleDatagram, while `receiving` is set).
        createConnection: both ? (config) => base.createConnection({
          ...config,
          reliableCarrier: both.receiving ? both.reliableFor(both.receiving) : false
        }) : base.createConnection
      });
      const driver = startHost(this, host, both ?? ws, systemClock);
      (both ?? ws).onPeerClosed((address, code) => {
        const id = peerIdAt(host, address);
        const entry = id === void 0 ? void 0 : host.entryById(id);
        if (!entry) return;
        host.removePeer(entry, reasonOf(code), false, driver.clock.now());
        driver.touch();
      });
      const grace = DEFAULTS.connectTimeoutMs + SWEEP_INTERVAL_MS;
      const sweeper = ws;
      this.#sweep = setInterval(() => {
        sweeper.closeUnused((a) => peerIdAt(host, a) !== void 0, grace, "not in the session");
      }, SWEEP_INTERVAL_MS);
      this.#ws = ws;
      this.#localPort = port === void 0 ? 0 : ws.localAddress.port;
      this.#udpPort = udp?.localAddress.port ?? 0;
    } catch (e) {
      await ws?.close();
      await udp?.close();
      abortCreate(this);
      throw e;
    }
  }
  /**
   * Connects to the server at `url` (`ws:`, `wss:`, or `http(s):` mapped to them). Resolves once
   * the socket opened or failed; `connection_succeeded` or `connection_failed` is dispatched by
   * `poll()`. Throws INVALID_ARGUMENT for a bad URL.
   */
  async createClient(url, options = {}) {
    const target2 = toWebSocketUrl(url);
    beginCreate(this);
    let carrier;
    try {
      carrier = WebSocketClientTransport.open(target2, {
        maxBufferedBytes: options.maxBufferedBytes
      });
    } catch (e) {
      abortCreate(this);
      throw e;
    }
    const host = new Host({
      ...peerHostOptions(this),
      role: "client",
      reliableCarrier: true,
      connectTimeoutMs: options.connectTimeoutMs
    });
    const driver = startHost(this, host, carrier, systemClock);
    carrier.onPeerClosed((_address, code, reason) => {
      const now = driver.clock.now();
      const why = `WebSocket closed (code ${code}${reason ? `: ${reason}` : ""})`;
      if (host.status === ConnectionStatus.CONNECTING) {
        host.close(now);
        host.emit({
          type: "connection_failed",
          reason: reasonOf(code),
          message: why
        });
      } else if (host.status === ConnectionStatus.CONNECTED) {
        const server = host.entryById(1);
        if (server) host.removePeer(server, reasonOf(code), false, now);
      }
      driver.touch();
    });
    host.connect(carrier.serverAddress, driver.clock.now());
    driver.touch();
    await carrier.opened;
  }
  /** Says goodbye to every peer, then closes every socket and listener. */
  async close() {
    clearInterval(this.#sweep);
    this.#sweep = void 0;
    this.#ws = void 0;
    await super.close();
  }
};

// examples/browser/client.ts
var encoder2 = new TextEncoder();
var decoder3 = new TextDecoder();
var peers = /* @__PURE__ */ new Set();
var messages = [];
var changed = new EventTarget();
var peer;
var $ = (id) => document.getElementById(id);
function render() {
  $("peers").replaceChildren(...[
    ...peers
  ].sort((a, b) => a - b).map((id) => item(`peer ${id}`)));
  $("messages").replaceChildren(...messages.slice(-50).map((m) => item(`${m.from}: ${m.text}`)));
  changed.dispatchEvent(new Event("change"));
}
function item(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}
function setStatus(text) {
  $("status").textContent = text;
}
async function receiveLoop(p) {
  while (peer === p) {
    await p.poll(1e3);
    let got = false;
    while (p.getAvailablePacketCount() > 0) {
      const from = p.getPacketPeer();
      const mode = p.getPacketMode();
      const data = p.getPacket();
      if (data && messages.length < 1e4) {
        messages.push({
          from,
          text: decoder3.decode(data),
          mode
        });
        got = true;
      }
    }
    if (got) render();
  }
}
function join(url) {
  if (peer) throw new Error("already joined");
  const p = new WebSocketMultiplayerPeer();
  peer = p;
  setStatus("connecting");
  const joined = new Promise((resolve, reject) => {
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
function send(text, target2 = 0, mode = TransferMode.RELIABLE) {
  if (!peer) throw new Error("join first");
  peer.setTargetPeer(target2);
  peer.transferMode = mode;
  peer.putPacket(encoder2.encode(text));
}
function waitUntil(predicate, ms = 1e4) {
  if (predicate()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      changed.removeEventListener("change", check2);
      reject(new Error(`condition not met within ${ms} ms`));
    }, ms);
    function check2() {
      if (!predicate()) return;
      clearTimeout(timer);
      changed.removeEventListener("change", check2);
      resolve();
    }
    changed.addEventListener("change", check2);
  });
}
async function leave() {
  const p = peer;
  peer = void 0;
  await p?.close();
  setStatus("not connected");
}
var api = {
  join,
  send,
  leave,
  waitUntil,
  peers: () => [
    ...peers
  ],
  messages: () => [
    ...messages
  ],
  id: () => peer?.getUniqueId() ?? 0
};
globalThis.netplay = api;
$("url").setAttribute("value", `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
$("join").addEventListener("submit", (event) => {
  event.preventDefault();
  join($("url").value).catch((e) => setStatus(String(e)));
});
$("chat").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("text").value;
  send(text, Number($("target").value) || 0);
  messages.push({
    from: api.id(),
    text: `(me) ${text}`,
    mode: TransferMode.RELIABLE
  });
  render();
});
