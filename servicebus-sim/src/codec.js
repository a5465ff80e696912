// AMQP 1.0 message bytes as Service Bus handles them: a message is kept as the
// sections the sender wrote, and on delivery the broker writes a new header
// (delivery-count) and message annotations (x-opt-*), drops the sender's
// delivery annotations, and keeps properties, application properties, body and
// footer byte for byte. Pure functions over Buffers (rhea's codec).
'use strict';

const rhea = require('rhea');

const { types } = rhea;
const rheaMessage = rhea.message;

const HEADER = 0x70;
const DELIVERY_ANNOTATIONS = 0x71;
const MESSAGE_ANNOTATIONS = 0x72;
const PROPERTIES = 0x73;
const APPLICATION_PROPERTIES = 0x74;

const SYMBOLIC_CODES = {
  'amqp:header:list': 0x70,
  'amqp:delivery-annotations:map': 0x71,
  'amqp:message-annotations:map': 0x72,
  'amqp:properties:list': 0x73,
  'amqp:application-properties:map': 0x74,
  'amqp:data:binary': 0x75,
  'amqp:amqp-sequence:list': 0x76,
  'amqp:value:*': 0x77,
  'amqp:footer:map': 0x78,
};

// rhea hands a format-0 transfer to the 'message' event already decoded; the
// raw bytes are kept on the decoded message (non-enumerable) so the broker can
// store the sections exactly as sent.
function keepRawBytesOnDecode() {
  if (rheaMessage.decode.keepsRaw) return;
  const decode = rheaMessage.decode;
  rheaMessage.decode = function decodeKeepingRaw(buffer) {
    const m = decode(buffer);
    Object.defineProperty(m, 'raw', { value: Buffer.from(buffer), enumerable: false });
    return m;
  };
  rheaMessage.decode.keepsRaw = true;
}

function sectionCode(descriptor) {
  if (descriptor === undefined) return undefined;
  const v = descriptor.value !== undefined ? descriptor.value : descriptor;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return SYMBOLIC_CODES[v];
  if (Buffer.isBuffer(v)) return v.readUInt32BE(4);  // ulong as 8 bytes
  return Number(v);
}

// Splits BUFFER into [{code, bytes, value}] (value: the decoded Typed section).
function splitSections(buffer) {
  const reader = new types.Reader(buffer);
  const sections = [];
  while (reader.remaining()) {
    const start = reader.position;
    const s = reader.read();
    sections.push({ code: sectionCode(s.descriptor), bytes: buffer.subarray(start, reader.position), value: s });
  }
  return sections;
}

// The map sections (annotations, application properties) as [keyTyped, valueTyped] pairs.
function mapPairs(section) {
  if (!section) return [];
  const items = section.value.value || [];
  const pairs = [];
  for (let i = 0; i + 1 < items.length; i += 2) pairs.push([items[i], items[i + 1]]);
  return pairs;
}

function encodeSection(code, typed) {
  const w = new types.Writer();
  w.write(types.described(types.wrap_ulong(code), typed));
  return Buffer.from(w.toBuffer());
}

function encodeMap(code, pairs) {
  const items = [];
  for (const [k, v] of pairs) items.push(k, v);
  return encodeSection(code, types.Map32(items));
}

function headerFields(section) {
  if (!section) return {};
  const v = types.unwrap(section.value);
  if (!Array.isArray(v)) return v || {};
  const f = {};
  const names = ['durable', 'priority', 'ttl', 'first_acquirer', 'delivery_count'];
  names.forEach((n, i) => { if (v[i] !== undefined && v[i] !== null) f[n] = v[i]; });
  return f;
}

// A stored message: the sender's bytes cut into what the broker rewrites and
// what it keeps.
class StoredMessage {
  constructor(raw) {
    const sections = splitSections(raw);
    const by = (code) => sections.find((s) => s.code === code);
    const header = by(HEADER);
    this.header = headerFields(header);
    this.annotations = mapPairs(by(MESSAGE_ANNOTATIONS));  // [keyTyped, valueTyped]
    this.properties = by(PROPERTIES);
    this.appProperties = by(APPLICATION_PROPERTIES);
    // Body and footer, kept as bytes.
    this.tail = Buffer.concat(sections.filter((s) => s.code > APPLICATION_PROPERTIES).map((s) => s.bytes));
    this.size = raw.length;
    this.decoded = rheaMessage.decode(raw);
  }

  // Service Bus gives a message without a message-id one of its own (32 hex digits).
  assignMessageIdIfMissing(id) {
    if (this.decoded.message_id !== undefined && this.decoded.message_id !== null) return;
    const items = this.properties ? [...(this.properties.value.value || [])] : [];
    items[0] = types.wrap_string(id);
    for (let i = 0; i < items.length; i++) if (items[i] === undefined) items[i] = types.Null();
    const bytes = encodeSection(PROPERTIES, types.List32(items));
    this.properties = { code: PROPERTIES, bytes, value: splitSections(bytes)[0].value };
    this.decoded.message_id = id;
  }

  get messageId() { return this.decoded.message_id; }
  get ttlMs() { return this.header && this.header.ttl !== undefined ? Number(this.header.ttl) : undefined; }

  annotation(name) {
    for (const [k, v] of this.annotations) if (String(types.unwrap(k)) === name) return types.unwrap(v);
    return undefined;
  }

  setAnnotation(name, typed) {
    const i = this.annotations.findIndex(([k]) => String(types.unwrap(k)) === name);
    if (i >= 0) this.annotations[i] = [types.wrap_symbol(name), typed];
    else this.annotations.push([types.wrap_symbol(name), typed]);
  }

  appProperty(name) {
    for (const [k, v] of mapPairs(this.appProperties)) if (String(types.unwrap(k)) === name) return types.unwrap(v);
    return undefined;
  }

  // Sets application properties from a plain object (strings, numbers, booleans,
  // Dates) or Typed values, replacing keys that exist.
  mergeAppProperties(obj) {
    const pairs = mapPairs(this.appProperties);
    for (const [name, value] of Object.entries(obj)) {
      if (value === undefined || value === null) continue;
      const typed = value instanceof Object && typeof value.toRheaTyped === 'function' ? value : types.wrap(value);
      const i = pairs.findIndex(([k]) => String(types.unwrap(k)) === name);
      if (i >= 0) pairs[i] = [types.wrap_string(name), typed];
      else pairs.push([types.wrap_string(name), typed]);
    }
    const bytes = encodeMap(APPLICATION_PROPERTIES, pairs);
    this.appProperties = { code: APPLICATION_PROPERTIES, bytes, value: splitSections(bytes)[0].value };
  }

  // The bytes of one delivery: header with DELIVERY_COUNT (and the sender's
  // durable/priority/ttl), the stored annotations plus EXTRA ([name, Typed]),
  // then properties, application properties, body and footer as stored.
  encode(deliveryCount, extra) {
    const h = this.header || {};
    const fields = [
      h.durable === undefined ? null : types.wrap_boolean(Boolean(h.durable)),
      h.priority === undefined ? null : types.wrap_ubyte(Number(h.priority)),
      h.ttl === undefined ? null : types.wrap_uint(Number(h.ttl)),
      null,  // first-acquirer: Service Bus leaves it unset (false)
      types.wrap_uint(deliveryCount),
    ].map((f) => (f === null ? types.Null() : f));
    const parts = [encodeSection(HEADER, types.wrap_list(fields))];
    const ann = this.annotations.slice();
    for (const [name, typed] of extra) {
      const i = ann.findIndex(([k]) => String(types.unwrap(k)) === name);
      if (i >= 0) ann[i] = [types.wrap_symbol(name), typed];
      else ann.push([types.wrap_symbol(name), typed]);
    }
    if (ann.length) parts.push(encodeMap(MESSAGE_ANNOTATIONS, ann));
    if (this.properties) parts.push(this.properties.bytes);
    if (this.appProperties) parts.push(this.appProperties.bytes);
    parts.push(this.tail);
    return Buffer.concat(parts);
  }
}

// The messages of one transfer: format 0 is one message; format 0x80013700 (the
// Service Bus batch) is an envelope whose data sections each hold one message.
const BATCH_FORMAT = 0x80013700;
function messagesOfTransfer(raw, format) {
  if (!format) return [raw];
  if (format !== BATCH_FORMAT) throw new Error(`unsupported message format 0x${format.toString(16)}`);
  return splitSections(raw).filter((s) => s.code === 0x75).map((s) => Buffer.from(types.unwrap(s.value)));
}

// A string key for a message-id of any AMQP type (duplicate detection).
function messageIdKey(id) {
  if (id === undefined || id === null) return undefined;
  if (Buffer.isBuffer(id)) return 'b:' + id.toString('hex');
  if (typeof id === 'object' && id.value !== undefined) return messageIdKey(id.value);
  return String(typeof id) + ':' + String(id);
}

// Lock tokens: the uuid text is what the SDKs show; the delivery tag carries the
// 16 bytes in .NET Guid order (first three fields little-endian).
const DOTNET_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
function uuidBytes(text) { return Buffer.from(text.replace(/-/g, ''), 'hex'); }
function uuidText(bytes) {
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
function dotnetOrder(bytes) { return Buffer.from(DOTNET_ORDER.map((i) => bytes[i])); }
function deliveryTagForLockToken(text) { return dotnetOrder(uuidBytes(text)); }
function lockTokenFromDeliveryTag(tag) { return uuidText(dotnetOrder(tag)); }

module.exports = {
  keepRawBytesOnDecode, StoredMessage, messagesOfTransfer, messageIdKey, splitSections,
  deliveryTagForLockToken, lockTokenFromDeliveryTag, uuidText, uuidBytes, BATCH_FORMAT,
};
