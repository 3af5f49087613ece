# Test data made here, for hengxin's DCC signature tests (client/tests/dcc_signature.rs): not a
# published fixture, and no lab's signature. The seven xmlsec1 vectors beside this script (all
# *.xml but rsa_pss-*) were made by it (Python with `cryptography`, xmlsec1 on PATH) from the
# unsigned humidity DCC, tests/fixtures/dcc/dcc_gp_humidity_v1.0.xml; from this directory:
#   python gen_xmlsec1.py ../../../../tests/fixtures/dcc/dcc_gp_humidity_v1.0.xml .
# It makes fresh keys and self-signed certificates ("Vector Lab p256/p384/rsa", valid 2024 to
# 2029), so a new run gives new vectors. The certificates p256.crt, p384.crt and rsa.crt are
# kept; the private keys (*.key) were deleted. xmlsec1 writes the document out again, so the
# root element's attributes are on one line. The two RSA-PSS vectors come from make_pss.py.
# Cross-implementation vectors: XAdES-B-B enveloped templates over an unsigned PTB DCC, signed by
# xmlsec1 (libxmlsec1, the C reference implementation) in a matrix of signature methods and C14N
# variants. Run: python gen_xmlsec1.py UNSIGNED.xml OUTDIR
import base64, datetime, hashlib, os, subprocess, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
C = {
 "c14n10": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
 "c14n10c": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
 "c14n11": "http://www.w3.org/2006/12/xml-c14n11",
 "c14n11c": "http://www.w3.org/2006/12/xml-c14n11#WithComments",
 "exc": "http://www.w3.org/2001/10/xml-exc-c14n#",
 "excc": "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
}
SIG = {
 "ecdsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
 "ecdsa-sha384": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
 "ecdsa-sha512": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
 "rsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
 "rsa-sha384": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
 "rsa-sha512": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
}
DIG = {"sha256": ("http://www.w3.org/2001/04/xmlenc#sha256", hashlib.sha256),
       "sha384": ("http://www.w3.org/2001/04/xmldsig-more#sha384", hashlib.sha384),
       "sha512": ("http://www.w3.org/2001/04/xmlenc#sha512", hashlib.sha512)}

def make_key(kind):
    if kind == "p256": return ec.generate_private_key(ec.SECP256R1())
    if kind == "p384": return ec.generate_private_key(ec.SECP384R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)

def make_cert(key, cn):
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Vector Lab GmbH"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
            .not_valid_after(datetime.datetime(2029, 1, 1, tzinfo=datetime.timezone.utc))
            .sign(key, hashes.SHA256()))

matrix = [
 # key, signature, digest, SignedInfo c14n, document c14n, SignedProperties c14n
 ("p256", "ecdsa-sha256", "sha256", "exc", "c14n11", "exc"),
 ("p256", "ecdsa-sha512", "sha512", "c14n11c", "c14n11c", "c14n11c"),
 ("p384", "ecdsa-sha384", "sha384", "exc", "exc", "exc"),
 ("p384", "ecdsa-sha256", "sha256", "excc", "excc", "excc"),
 ("rsa", "rsa-sha256", "sha256", "c14n10", "c14n10", "c14n10"),
 ("rsa", "rsa-sha512", "sha512", "c14n10c", "c14n10c", "c14n10c"),
 ("rsa", "rsa-sha384", "sha384", "c14n11", "c14n11", "c14n11"),
]
body = open(src, "rb").read().decode("utf-8")
close = body.rstrip().rfind("</")
keys = {}
for kind, sig, dig, si_c, doc_c, sp_c in matrix:
    if kind not in keys:
        k = make_key(kind); c = make_cert(k, f"Vector Lab {kind}")
        kp = f"{out}/{kind}.key"; cp = f"{out}/{kind}.crt"
        open(kp, "wb").write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        open(cp, "wb").write(c.public_bytes(serialization.Encoding.PEM))
        keys[kind] = (kp, cp, c)
    kp, cp, cert = keys[kind]
    der = cert.public_bytes(serialization.Encoding.DER)
    du, dh = DIG[dig]
    sid = "sig-1"
    tmpl = f'''<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="{sid}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{C[si_c]}"/><ds:SignatureMethod Algorithm="{SIG[sig]}"/><ds:Reference Id="r-doc" URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="{C[doc_c]}"/></ds:Transforms><ds:DigestMethod Algorithm="{du}"/><ds:DigestValue/></ds:Reference><ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#xades-{sid}"><ds:Transforms><ds:Transform Algorithm="{C[sp_c]}"/></ds:Transforms><ds:DigestMethod Algorithm="{du}"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{base64.b64encode(der).decode()}</ds:X509Certificate></ds:X509Data></ds:KeyInfo><ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#{sid}"><xades:SignedProperties Id="xades-{sid}"><xades:SignedSignatureProperties><xades:SigningTime>2025-06-30T12:00:00+02:00</xades:SigningTime><xades:SigningCertificateV2><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm="{du}"/><ds:DigestValue>{base64.b64encode(dh(der).digest()).decode()}</ds:DigestValue></xades:CertDigest></xades:Cert></xades:SigningCertificateV2></xades:SignedSignatureProperties><xades:SignedDataObjectProperties><xades:DataObjectFormat ObjectReference="#r-doc"><xades:MimeType>text/xml</xades:MimeType></xades:DataObjectFormat></xades:SignedDataObjectProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object></ds:Signature>'''
    t = f"{out}/tmpl.xml"
    open(t, "w", encoding="utf-8").write(body[:close] + tmpl + body[close:])
    name = f"{out}/{kind}_{sig}_{dig}_si-{si_c}_doc-{doc_c}_sp-{sp_c}.xml"
    subprocess.run(["xmlsec1", "--sign", "--privkey-pem", f"{kp},{cp}", "--id-attr:Id", "SignedProperties",
                    "--enabled-reference-uris", "empty,same-doc", "--output", name, t], check=True, capture_output=True)
    r = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", cp, "--id-attr:Id", "SignedProperties",
                        "--enabled-reference-uris", "empty,same-doc", name], capture_output=True)
    print(os.path.basename(name), "xmlsec1-verifies" if r.returncode == 0 else "xmlsec1-REFUSES")
os.remove(f"{out}/tmpl.xml")
