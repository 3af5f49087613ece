"""SM2 and SM3 by gmssl (https://github.com/duanhongyi/gmssl), an implementation independent of
RustCrypto's, for tests/tests/it/gm.rs.

Reads JSON on stdin:
  {"verify": [{"public_key": "04…" (130 hex), "message": hex, "signature": r‖s (128 hex)}],
   "sign": [message hex, …], "sm3": [message hex, …],
   "state_proofs": [{"root": hex, "key": hex, "value": hex or null, "proof": hex}]}
and writes JSON on stdout:
  {"verified": [bool, …], "signed": [{"public_key", "message", "signature"}, …], "sm3": [hex, …],
   "state_proofs": [bool, …]}
A state proof is a Jellyfish Merkle proof in the tree crate's borsh encoding, checked here from
its bytes with SM3 as docs/api.md and primitives/src/merkle.rs describe it.
Signatures use gmssl's sign_with_sm3 (the default identifier 1234567812345678), with the secret
key and the nonce k from `secrets` (gmssl's own nonce comes from `random`, not a CSPRNG).
"""

import json
import secrets
import sys

from gmssl import func, sm2, sm3

N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


def crypt(public_key_130):
    # gmssl's constructor strips a leading "04" with lstrip, which also eats an x that starts
    # with 0 or 4: set the 128-hex x‖y after constructing instead.
    c = sm2.CryptSM2(private_key=None, public_key=public_key_130[2:])
    c.public_key = public_key_130[2:]
    return c


def verify(item):
    try:
        return bool(crypt(item["public_key"]).verify_with_sm3(item["signature"], bytes.fromhex(item["message"])))
    except Exception:  # gmssl raises on some malformed inputs; that is a refusal
        return False


def sign(message_hex):
    d = secrets.randbelow(N - 2) + 1
    c = sm2.CryptSM2(private_key="%064x" % d, public_key="")
    c.public_key = c._kg(d, sm2.default_ecc_table["g"])
    k = "%064x" % (secrets.randbelow(N - 1) + 1)
    signature = c.sign_with_sm3(bytes.fromhex(message_hex), k)
    return {"public_key": "04" + c.public_key, "message": message_hex, "signature": signature}


LEAF = b"JMT::LeafNode"
INTERNAL = b"JMT::IntrnalNode"
PLACEHOLDER = b"SPARSE_MERKLE_PLACEHOLDER_HASH__"


def h(data):
    return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(data)))


def bit(key_hash, index):
    return (key_hash[index // 8] >> (7 - index % 8)) & 1


def state_proof(item):
    """Whether the proof shows `value` (or, for null, nothing) under `key` in the tree `root`."""
    try:
        return fold(item)
    except IndexError:  # the bytes end early: no proof
        return False


def fold(item):
    proof = bytes.fromhex(item["proof"])
    key_hash = h(bytes.fromhex(item["key"]))
    at = 1
    leaf = None
    if proof[0] == 1:
        leaf = (proof[1:33], proof[33:65])
        at = 65
    elif proof[0] != 0:
        return False
    count = int.from_bytes(proof[at:at + 4], "little")
    at += 4
    if count > 256:
        return False
    siblings = []
    for _ in range(count):
        tag = proof[at]
        at += 1
        if tag == 0:
            siblings.append(PLACEHOLDER)
            continue
        if tag not in (1, 2):
            return False
        left, right = proof[at:at + 32], proof[at + 32:at + 64]
        at += 64
        siblings.append(h((INTERNAL if tag == 1 else LEAF) + left + right))
    if at != len(proof):
        return False
    if item["value"] is not None:
        if leaf is None or leaf[0] != key_hash or leaf[1] != h(bytes.fromhex(item["value"])):
            return False
    elif leaf is not None:
        prefix = next((i for i in range(256) if bit(leaf[0], i) != bit(key_hash, i)), 256)
        if leaf[0] == key_hash or prefix < count:
            return False
    node = PLACEHOLDER if leaf is None else h(LEAF + leaf[0] + leaf[1])
    for level, sibling in enumerate(siblings):
        if bit(key_hash, count - 1 - level):
            node = h(INTERNAL + sibling + node)
        else:
            node = h(INTERNAL + node + sibling)
    return node.hex() == item["root"]


def main():
    request = json.load(sys.stdin)
    json.dump(
        {
            "verified": [verify(i) for i in request.get("verify", [])],
            "signed": [sign(m) for m in request.get("sign", [])],
            "sm3": [sm3.sm3_hash(func.bytes_to_list(bytes.fromhex(m))) for m in request.get("sm3", [])],
            "state_proofs": [state_proof(p) for p in request.get("state_proofs", [])],
        },
        sys.stdout,
    )


main()
