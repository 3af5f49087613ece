"""SM2 and SM3 by gmssl (https://github.com/duanhongyi/gmssl), an implementation independent of
RustCrypto's, for primitives/tests/sm2_cross_check.rs.

Reads JSON on stdin:
  {"verify": [{"public_key": "04…" (130 hex), "message": hex, "signature": r‖s (128 hex)}],
   "sign": [message hex, …], "sm3": [message hex, …]}
and writes JSON on stdout:
  {"verified": [bool, …], "signed": [{"public_key", "message", "signature"}, …], "sm3": [hex, …]}
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


def main():
    request = json.load(sys.stdin)
    json.dump(
        {
            "verified": [verify(i) for i in request.get("verify", [])],
            "signed": [sign(m) for m in request.get("sign", [])],
            "sm3": [sm3.sm3_hash(func.bytes_to_list(bytes.fromhex(m))) for m in request.get("sm3", [])],
        },
        sys.stdout,
    )


main()
