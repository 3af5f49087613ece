# Test data made here, for hengxin's DCC signature tests: rsa_pss-sha256.xml and
# rsa_pss-sha512.xml were made from the xmlsec1 RSA vectors of gen_xmlsec1.py, with its rsa.key
# (since deleted), by
#   python make_pss.py rsa_rsa-sha256_sha256_si-c14n10_doc-c14n10_sp-c14n10.xml rsa.key rsa_pss-sha256.xml sha256
#   python make_pss.py rsa_rsa-sha512_sha512_si-c14n10c_doc-c14n10c_sp-c14n10c.xml rsa.key rsa_pss-sha512.xml sha512
# Turn an xmlsec1-signed RSA vector (exclusive C14N SignedInfo) into RSA-PSS (RFC 6931
# sha256/sha512-rsa-MGF1: MGF1 with the same hash, salt length = hash length) by re-signing
# SignedInfo with Python's cryptography, canonicalized by lxml (libxml2) exc-c14n.
import base64, sys
from lxml import etree
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
src, key, out, h = sys.argv[1:5]
H = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[h]
ns = {"ds": "http://www.w3.org/2000/09/xmldsig#"}
tree = etree.parse(src)
si = tree.find(".//ds:Signature/ds:SignedInfo", ns)
si.find("ds:CanonicalizationMethod", ns).set("Algorithm", "http://www.w3.org/2001/10/xml-exc-c14n#")
si.find("ds:SignatureMethod", ns).set("Algorithm", f"http://www.w3.org/2007/05/xmldsig-more#{h}-rsa-MGF1")
c = etree.tostring(si, method="c14n", exclusive=True, with_comments=False)
k = serialization.load_pem_private_key(open(key, "rb").read(), None)
sig = k.sign(c, padding.PSS(mgf=padding.MGF1(H), salt_length=H.digest_size), H)
tree.find(".//ds:Signature/ds:SignatureValue", ns).text = base64.b64encode(sig).decode()
tree.write(out, xml_declaration=True, encoding="UTF-8")
