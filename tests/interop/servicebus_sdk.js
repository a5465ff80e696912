// Microsoft's @azure/service-bus (7.9.5, servicebus-sim/package-lock.json) on
// the other end of diamond-ingest's queues, for tests/roles/servicebus_interop_test.cpp.
//   node servicebus_sdk.js take QUEUE COUNT TIMEOUT_MS
//     receives COUNT messages in peek-lock mode and completes them; prints one
//     JSON line per message {messageId, body, contentType, deliveryCount,
//     enqueuedAt, scheduledAt, receivedAt} (times in ms since the epoch). Exits
//     1 when a message is not what the SDK expects of a JSON message sent by
//     diamond-ingest (body a string holding a JSON object, contentType
//     application/json, first delivery), 2 when fewer than COUNT arrived.
//   node servicebus_sdk.js send QUEUE
//     reads JSON lines {messageId, body} on stdin (body: JSON text) and sends
//     each as an SDK user would: the parsed object as the body (the SDK encodes
//     it as JSON in a data section), messageId, contentType application/json.
// The connection string is $SB_CONNECTION_STRING.
'use strict';

const { ServiceBusClient } = require('@azure/service-bus');

function fail(code, why) {
  process.stderr.write(`servicebus_sdk: ${why}\n`);
  process.exit(code);
}

async function take(client, queue, count, timeoutMs) {
  const receiver = client.createReceiver(queue, { receiveMode: 'peekLock' });
  const deadline = Date.now() + timeoutMs;
  let got = 0;
  while (got < count && Date.now() < deadline) {
    const batch = await receiver.receiveMessages(count - got, { maxWaitTimeInMs: 500 });
    for (const m of batch) {
      const receivedAt = Date.now();
      if (typeof m.body !== 'string') fail(1, `${m.messageId}: body is a ${typeof m.body}, not a string`);
      let parsed;
      try { parsed = JSON.parse(m.body); } catch (e) { fail(1, `${m.messageId}: body is not JSON: ${e.message}`); }
      if (parsed === null || typeof parsed !== 'object') fail(1, `${m.messageId}: body is not a JSON object`);
      if (m.contentType !== 'application/json') fail(1, `${m.messageId}: contentType ${m.contentType}`);
      if (m.deliveryCount !== 0) fail(1, `${m.messageId}: deliveryCount ${m.deliveryCount} on a first delivery`);
      if (typeof m.messageId !== 'string' || m.messageId === '') fail(1, 'a message without a message-id');
      await receiver.completeMessage(m);
      process.stdout.write(`${JSON.stringify({
        messageId: m.messageId, body: m.body, contentType: m.contentType, deliveryCount: m.deliveryCount,
        enqueuedAt: m.enqueuedTimeUtc ? m.enqueuedTimeUtc.getTime() : null,
        scheduledAt: m.scheduledEnqueueTimeUtc ? m.scheduledEnqueueTimeUtc.getTime() : null,
        receivedAt,
      })}\n`);
      got++;
    }
  }
  await receiver.close();
  if (got < count) fail(2, `received ${got} of ${count} messages from ${queue}`);
}

async function send(client, queue) {
  const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const sender = client.createSender(queue);
  for (const line of lines) {
    const { messageId, body } = JSON.parse(line);
    await sender.sendMessages({ messageId, body: JSON.parse(body), contentType: 'application/json' });
  }
  await sender.close();
  process.stdout.write(`${JSON.stringify({ sent: lines.length })}\n`);
}

async function main() {
  const [command, queue, count, timeoutMs] = process.argv.slice(2);
  const cs = process.env.SB_CONNECTION_STRING;
  if (!cs || !queue) fail(64, 'usage: SB_CONNECTION_STRING=... node servicebus_sdk.js take|send QUEUE [COUNT TIMEOUT_MS]');
  const client = new ServiceBusClient(cs, { retryOptions: { maxRetries: 2, retryDelayInMs: 200 } });
  try {
    if (command === 'take') await take(client, queue, Number(count), Number(timeoutMs));
    else if (command === 'send') await send(client, queue);
    else fail(64, `unknown command ${command}`);
  } finally {
    await client.close();
  }
}

main().catch((e) => fail(3, e.stack || String(e)));
