//! Vectors signed by xmlsec1 (libxmlsec1, the C reference implementation) in every supported
//! algorithm and canonicalization: `tests/data/xmldsig`, made by its `gen_xmlsec1.py` and
//! `make_pss.py`.

use hengxin_client::dcc::signature::{ReferenceTarget, read_certificate};

use super::common::*;
use super::{is_digest_mismatch, refused, signed};

#[test]
fn xmlsec1_vectors_verify_in_every_algorithm_and_c14n_variant() {
    let mut names: Vec<String> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 9, "{names:?}");
    for name in names {
        let key = name.split('_').next().unwrap();
        let cert = read_certificate(&data(&format!("{key}.crt"))).unwrap();
        let xml = data(&name);
        let s = signed(&xml);
        assert_eq!(s.certificate.fingerprint, cert.fingerprint, "{name}");
        assert_eq!(
            s.signing_time_unix,
            i64::try_from(unix(2025, 6, 30) + 10 * 3600).unwrap(),
            "{name}"
        );

        let time = replace_once(
            &xml,
            "2025-06-30T12:00:00+02:00",
            "2025-06-30T12:00:01+02:00",
        );
        assert!(
            is_digest_mismatch(
                &refused(&time),
                "#xades-sig-1",
                ReferenceTarget::SignedProperties
            ),
            "{name}"
        );
        let content = replace_once(
            &xml,
            "<dcc:countryCodeISO3166_1>DE<",
            "<dcc:countryCodeISO3166_1>FR<",
        );
        assert!(
            is_digest_mismatch(&refused(&content), "", ReferenceTarget::Document),
            "{name}"
        );
    }
}
