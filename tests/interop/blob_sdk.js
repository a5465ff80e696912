// Microsoft's @azure/storage-blob (12.29.1, tests/interop/package-lock.json) on
// the other end of diamond-ingest's watermark blob, for
// tests/cloud/blob_interop_test.cpp.
//   node blob_sdk.js read CONTAINER BLOB
//     prints {exists, body, etag, contentType}
//   node blob_sdk.js write CONTAINER BLOB BODY [ETAG]
//     uploads BODY (a JSON document, content type application/json) only if
//     the blob's ETag is still ETAG (If-Match), or with ETAG "none" only if the
//     blob does not exist (If-None-Match: *); prints {ok: true, etag} or
//     {ok: false, status, code} when the service refused the precondition.
// The connection string is $AZURE_STORAGE_CONNECTION_STRING.
'use strict';

const { BlobServiceClient } = require('@azure/storage-blob');

async function main() {
  const [command, container, blob, body, etag] = process.argv.slice(2);
  const cs = process.env.AZURE_STORAGE_CONNECTION_STRING;
  if (!cs || !container || !blob) throw new Error('usage: node blob_sdk.js read|write CONTAINER BLOB [BODY [ETAG]]');
  const client = BlobServiceClient.fromConnectionString(cs).getContainerClient(container).getBlockBlobClient(blob);
  if (command === 'read') {
    try {
      const r = await client.downloadToBuffer();
      const props = await client.getProperties();
      process.stdout.write(`${JSON.stringify({
        exists: true, body: r.toString('utf8'), etag: props.etag, contentType: props.contentType,
      })}\n`);
    } catch (e) {
      if (e.statusCode !== 404) throw e;
      process.stdout.write(`${JSON.stringify({ exists: false })}\n`);
    }
  } else if (command === 'write') {
    const conditions = etag === 'none' ? { ifNoneMatch: '*' } : etag ? { ifMatch: etag } : {};
    try {
      const r = await client.upload(body, Buffer.byteLength(body), {
        conditions, blobHTTPHeaders: { blobContentType: 'application/json' },
      });
      process.stdout.write(`${JSON.stringify({ ok: true, etag: r.etag })}\n`);
    } catch (e) {
      if (!e.statusCode || e.statusCode < 400 || e.statusCode >= 500) throw e;
      process.stdout.write(`${JSON.stringify({ ok: false, status: e.statusCode, code: e.code })}\n`);
    }
  } else {
    throw new Error(`unknown command ${command}`);
  }
}

main().catch((e) => { process.stderr.write(`blob_sdk: ${e.stack || e}\n`); process.exit(3); });
