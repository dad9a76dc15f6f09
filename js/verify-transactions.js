#!/usr/bin/env node
// Independent check of recorded transactions with steem-js (npm `steem` 0.7.11).
//
// Input (stdin): JSON lines {trx, hex, id, chain_id, public_keys: [...], address_prefix?}
//   trx          legacy (condenser) JSON of the signed transaction as broadcast
//   hex          the devnet's serialization of the signed transaction
//   id           the devnet's transaction id
//   chain_id     64 hex chars
//   public_keys  keys (e.g. "STM...") any signature may belong to: the signers' authorities
// Output (stdout): JSON {checked, mismatches: [{index, id, problem, ...}]}
//
// steem-js re-serializes `trx` with its own serializer (ops.transaction / ops.signed_transaction),
// computes the tx id (sha256(unsigned)[:20]) and the signing digest (sha256(chain_id || unsigned)),
// and for every signature recovers the public key and verifies the ECDSA signature with its own
// secp256k1 code (ecurve/bigi), independent of beem's python-ecdsa and the devnet's coincurve.
// Legacy asset symbols HIVE/HBD are packed as STEEM/SBD, as Hive's and beem's serializers do.
'use strict';

const readline = require('readline');
const steem = require('steem');
const { ops } = require('steem/lib/auth/serializer');
const Signature = require('steem/lib/auth/ecc/src/signature');
const PublicKey = require('steem/lib/auth/ecc/src/key_public');
const hash = require('steem/lib/auth/ecc/src/hash');

const HIVE_TO_STEEM_SYMBOL = { HIVE: 'STEEM', HBD: 'SBD', TESTS: 'TESTS', TBD: 'TBD' };

function wireSymbols(value) {
  if (typeof value === 'string') {
    const m = /^(-?[0-9]+\.[0-9]+) (HIVE|HBD)$/.exec(value);
    return m ? `${m[1]} ${HIVE_TO_STEEM_SYMBOL[m[2]]}` : value;
  }
  if (Array.isArray(value)) return value.map(wireSymbols);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = wireSymbols(v);
    return out;
  }
  return value;
}

// beem 0.24.26 writes authority weights as strings ("1"); steemd's fc variant conversion reads a numeric
// string as the integer, but steem-js's uint16 wants a number, so the weights are converted first.
const AUTHORITY_FIELDS = ['owner', 'active', 'posting'];

function numericWeights(authority) {
  if (!authority || typeof authority !== 'object') return authority;
  const weights = (pairs) => (pairs || []).map(([who, weight]) => [who, Number(weight)]);
  return Object.assign({}, authority, {
    weight_threshold: Number(authority.weight_threshold),
    account_auths: weights(authority.account_auths),
    key_auths: weights(authority.key_auths),
  });
}

// hived renamed a few fields (percent_steem_dollars -> percent_hbd, ...); the binary layout is the
// same, so a Hive transaction is re-serialized under steem-js's names.
const HIVE_FIELD_NAMES = { percent_hbd: 'percent_steem_dollars', reward_hbd: 'reward_sbd', reward_hive: 'reward_steem' };

function steemFieldNames(body) {
  const out = {};
  for (const [key, value] of Object.entries(body || {})) out[HIVE_FIELD_NAMES[key] || key] = value;
  return out;
}

function normalizeOperation(op) {
  const name = op[0];
  const body = steemFieldNames(op[1]);
  if (name !== 'account_create' && name !== 'account_update') return [name, body];
  const out = Object.assign({}, body);
  for (const field of AUTHORITY_FIELDS) if (out[field]) out[field] = numericWeights(out[field]);
  return [name, out];
}

// fc canonical signature rule (fc/src/crypto/elliptic_common.cpp is_canonical, fc_canonical).
function isCanonical(sig) {
  return !(sig[1] & 0x80) && !(sig[1] === 0 && !(sig[2] & 0x80))
    && !(sig[33] & 0x80) && !(sig[33] === 0 && !(sig[34] & 0x80));
}

function checkRecord(record, index) {
  const problems = [];
  const add = (problem, extra) => problems.push(Object.assign({ index, id: record.id, problem }, extra || {}));
  const prefix = record.address_prefix || 'STM';
  steem.config.set('address_prefix', prefix);
  const trx = wireSymbols(Object.assign({}, record.trx, {
    extensions: record.trx.extensions || [],
    operations: (record.trx.operations || []).map(normalizeOperation),
  }));
  let unsigned;
  let signed;
  try {
    unsigned = ops.transaction.toBuffer(ops.transaction.fromObject(trx));
    signed = ops.signed_transaction.toBuffer(ops.signed_transaction.fromObject(trx));
  } catch (err) {
    add('steem-js cannot serialize', { error: String(err && err.message || err) });
    return problems;
  }
  if (record.hex !== undefined && signed.toString('hex') !== record.hex) {
    add('signed bytes differ', { steem_js: signed.toString('hex'), devnet: record.hex });
  }
  const txId = hash.sha256(unsigned).slice(0, 20).toString('hex');
  if (record.id !== undefined && txId !== record.id) add('tx id differs', { steem_js: txId, devnet: record.id });
  const digest = hash.sha256(Buffer.concat([Buffer.from(record.chain_id, 'hex'), unsigned]));
  const allowed = new Set(record.public_keys || []);
  const signatures = record.trx.signatures || [];
  if (signatures.length === 0) add('no signatures');
  const seen = new Set();
  signatures.forEach((sigHex, sigIndex) => {
    const raw = Buffer.from(sigHex, 'hex');
    if (raw.length !== 65) { add('signature is not 65 bytes', { signature: sigIndex }); return; }
    if (!isCanonical(raw)) add('signature is not fc-canonical', { signature: sigIndex });
    let recovered;
    try {
      recovered = Signature.fromBuffer(raw).recoverPublicKey(digest).toString(prefix);
    } catch (err) {
      add('signature does not recover', { signature: sigIndex, error: String(err && err.message || err) });
      return;
    }
    if (seen.has(recovered)) add('duplicate signature key', { signature: sigIndex, key: recovered });
    seen.add(recovered);
    if (!allowed.has(recovered)) {
      add('signature is not by a signer key', { signature: sigIndex, key: recovered });
      return;
    }
    const verified = Signature.fromBuffer(raw).verifyHash(digest, PublicKey.fromString(recovered, prefix));
    if (!verified) add('signature does not verify', { signature: sigIndex, key: recovered });
  });
  return problems;
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let checked = 0;
  const mismatches = [];
  for await (const line of lines) {
    if (!line.trim()) continue;
    let record;
    try {
      record = JSON.parse(line);
    } catch (err) {
      mismatches.push({ index: checked, problem: 'input line is not JSON', error: String(err.message) });
      checked += 1;
      continue;
    }
    mismatches.push(...checkRecord(record, checked));
    checked += 1;
  }
  process.stdout.write(JSON.stringify({ checked, mismatches }) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(2);
});
