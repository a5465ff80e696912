// Calibration with @azure/service-bus 7.9.5: links idle for N seconds are
// force-detached (amqp:link:detach-forced) and the connection stays; a
// renew-lock over $management that names the receiver (associated-link-name)
// is activity of that receiver; a message can be held across several
// detaches of its receiver and still be completed (the SDK then settles by
// lock token over $management: com.microsoft:update-disposition).
// Private instances: the idle timeout is a global knob.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { ServiceBusClient } = require('@azure/service-bus');
const { startPrivate, sleep, waitFor } = require('./lib');

test('renewals with associated-link-name keep the receiver attached through several idle periods', async () => {
  const emu = await startPrivate(['--idle-timeout', '2']);
  const client = new ServiceBusClient(emu.connectionString());
  try {
    const q = await emu.createQueue('held-alive', { lock: 1.2 });
    await client.createSender(q).sendMessages({ body: 'long job', messageId: 'long' });
    // Default receiver: the SDK renews the lock at half its remaining time
    // (every ~0.6 s here), naming its receiver link in each request.
    const receiver = client.createReceiver(q);
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await sleep(6500);  // more than three idle periods
    await receiver.completeMessage(m);
    const st = await emu.queueState(q);
    assert.strictEqual(st.counters.idleDetachesByKind.receive, 0, 'the receiver was never idle');
    assert.ok(st.counters.idleDetachesByKind.send >= 1, 'the sender, unused after the send, was detached');
    assert.ok(st.counters.renewLockRequests >= 5, `renewals: ${st.counters.renewLockRequests}`);
    assert.strictEqual(st.counters.renewLockRequests, st.counters.renewLockRequestsWithLinkName,
      'the SDK names the receiver in every renew-lock');
    assert.strictEqual(st.counters.lockExpiries, 0);
    assert.strictEqual(st.counters.deliveries, 1, 'no delivery wasted');
    assert.strictEqual(st.counters.completed, 1);
    assert.strictEqual(st.counters.updateDispositions, 0, 'settled on its own link');
    const s = await emu.state();
    assert.strictEqual(s.counters.connectionsOpened, 1, 'idle detaches never close the connection');
  } finally {
    await client.close();
    await emu.stop();
  }
});

test('a lock held across several detaches of its receiver is still completed (update-disposition), then the receiver re-attaches', async () => {
  const emu = await startPrivate(['--idle-timeout', '1']);
  const client = new ServiceBusClient(emu.connectionString());
  try {
    const q = await emu.createQueue('held-detached', { lock: 3 });
    await client.createSender(q).sendMessages([{ body: 'held', messageId: 'held' }, { body: 'next', messageId: 'next' }]);
    // maxAutoLockRenewalDurationInMs default: renewals every ~1.5 s, longer than
    // the idle timeout, so the receiver link is detached between them.
    const receiver = client.createReceiver(q);
    const [held] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    assert.strictEqual(held.body, 'held');
    await waitFor('the receiver detached', async () => (await emu.queueState(q)).counters.idleDetachesByKind.receive >= 1, 5000);
    await sleep(4500);  // four more idle periods, one and a half lock durations
    const mid = await emu.queueState(q);
    assert.strictEqual(mid.counters.lockExpiries, 0, 'the SDK kept renewing by lock token after its link was gone');
    assert.ok(mid.counters.lockRenewals >= 2, `renewals: ${mid.counters.lockRenewals}`);

    await receiver.completeMessage(held);
    const st = await emu.queueState(q);
    assert.strictEqual(st.counters.updateDispositions, 1, 'completed by lock token over $management');
    assert.strictEqual(st.counters.completed, 1);
    assert.strictEqual(st.counters.deliveries, 1);

    const [next] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    assert.strictEqual(next && next.body, 'next', 'the receiver re-attached on the next receive');
    await receiver.completeMessage(next);
    const end = await emu.queueState(q);
    assert.ok(end.counters.linksAttachedByKind.receive >= 2);
    assert.strictEqual(end.counts.active, 0);
    assert.strictEqual(end.counters.deliveries, 2, 'no delivery wasted');
    assert.strictEqual((await emu.state()).counters.connectionsOpened, 1);
  } finally {
    await client.close();
    await emu.stop();
  }
});

test('streaming receiver: a forced detach re-attaches the link, but the SDK stops renewing the held lock (a delivery is lost)', async () => {
  // What the official client does, recorded so the project's client can be
  // held to a better standard: streamingReceiver stops every auto-renewal of
  // its link on detach (this._lockRenewer.stopAll), so the held lock expires
  // and the message comes back with delivery count + 1.
  const emu = await startPrivate(['--idle-timeout', '0']);
  const client = new ServiceBusClient(emu.connectionString());
  try {
    const q = await emu.createQueue('streaming', { lock: 2 });
    await client.createSender(q).sendMessages({ body: 'job', messageId: 'job' });
    const receiver = client.createReceiver(q);
    const seen = [];
    const sub = receiver.subscribe({
      processMessage: async (m) => { seen.push(m.deliveryCount); if (seen.length === 1) await sleep(4000); },
      processError: async () => {},
    }, { maxConcurrentCalls: 1, autoCompleteMessages: false });
    await waitFor('first delivery', async () => seen.length === 1, 5000);
    await sleep(300);
    const r = await emu.admin('POST', `/admin/detach?queue=${q}&kind=receive`);
    assert.strictEqual(r.detached, 1);
    await waitFor('redelivery after the lock expired', async () => seen.length >= 2, 8000);
    const st = await emu.queueState(q);
    assert.deepStrictEqual(seen.slice(0, 2), [0, 1]);
    assert.strictEqual(st.counters.lockExpiries, 1);
    assert.ok(st.counters.linksAttachedByKind.receive >= 2, 'the SDK re-attached its receiver');
    await sub.close();
  } finally {
    await client.close();
    await emu.stop();
  }
});
