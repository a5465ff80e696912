// Shared access signatures as Service Bus checks them:
//   SharedAccessSignature sr=<url-encoded resource>&sig=<url-encoded base64 HMAC-SHA256>&se=<unix expiry>&skn=<rule name>
// The signature is HMAC-SHA256, keyed with the rule's key text (its UTF-8
// bytes, not its base64-decoded value), over "<sr as it appears in the
// token>\n<se>". A token covers every entity at or below its resource path;
// the scheme (sb, amqps, https, http) and the port do not matter, the host and
// path are compared case-insensitively.
'use strict';

const crypto = require('crypto');

function parseToken(text) {
  if (typeof text !== 'string') return undefined;
  const m = /^SharedAccessSignature\s+(.*)$/.exec(text.trim());
  if (!m) return undefined;
  const fields = {};
  for (const part of m[1].split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq)] = part.slice(eq + 1);
  }
  if (!fields.sr || !fields.sig || !fields.se || !fields.skn) return undefined;
  return fields;
}

function safeDecode(s) {
  try { return decodeURIComponent(s); } catch { return s; }
}

// "sb://host:5671/a/b?x=y" -> {host: "host", path: ["a", "b"]} (lower case).
function resourceOf(uri) {
  let text = String(uri).trim();
  const q = text.indexOf('?');
  if (q >= 0) text = text.slice(0, q);
  const scheme = text.indexOf('://');
  if (scheme >= 0) text = text.slice(scheme + 3);
  const slash = text.indexOf('/');
  const hostPort = slash >= 0 ? text.slice(0, slash) : text;
  const rest = slash >= 0 ? text.slice(slash + 1) : '';
  let host = hostPort.toLowerCase();
  if (host.startsWith('[')) host = host.slice(0, host.indexOf(']') + 1);
  else if (host.includes(':')) host = host.slice(0, host.lastIndexOf(':'));
  return { host, path: rest.split('/').filter((p) => p.length > 0).map((p) => p.toLowerCase()) };
}

// Whether RESOURCE (a token's sr or a put-token audience) covers TARGET.
function covers(resource, target, namespaceHost) {
  const r = resourceOf(resource);
  const t = resourceOf(target);
  if (namespaceHost && r.host !== namespaceHost.toLowerCase()) return false;
  if (r.host !== t.host && t.host !== '') return false;
  if (r.path.length > t.path.length) return false;
  return r.path.every((p, i) => p === t.path[i]);
}

// Whether RESOURCE covers the entity path ENTITY ("q", "q/$management", ...).
function coversEntity(resource, entity, namespaceHost) {
  const r = resourceOf(resource);
  if (namespaceHost && r.host !== namespaceHost.toLowerCase()) return false;
  const t = entity.split('/').filter((p) => p.length > 0).map((p) => p.toLowerCase());
  if (r.path.length > t.length) return false;
  return r.path.every((p, i) => p === t[i]);
}

function sign(key, stringToSign) {
  return crypto.createHmac('sha256', Buffer.from(key, 'utf8')).update(stringToSign).digest('base64');
}

// Verifies TEXT against RULES (Map name -> {key, rights}). Returns
// {ok: true, resource, expiresAt (ms), rights, keyName} or {ok: false, why}.
function verifyToken(text, rules, nowMs) {
  const f = parseToken(text);
  if (!f) return { ok: false, why: 'InvalidToken: the token is not a SharedAccessSignature' };
  const rule = rules.get(safeDecode(f.skn));
  if (!rule) return { ok: false, why: `InvalidSignature: no authorization rule named '${safeDecode(f.skn)}'` };
  const expected = sign(rule.key, `${f.sr}\n${f.se}`);
  const given = safeDecode(f.sig);
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) {
    return { ok: false, why: 'InvalidSignature: The token has an invalid signature.' };
  }
  const expiresAt = Number(f.se) * 1000;
  if (!Number.isFinite(expiresAt)) return { ok: false, why: 'InvalidToken: se is not a number' };
  if (expiresAt <= nowMs) {
    return { ok: false, why: `ExpiredToken: The token is expired. Expiration time: '${new Date(expiresAt).toISOString()}'` };
  }
  return { ok: true, resource: safeDecode(f.sr), expiresAt, rights: rule.rights, keyName: safeDecode(f.skn) };
}

module.exports = { parseToken, verifyToken, covers, coversEntity, resourceOf, sign };
