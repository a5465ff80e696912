// Usage: node schema_check.js SCHEMA.graphql QUERIES.json
// Fails (exit 1) unless SCHEMA is valid SDL and every query validates against it.
'use strict';
const fs = require('fs');
let graphql;
try { graphql = require('graphql'); } catch (e) { graphql = require('/usr/share/nodejs/graphql'); }

const [schemaPath, queriesPath] = process.argv.slice(2);
const schema = graphql.buildSchema(fs.readFileSync(schemaPath, 'utf8'));
const schemaErrors = graphql.validateSchema(schema);
if (schemaErrors.length) {
  console.error('invalid schema:', schemaErrors.map(String).join('\n'));
  process.exit(1);
}
const queries = JSON.parse(fs.readFileSync(queriesPath, 'utf8'));
if (!Array.isArray(queries) || queries.length === 0) {
  console.error('no queries to check');
  process.exit(1);
}
let failed = 0;
for (const text of queries) {
  let errors;
  try {
    errors = graphql.validate(schema, graphql.parse(text));
  } catch (e) {
    errors = [e];  // a syntax error in the client's document
  }
  if (errors.length) {
    failed++;
    console.error('query does not validate:\n' + text + '\n' + errors.map(String).join('\n'));
  }
}
// A negative control: a field that does not exist must be rejected.
const bogus = graphql.validate(schema, graphql.parse('{ as(token: "t") { no_such_field } }'));
if (bogus.length === 0) {
  console.error('schema accepted a query for a field it does not define');
  failed++;
}
console.log(`checked ${queries.length} queries: ${failed ? 'FAILED' : 'ok'}`);
process.exit(failed ? 1 : 0);
