// Calibration with @azure/service-bus 7.9.5's ServiceBusAdministrationClient
// (HTTPS only: it builds https://<endpoint>/<queue>?api-version=2021-05, so
// the fixture's self-signed certificate is trusted through
// NODE_EXTRA_CA_CERTS): queue runtime counts from CountDetails, a missing
// queue (HTTP 200 with an empty feed = MessageEntityNotFoundError), a wrong
// key and a key without Manage (401), queue creation over PUT; and the GET the
// project's C++ client sends (sr = https://host/queue, upper-case %XX).
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const crypto = require('crypto');
const { ServiceBusClient, ServiceBusAdministrationClient } = require('@azure/service-bus');
const { startPrivate, request } = require('./lib');

let emu;
// HTTPS needs the fixture's certificate, trusted through NODE_EXTRA_CA_CERTS.
const noHttps = () => (!process.env.NODE_EXTRA_CA_CERTS || !process.env.DI_TEST_SERVERS_DIR) && 'HTTPS needs the fixture (certificate and NODE_EXTRA_CA_CERTS)';
test.before(async () => { emu = await startPrivate(['--sas-rule', 'sender=sk:Send,Listen']); });
test.after(async () => { await emu.stop(); });

test('getQueueRuntimeProperties: active, scheduled and dead-letter counts', { skip: noHttps() }, async () => {
  const q = await emu.createQueue('counts', { lock: 30 });
  const client = new ServiceBusClient(emu.connectionString());
  const admin = new ServiceBusAdministrationClient(emu.adminConnectionString());
  try {
    const sender = client.createSender(q);
    await sender.sendMessages([{ body: 1 }, { body: 2 }, { body: 3 }, { body: 4 }]);
    await sender.scheduleMessages({ body: 'later' }, new Date(Date.now() + 60000));
    const receiver = client.createReceiver(q, { maxAutoLockRenewalDurationInMs: 0 });
    const got = await receiver.receiveMessages(2, { maxWaitTimeInMs: 2000 });
    await receiver.deadLetterMessage(got[0], { deadLetterReason: 'r' });
    // got[1] stays locked: Service Bus counts locked messages as active.
    const p = await admin.getQueueRuntimeProperties(q);
    assert.strictEqual(p.name, q);
    assert.strictEqual(p.activeMessageCount, 3);
    assert.strictEqual(p.scheduledMessageCount, 1);
    assert.strictEqual(p.deadLetterMessageCount, 1);
    assert.strictEqual(p.transferMessageCount, 0);
    assert.strictEqual(p.totalMessageCount, 5);
    assert.ok(p.createdAt instanceof Date && !Number.isNaN(p.createdAt.getTime()));
    const props = await admin.getQueue(q);
    assert.strictEqual(props.lockDuration, 'PT30S');
    assert.strictEqual(props.maxDeliveryCount, 10);
    await receiver.completeMessage(got[1]);
  } finally {
    await client.close();
  }
});

test('a missing queue is HTTP 200 with an empty feed: the SDK says MessageEntityNotFoundError', { skip: noHttps() }, async () => {
  const admin = new ServiceBusAdministrationClient(emu.adminConnectionString());
  await assert.rejects(admin.getQueueRuntimeProperties('no-such-queue'), (e) => {
    assert.strictEqual(e.code, 'MessageEntityNotFoundError');
    assert.strictEqual(e.statusCode, 200);
    return true;
  });
  assert.strictEqual(await admin.queueExists('no-such-queue'), false);
});

test('401 for a wrong key and for a key without Manage', { skip: noHttps() }, async () => {
  const q = await emu.createQueue('auth');
  const wrong = new ServiceBusAdministrationClient(emu.adminConnectionString('not-the-key'));
  await assert.rejects(wrong.getQueueRuntimeProperties(q), (e) => e.statusCode === 401 && e.code === 'UnauthorizedRequestError');
  const sendOnly = new ServiceBusAdministrationClient(emu.adminConnectionString('sk', 'sender'));
  await assert.rejects(sendOnly.getQueueRuntimeProperties(q), (e) => e.statusCode === 401 && /Manage/.test(e.message));
});

test('createQueue over PUT: the new queue takes messages', { skip: noHttps() }, async () => {
  const admin = new ServiceBusAdministrationClient(emu.adminConnectionString());
  const name = `created-${crypto.randomBytes(3).toString('hex')}`;
  const created = await admin.createQueue(name, { lockDuration: 'PT45S', maxDeliveryCount: 4, requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindow: 'PT2M' });
  assert.strictEqual(created.lockDuration, 'PT45S');
  assert.strictEqual(created.maxDeliveryCount, 4);
  assert.strictEqual(created.requiresDuplicateDetection, true);
  await assert.rejects(admin.createQueue(name), (e) => e.statusCode === 409);
  const st = (await emu.state()).queues[name];
  assert.deepStrictEqual([st.settings.lockDurationMs, st.settings.maxDeliveryCount, st.settings.duplicateDetectionMs], [45000, 4, 120000]);
  const client = new ServiceBusClient(emu.connectionString());
  try {
    await client.createSender(name).sendMessages({ body: 'x' });
  } finally { await client.close(); }
  assert.strictEqual((await admin.getQueueRuntimeProperties(name)).activeMessageCount, 1);
});

test("the project's REST GET (plain HTTP here): sr = https://host/queue with upper-case escapes, key text as HMAC key", async () => {
  const q = await emu.createQueue('cpp');
  const resource = `https://127.0.0.1/${q}`;
  // di::queue::sb::UrlEncode + SasToken (src/queue/servicebus_frames.cpp).
  const enc = (t) => [...Buffer.from(t)].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  const se = Math.floor(Date.now() / 1000) + 300;
  const sig = crypto.createHmac('sha256', 'c2VydmljZWJ1cy1zaW0ta2V5').update(`${enc(resource)}\n${se}`).digest('base64');
  const token = `SharedAccessSignature sr=${enc(resource)}&sig=${enc(sig)}&se=${se}&skn=RootManageSharedAccessKey`;
  const ok = await request(emu.httpPort, 'GET', `/${q}?api-version=2021-05`, { Authorization: token, Accept: 'application/atom+xml' });
  assert.strictEqual(ok.status, 200);
  assert.match(ok.text, /<CountDetails xmlns:d2p1="[^"]+"><d2p1:ActiveMessageCount>0<\/d2p1:ActiveMessageCount>/);
  const other = await request(emu.httpPort, 'GET', '/nope?api-version=2021-05', { Authorization: token });
  assert.strictEqual(other.status, 401, 'the token for one queue does not cover another path');
  const root = `https://127.0.0.1/`;
  const rootSig = crypto.createHmac('sha256', 'c2VydmljZWJ1cy1zaW0ta2V5').update(`${enc(root)}\n${se}`).digest('base64');
  const rootToken = `SharedAccessSignature sr=${enc(root)}&sig=${enc(rootSig)}&se=${se}&skn=RootManageSharedAccessKey`;
  const feed = await request(emu.httpPort, 'GET', '/nope?api-version=2021-05', { Authorization: rootToken });
  assert.strictEqual(feed.status, 200);
  assert.match(feed.text, /^<\?xml[^>]*><feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
  assert.doesNotMatch(feed.text, /<entry/);
  const none = await request(emu.httpPort, 'GET', `/${q}?api-version=2021-05`, {});
  assert.strictEqual(none.status, 401);
});
