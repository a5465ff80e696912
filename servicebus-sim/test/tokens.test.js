// Claims-based security as Service Bus enforces it, checked with raw AMQP
// (frames the SDK never sends wrong) and with @azure/service-bus 7.9.5 (token
// refresh, recovery after a token expired on its links):
// - put-token: signature, expiry, audience coverage (401 otherwise);
// - a link on an entity without a valid covering token is refused;
// - a connection that has not put a valid token within the allowed time
//   (20 s on Service Bus, 1.5 s here) is closed;
// - links are detached when the token they were attached with expires and no
//   newer token covers them.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { ServiceBusClient } = require('@azure/service-bus');
const {
  startPrivate, sleep, waitFor, sasToken, rawConnect, requestLink, putToken, attachOutcome, KEY_NAME,
} = require('./lib');

let emu;
test.before(async () => { emu = await startPrivate(['--cbs-auth-timeout', '1.5', '--sas-rule', 'listen-only=lk:Listen']); });
test.after(async () => { await emu.stop(); });

const now = () => Math.floor(Date.now() / 1000);

test('put-token checks signature, expiry, audience; links need a covering token with the right claim', async () => {
  const q = await emu.createQueue('cbs');
  const other = await emu.createQueue('cbs-other');
  const conn = await rawConnect(emu.amqpPort);
  try {
    const cbs = requestLink(conn, '$cbs');
    const aud = `sb://127.0.0.1/${q}`;
    assert.strictEqual((await putToken(cbs, aud, sasToken(aud, now() + 60, 'wrong-key')))['status-code'], 401);
    assert.strictEqual((await putToken(cbs, aud, sasToken(aud, now() - 5)))['status-code'], 401, 'expired');
    assert.strictEqual((await putToken(cbs, aud, sasToken(`sb://127.0.0.1/${other}`, now() + 60)))['status-code'], 401,
      'a token for another entity does not cover this audience');
    assert.strictEqual((await putToken(cbs, aud, 'not a token'))['status-code'], 401);

    const refused = conn.open_receiver({ source: { address: q } });
    const err = await attachOutcome(refused);
    assert.strictEqual(err.condition, 'amqp:unauthorized-access', 'no token: the attach is refused');

    const ok = await putToken(cbs, aud, sasToken(aud, now() + 60));
    assert.deepStrictEqual([ok['status-code'], ok['status-description']], [202, 'Accepted']);
    assert.strictEqual(await attachOutcome(conn.open_receiver({ source: { address: q } })), 'open');
    assert.strictEqual(await attachOutcome(conn.open_receiver({ source: { address: `${q}/$DeadLetterQueue` } })), 'open',
      'an entity token covers its dead-letter queue');
    assert.strictEqual(await attachOutcome(conn.open_sender({ target: { address: `${q}/$management` } })), 'open',
      'and its $management node');
    assert.strictEqual((await attachOutcome(conn.open_receiver({ source: { address: other } }))).condition,
      'amqp:unauthorized-access', 'a token covers only its own path');

    const root = 'sb://127.0.0.1/';
    assert.strictEqual((await putToken(cbs, root, sasToken(root, now() + 60)))['status-code'], 202);
    assert.strictEqual(await attachOutcome(conn.open_receiver({ source: { address: other } })), 'open', 'a namespace token covers all');
    assert.strictEqual((await attachOutcome(conn.open_receiver({ source: { address: 'no-such-queue' } }))).condition, 'amqp:not-found');
  } finally {
    conn.close();
  }

  // A rule with Listen only: receive yes, send no.
  const conn2 = await rawConnect(emu.amqpPort);
  try {
    const cbs = requestLink(conn2, '$cbs');
    const aud = `sb://127.0.0.1/${q}`;
    assert.strictEqual((await putToken(cbs, aud, sasToken(aud, now() + 60, 'lk', 'listen-only')))['status-code'], 202);
    assert.strictEqual(await attachOutcome(conn2.open_receiver({ source: { address: q } })), 'open');
    const e = await attachOutcome(conn2.open_sender({ target: { address: q } }));
    assert.strictEqual(e.condition, 'amqp:unauthorized-access');
    assert.match(e.description, /'Send' claim/);
  } finally {
    conn2.close();
  }
});

test('a connection without a valid token is closed after the allowed time; one with a token stays', async () => {
  const idle = await rawConnect(emu.amqpPort);
  const authed = await rawConnect(emu.amqpPort);
  const cbs = requestLink(authed, '$cbs');
  const aud = 'sb://127.0.0.1/';
  assert.strictEqual((await putToken(cbs, aud, sasToken(aud, now() + 60)))['status-code'], 202);
  const closed = await new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), 4000);
    idle.once('connection_close', (ctx) => { clearTimeout(t); resolve(ctx.connection.error || 'closed'); });
    idle.once('disconnected', () => { clearTimeout(t); resolve('disconnected'); });
  });
  assert.ok(closed && closed.condition === 'amqp:unauthorized-access', `closed with ${JSON.stringify(closed)}`);
  assert.ok(authed.is_open(), 'the authenticated connection stays open');
  authed.close();
  const plain = await rawConnect(emu.amqpPort, { user: KEY_NAME, password: 'c2VydmljZWJ1cy1zaW0ta2V5' });
  await sleep(2000);
  assert.ok(plain.is_open(), 'SASL PLAIN with a rule name/key needs no token (local convenience)');
  plain.close();
  assert.ok((await emu.state()).counters.unauthenticatedConnectionsClosed >= 1);
});

// A TokenCredential whose tokens are SAS tokens valid for LIFETIME seconds
// while it tells the SDK they expire at EXPIRES_IN (the SDK refreshes a
// credential's token 2 minutes before expiresOnTimestamp).
function credential(lifetimeSec, claimedMs) {
  const calls = [];
  return {
    calls,
    async getToken() {
      const se = now() + lifetimeSec;
      calls.push(Date.now());
      return { token: sasToken('sb://127.0.0.1/', se), expiresOnTimestamp: Date.now() + claimedMs };
    },
  };
}

test('the SDK refreshes short-lived tokens before they expire: no link detached for expiry', async (t) => {
  if (!emu.amqpsPort) return t.skip('no AMQPS port (no certificate: run under the fixture)');
  const q = await emu.createQueue('refresh');
  const cred = credential(4, 120000 + 2000);  // renewed every ~2 s, valid 4 s
  const client = new ServiceBusClient(`127.0.0.1:${emu.amqpsPort}`, cred);
  try {
    const sender = client.createSender(q);
    const receiver = client.createReceiver(q);
    await sender.sendMessages({ body: 1 });
    assert.strictEqual((await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 })).length, 1);
    await sleep(9000);
    await sender.sendMessages({ body: 2 });
    const got = await receiver.receiveMessages(5, { maxWaitTimeInMs: 2000 });
    assert.ok(got.length >= 1);
    const st = await emu.state();
    assert.strictEqual(st.queues[q].counters.tokenExpiryDetaches, 0);
    assert.ok(cred.calls.length >= 6, `tokens asked: ${cred.calls.length}`);
  } finally {
    await client.close();
  }
});

test('a token that expires on its links detaches them; the SDK puts a new token and re-attaches', async (t) => {
  if (!emu.amqpsPort) return t.skip('no AMQPS port (no certificate: run under the fixture)');
  const q = await emu.createQueue('expire');
  const cred = credential(2, 3600 * 1000);  // valid 2 s, the SDK believes 1 h: no refresh
  // After a server-side detach the SDK closes the old link's session; its
  // session_close handler can close the link re-created meanwhile (an SDK
  // race), which costs one retry: retries are made short here (default 30 s).
  const client = new ServiceBusClient(`127.0.0.1:${emu.amqpsPort}`, cred, { retryOptions: { retryDelayInMs: 200, maxRetryDelayInMs: 1000 } });
  try {
    const sender = client.createSender(q);
    await sender.sendMessages({ body: 1 });
    await waitFor('the sender detached at token expiry', async () => (await emu.queueState(q)).counters.tokenExpiryDetaches >= 1, 5000);
    await sender.sendMessages({ body: 2 });
    const st = await emu.queueState(q);
    assert.strictEqual(st.counts.active, 2, 'the send after the detach went through on a re-attached link');
    assert.ok(st.counters.linksAttachedByKind.send >= 2);
  } finally {
    await client.close();
  }
});
