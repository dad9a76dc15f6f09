#!/usr/bin/env node
// Independent check of recorded transactions with @hiveio/wax (Hive's C++ protocol code compiled to
// WebAssembly): its validate() is the node's own operation validation (hive_operations.cpp validate()),
// and its legacy serializer is hived's fc::raw packing of the pre-HF26 form, which Steem shares.
//
// Input (stdin): the same JSON lines as verify-transactions.js
//   {trx, hex, id, chain_id, public_keys: [...], address_prefix?}
// Output (stdout): JSON {checked, mismatches: [{index, id, problem, ...}], invalid: [{index, id, error}]}
//
// For each record, wax builds the transaction from its legacy JSON (createTransactionFromLegacyJson) under
// the devnet's chain id (createWaxFoundation({chainId})), then:
//   - validate()                    -> an exception is "invalid" (the node would refuse the operation)
//   - legacy binary (signed form)   -> compared with the devnet's bytes
//   - legacy_id                     -> compared with the devnet's tx id
//   - legacy_sigDigest              -> compared with sha256(chain_id || unsigned devnet bytes), computed here
//   - legacy_signatureKeys          -> every key wax recovers must be one of the signers' keys
//
// Steem -> Hive naming (documented, binary-neutral): hived renamed the core/debt assets and a few fields
// but kept the legacy wire form: "HIVE"/"HBD" legacy strings pack as the 8-byte symbols STEEM/SBD
// (hive/libraries/protocol/asset_symbol.cpp, legacy serialization), so a Steem "1.000 STEEM" is given to
// wax as "1.000 HIVE" and "SBD" as "HBD"; percent_steem_dollars -> percent_hbd, reward_steem ->
// reward_hive, reward_sbd -> reward_hbd (same position and type). Field order in the binary comes from
// the protocol structs, not from the JSON, so the renaming cannot hide a difference in bytes.
'use strict';

const crypto = require('crypto');
const readline = require('readline');

const STEEM_TO_HIVE_SYMBOL = { STEEM: 'HIVE', SBD: 'HBD' };
const STEEM_TO_HIVE_FIELD = {
  percent_steem_dollars: 'percent_hbd',
  reward_steem: 'reward_hive',
  reward_sbd: 'reward_hbd',
};

function hiveNames(value) {
  if (typeof value === 'string') {
    const m = /^(-?[0-9]+\.[0-9]+) (STEEM|SBD)$/.exec(value);
    return m ? `${m[1]} ${STEEM_TO_HIVE_SYMBOL[m[2]]}` : value;
  }
  if (Array.isArray(value)) return value.map(hiveNames);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[STEEM_TO_HIVE_FIELD[k] || k] = hiveNames(v);
    return out;
  }
  return value;
}

function legacyTransaction(trx) {
  return hiveNames({
    ref_block_num: trx.ref_block_num,
    ref_block_prefix: trx.ref_block_prefix,
    expiration: trx.expiration,
    operations: trx.operations || [],
    extensions: trx.extensions || [],
    signatures: trx.signatures || [],
  });
}

// Signed legacy bytes = unsigned bytes || varint(signature count) || 65 bytes per signature.
function unsignedHex(signedHex, signatureCount) {
  if (signatureCount >= 128) return null;
  const tail = 2 * (1 + 65 * signatureCount);
  return signedHex.length > tail ? signedHex.slice(0, signedHex.length - tail) : null;
}

function messageOf(err) {
  const text = String(err && err.message || err);
  try {
    const parsed = JSON.parse(text);
    const top = (parsed.stack || [])[0] || {};
    const ctx = top.context || {};
    return `${parsed.name}: ${top.format || parsed.message} ${JSON.stringify(top.data || {})} (${ctx.file}:${ctx.line} ${ctx.method})`;
  } catch (_) {
    return text;
  }
}

function checkRecord(wax, record, index, out) {
  const add = (problem, extra) => out.mismatches.push(Object.assign({ index, id: record.id, problem }, extra || {}));
  const legacy = legacyTransaction(record.trx);
  let tx;
  try {
    tx = wax.createTransactionFromLegacyJson(legacy);
  } catch (err) {
    add('wax cannot read the transaction', { error: messageOf(err) });
    return;
  }
  try {
    tx.validate();
  } catch (err) {
    out.invalid.push({ index, id: record.id, error: messageOf(err) });
  }
  try {
    const bytes = tx.legacy_binaryViewMetadata.binary;
    if (record.hex !== undefined && bytes !== record.hex) add('signed bytes differ', { wax: bytes, devnet: record.hex });
  } catch (err) {
    add('wax cannot serialize', { error: messageOf(err) });
    return;
  }
  const waxId = tx.legacy_id;
  if (record.id !== undefined && waxId !== record.id) add('tx id differs', { wax: waxId, devnet: record.id });
  const signatures = legacy.signatures;
  if (record.hex !== undefined) {
    const unsigned = unsignedHex(record.hex, signatures.length);
    if (unsigned === null) {
      add('devnet bytes too short for their signatures');
    } else {
      const ours = crypto.createHash('sha256')
        .update(Buffer.from(record.chain_id + unsigned, 'hex')).digest('hex');
      if (tx.legacy_sigDigest !== ours) add('signing digest differs', { wax: tx.legacy_sigDigest, devnet: ours });
    }
  }
  if (signatures.length === 0) {
    add('no signatures');
    return;
  }
  let keys;
  try {
    keys = tx.legacy_signatureKeys;
  } catch (err) {
    add('signature does not recover', { error: messageOf(err) });
    return;
  }
  const prefix = record.address_prefix || 'STM';
  const allowed = new Set((record.public_keys || []).map((k) => 'STM' + k.slice(prefix.length)));
  keys.forEach((key, sigIndex) => {
    if (!allowed.has(key)) add('signature is not by a signer key', { signature: sigIndex, key });
  });
}

async function main() {
  const { createWaxFoundation } = await import('@hiveio/wax');
  const foundations = new Map();
  const waxFor = async (chainId) => {
    if (!foundations.has(chainId)) foundations.set(chainId, await createWaxFoundation({ chainId }));
    return foundations.get(chainId);
  };
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const out = { checked: 0, mismatches: [], invalid: [] };
  for await (const line of lines) {
    if (!line.trim()) continue;
    const index = out.checked;
    out.checked += 1;
    let record;
    try {
      record = JSON.parse(line);
    } catch (err) {
      out.mismatches.push({ index, problem: 'input line is not JSON', error: String(err.message) });
      continue;
    }
    const wax = await waxFor(record.chain_id);
    if (wax.chainId !== record.chain_id) {
      out.mismatches.push({ index, id: record.id, problem: 'wax did not take the chain id', wax: wax.chainId });
      continue;
    }
    checkRecord(wax, record, index, out);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(2);
});
