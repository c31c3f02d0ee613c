//! The system's trust anchors, found where OpenSSL finds them and read as OpenSSL reads them:
//! the bundle file up front, the distribution's certificate directories (CApath) only by the hash
//! of an issuer's name, when a served chain names an issuer no anchor has
//! ([`super::LazyTrust::for_chains`]). Two exceptions keep every anchor `rustls-native-certs`
//! would find: a directory without any hash name is read whole up front (plain PEM files, as a
//! mounted CA directory given as `SSL_CERT_DIR` often is), and so are the hashed ones when the
//! bundle gives no anchor (no anchor at all would make trust unknown, which raises nothing).
//! Locations: `SSL_CERT_FILE` and `SSL_CERT_DIR` when set, else the distribution's
//! (openssl-probe). Not `rustls-native-certs`, for speed: it
//! reads every file of the directories besides the bundle (Debian's 145 roots twice, ~750 system
//! calls) and decodes base64 in constant time, 18M instructions and ~3 ms of CPU in all, a quarter
//! of a one-endpoint scan. Trust anchors are public: the `base64` crate's ordinary decoder does.
//! Sections that are not valid base64 are skipped, the others kept, as `rustls-native-certs`
//! does. macOS and Windows keep `rustls-native-certs` (their stores are not files).

use std::path::PathBuf;

use rustls_pki_types::CertificateDer;

/// Bytes read at most from the bundle file (Debian's is 216 KB).
#[cfg(all(unix, not(target_os = "macos")))]
const MAX_BUNDLE_BYTES: u64 = 32 * 1024 * 1024;
/// Bytes read at most from one file of a certificate directory.
const MAX_DIR_FILE_BYTES: u64 = 1024 * 1024;
/// Files of one hash read at most in a directory (`<hash>.0`, `<hash>.1` …).
const MAX_SAME_HASH: usize = 16;
/// Entries read at most from one directory read whole.
#[cfg(all(unix, not(target_os = "macos")))]
const MAX_DIR_ENTRIES: usize = 20_000;

/// Where the system keeps its anchors: a bundle file and certificate directories.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Locations {
    #[cfg_attr(any(not(unix), target_os = "macos"), allow(dead_code))]
    file: Option<PathBuf>,
    /// The directories with hash names (`openssl rehash`'s CApath): searched by issuer hash
    /// ([`by_issuer_hash`]) as OpenSSL searches them, and read whole only when the bundle file
    /// gives no anchor.
    pub dirs: Vec<PathBuf>,
    /// The directories without any hash name (plain PEM files: a mounted CA directory given as
    /// `SSL_CERT_DIR`, say): OpenSSL could not search them, `rustls-native-certs` and Go read
    /// them whole, and so does the scan, up front.
    #[cfg_attr(any(not(unix), target_os = "macos"), allow(dead_code))]
    whole_dirs: Vec<PathBuf>,
}

impl Locations {
    /// `SSL_CERT_FILE` / `SSL_CERT_DIR` (split on `:`) when either is set, else what
    /// openssl-probe finds; on macOS and Windows, none (their stores are not files).
    pub fn find() -> Self {
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            let file = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from);
            let given: Vec<PathBuf> = std::env::var_os("SSL_CERT_DIR")
                .map(|d| {
                    std::env::split_paths(&d)
                        .filter(|p| !p.as_os_str().is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let (file, dirs) = if file.is_some() || !given.is_empty() {
                (file, given)
            } else {
                let probed = openssl_probe::probe();
                (probed.cert_file, probed.cert_dir)
            };
            let (dirs, whole_dirs) = dirs.into_iter().partition(|d| has_hash_names(d));
            Self {
                file,
                dirs,
                whole_dirs,
            }
        }
        #[cfg(any(not(unix), target_os = "macos"))]
        Self::default()
    }
}

/// Whether a directory holds a hash name (`5ad8a5d6.0`): a CApath made by `openssl rehash` or
/// `update-ca-certificates`, where every certificate OpenSSL trusts has one.
#[cfg(all(unix, not(target_os = "macos")))]
fn has_hash_names(dir: &std::path::Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.take(MAX_DIR_ENTRIES).flatten().any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.split_once('.').is_some_and(|(hash, n)| {
            hash.len() == 8
                && hash.bytes().all(|b| b.is_ascii_hexdigit())
                && !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
        })
    })
}

/// The anchors read up front (DER, without duplicates): the bundle file and the directories
/// without hash names, and the hashed directories too when those give no anchor (no bundle, or
/// an unreadable one: with no anchor at all trust would read as unknown and raise nothing); on
/// macOS and Windows, the platform's store. An unreadable file gives none.
pub fn read_up_front(locations: &Locations) -> Vec<CertificateDer<'static>> {
    #[cfg(all(unix, not(target_os = "macos")))]
    let mut certs = {
        use std::os::unix::fs::MetadataExt;
        let mut seen = std::collections::HashSet::new();
        let mut bodies = Bodies::new();
        if let Some(file) = &locations.file {
            if let Ok(meta) = std::fs::metadata(file) {
                seen.insert((meta.dev(), meta.ino()));
            }
            read_pem_file(file, MAX_BUNDLE_BYTES, &mut bodies);
        }
        for dir in &locations.whole_dirs {
            read_whole_dir(dir, &mut seen, &mut bodies);
        }
        if bodies.is_empty() {
            for dir in &locations.dirs {
                read_whole_dir(dir, &mut seen, &mut bodies);
            }
        }
        decode_bodies(bodies)
    };
    #[cfg(any(not(unix), target_os = "macos"))]
    let mut certs = {
        let _ = locations;
        rustls_native_certs::load_native_certs().certs
    };
    certs.sort_unstable_by(|a, b| a.as_ref().cmp(b.as_ref()));
    certs.dedup();
    certs
}

/// The anchors of [`read_up_front`] for `locations`, read once per process while the bundle file
/// is unchanged (its size and modification time): the trust store and `public-root-client-cert`
/// read the same anchors, and the probe read them a second time (2.4M instructions, 4% of an
/// anonymous scan of Go's `RequireAndVerifyClientCert`). A second caller waits for a read under
/// way instead of starting its own.
pub fn read_up_front_shared(locations: &Locations) -> std::sync::Arc<Vec<CertificateDer<'static>>> {
    use std::sync::{Arc, Mutex};
    type Stamp = Option<(u64, std::time::SystemTime)>;
    type Kept = Vec<(Locations, Stamp, Arc<Vec<CertificateDer<'static>>>)>;
    static KEPT: Mutex<Kept> = Mutex::new(Vec::new());
    let stamp: Stamp = locations
        .file
        .as_ref()
        .and_then(|f| std::fs::metadata(f).ok())
        .and_then(|m| Some((m.len(), m.modified().ok()?)));
    let mut kept = KEPT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, _, certs)) = kept.iter().find(|(l, s, _)| l == locations && *s == stamp) {
        return certs.clone();
    }
    let certs = Arc::new(read_up_front(locations));
    if kept.len() >= 4 {
        kept.remove(0);
    }
    kept.push((locations.clone(), stamp, certs.clone()));
    certs
}

/// Adds every regular file of `dir` not read already (links resolved, each file once).
#[cfg(all(unix, not(target_os = "macos")))]
fn read_whole_dir(
    dir: &std::path::Path,
    seen: &mut std::collections::HashSet<(u64, u64)>,
    bodies: &mut Bodies,
) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.take(MAX_DIR_ENTRIES).flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_file() && seen.insert((meta.dev(), meta.ino())) {
            read_pem_file(&path, MAX_DIR_FILE_BYTES, bodies);
        }
    }
}

/// The certificates the directories hold under an issuer-name hash (OpenSSL's
/// `X509_NAME_hash`, the names `openssl rehash` gives: `<hash>.0`, `<hash>.1` …), as OpenSSL's
/// CApath lookup reads them.
pub fn by_issuer_hash(dirs: &[PathBuf], hash: u32) -> Vec<CertificateDer<'static>> {
    let mut bodies = Bodies::new();
    for dir in dirs {
        for n in 0..MAX_SAME_HASH {
            let path = dir.join(format!("{hash:08x}.{n}"));
            if !path.is_file() {
                break;
            }
            read_pem_file(&path, MAX_DIR_FILE_BYTES, &mut bodies);
        }
    }
    decode_bodies(bodies)
}

/// Bytes of a Name hashed at most.
const MAX_NAME_BYTES: usize = 4096;
/// Attributes of one RDN hashed at most.
const MAX_RDN_ATTRIBUTES: usize = 16;

/// OpenSSL's `X509_NAME_hash_ex` of a DER Name, computed without OpenSSL (whose first use costs
/// a scan the loading of its configuration): the first four bytes, little-endian, of the SHA-1 of
/// the name's canonical encoding, each RDN's SET encoded in turn (no outer SEQUENCE), every
/// string value made UTF-8, trimmed, its inner runs of ASCII blanks made one space, ASCII
/// lower-cased (OpenSSL's `x509_name_canon` and `asn1_string_canon`).
pub fn name_hash(name_der: &[u8]) -> Option<u32> {
    use x509_cert::attr::AttributeTypeAndValue;
    use x509_cert::der::asn1::{Any, SetOfVec};
    use x509_cert::der::{Decode, Encode, Tag};
    use x509_cert::name::{Name, RelativeDistinguishedName};
    // No anchor has a name this large (a server could send one to make the sorts below slow).
    if name_der.len() > MAX_NAME_BYTES {
        return None;
    }
    let name = Name::from_der(name_der).ok()?;
    let mut canon = Vec::new();
    for rdn in name.0.iter() {
        // OpenSSL drops an RDN without attributes from the canonical encoding.
        if rdn.0.is_empty() {
            continue;
        }
        if rdn.0.len() > MAX_RDN_ATTRIBUTES {
            return None;
        }
        let mut set = Vec::new();
        for atv in rdn.0.iter() {
            let value = match canonical_text(&atv.value)? {
                Some(text) => Any::new(Tag::Utf8String, text).ok()?,
                None => atv.value.clone(),
            };
            set.push(AttributeTypeAndValue {
                oid: atv.oid,
                value,
            });
        }
        let rdn = RelativeDistinguishedName(SetOfVec::try_from(set).ok()?);
        rdn.encode_to_vec(&mut canon).ok()?;
    }
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &canon);
    let first: [u8; 4] = digest.as_ref().get(..4)?.try_into().ok()?;
    Some(u32::from_le_bytes(first))
}

/// The canonical text of a string value (`Some(None)`: not a string type OpenSSL canonicalises,
/// kept as it is; `None`: a string that does not decode, as OpenSSL then fails too).
fn canonical_text(value: &x509_cert::der::asn1::Any) -> Option<Option<Vec<u8>>> {
    use x509_cert::der::Tagged;
    let bytes = value.value();
    // Tags: UTF8String, PrintableString, TeletexString, IA5String, VisibleString, BMPString.
    // (A UniversalString value never gets here: the der crate does not decode the Name, and the
    // directory is then not searched for it.)
    let text: String = match u8::from(value.tag()) {
        0x0c => std::str::from_utf8(bytes).ok()?.to_owned(),
        // OpenSSL reads these one byte per character (T.61 as Latin-1).
        0x13 | 0x14 | 0x16 | 0x1a => bytes.iter().map(|b| char::from(*b)).collect(),
        0x1e => {
            let units = bytes
                .chunks(2)
                .map(|c| match c {
                    [hi, lo] => Some(u16::from_be_bytes([*hi, *lo])),
                    _ => None,
                })
                .collect::<Option<Vec<u16>>>()?;
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()?
        }
        _ => return Some(None),
    };
    // OpenSSL's isspace: space, \t, \n, \v, \f, \r.
    let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|b| !blank(*b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !blank(*b))
        .map_or(start, |i| i + 1);
    let mut out = Vec::with_capacity(end.saturating_sub(start));
    let mut in_blank = false;
    for &b in bytes.get(start..end).unwrap_or_default() {
        if blank(b) {
            if !in_blank {
                out.push(b' ');
            }
            in_blank = true;
        } else {
            out.push(b.to_ascii_lowercase());
            in_blank = false;
        }
    }
    Some(Some(out))
}

/// Adds the CERTIFICATE sections of one PEM file read up to `cap` bytes to `bodies`.
fn read_pem_file(path: &std::path::Path, cap: u64, bodies: &mut Bodies) {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(cap).read_to_end(&mut bytes));
    if read.is_ok() {
        pem_bodies(&bytes, bodies);
    }
}

/// The base64 text of each CERTIFICATE section, without line breaks. Sorted and deduplicated
/// before decoding (see [`decode_bodies`]), so a certificate that both the bundle and a directory
/// hold (every one, on Debian) is decoded once: sorting compares short prefixes, where a hash set
/// hashed every byte (7% of a scan's instructions).
type Bodies = Vec<Vec<u8>>;

/// Adds the base64 text of each CERTIFICATE section of PEM text to `bodies`.
fn pem_bodies(bytes: &[u8], bodies: &mut Bodies) {
    let mut body: Option<Vec<u8>> = None;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
        let line = bytes.get(start..end).unwrap_or_default().trim_ascii();
        start = end + 1;
        match (&mut body, line) {
            // A BEGIN inside a section drops the unterminated one.
            (_, b"-----BEGIN CERTIFICATE-----") => body = Some(Vec::with_capacity(2048)),
            (Some(b64), b"-----END CERTIFICATE-----") => {
                bodies.push(std::mem::take(b64));
                body = None;
            }
            (Some(b64), line) => b64.extend_from_slice(line),
            (None, _) => {}
        }
    }
}

/// Decodes each body; one that is not valid base64 is skipped, the others kept (as
/// rustls-pki-types's reader does, only faster).
fn decode_bodies(mut bodies: Bodies) -> Vec<CertificateDer<'static>> {
    use base64::Engine as _;
    bodies.sort_unstable();
    bodies.dedup();
    let decode = |b64: &[u8]| base64::engine::general_purpose::STANDARD.decode(b64);
    bodies
        .into_iter()
        .filter_map(|b64| {
            decode(&b64)
                .or_else(|_| {
                    // Blanks inside a line are rare: strip them only when a body needs it.
                    let kept: Vec<u8> = b64
                        .iter()
                        .copied()
                        .filter(|b| !b.is_ascii_whitespace())
                        .collect();
                    decode(&kept)
                })
                .ok()
        })
        .map(CertificateDer::from)
        .collect()
}

/// The CERTIFICATE sections of PEM text, decoded.
#[cfg(test)]
fn parse_pem(bytes: &[u8]) -> Vec<CertificateDer<'static>> {
    let mut bodies = Bodies::new();
    pem_bodies(bytes, &mut bodies);
    let mut certs = decode_bodies(bodies);
    certs.sort_unstable_by(|a, b| a.as_ref().cmp(b.as_ref()));
    certs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem_of(der: &[u8]) -> String {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\r\n{}\r\n-----END CERTIFICATE-----\n",
            lines.join("\r\n")
        )
    }

    /// A self-signed certificate whose subject is `CN=name` (names differ, so do their hashes).
    fn mint(name: &str) -> CertificateDer<'static> {
        let key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
        let mut params =
            rcgen::CertificateParams::new(vec![name.into()]).unwrap_or_else(|e| panic!("{e}"));
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params
            .self_signed(&key)
            .map(|c| c.der().clone())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn sorted(mut certs: Vec<CertificateDer<'static>>) -> Vec<CertificateDer<'static>> {
        certs.sort_unstable_by(|a, b| a.as_ref().cmp(b.as_ref()));
        certs
    }

    fn subject_hash(der: &[u8]) -> u32 {
        let (_, c) = x509_parser::parse_x509_certificate(der).unwrap_or_else(|e| panic!("{e}"));
        name_hash(c.subject().as_raw()).unwrap_or_else(|| panic!("a name that hashes"))
    }

    /// The hash of every system root's subject, and of names with blanks, capitals and BMP and
    /// Teletex strings, is OpenSSL's.
    #[test]
    fn name_hash_is_openssls() {
        let mut names: Vec<(Vec<u8>, u32)> = read_up_front(&Locations::find())
            .iter()
            .filter_map(|c| {
                let (_, parsed) = x509_parser::parse_x509_certificate(c.as_ref()).ok()?;
                let theirs = openssl::x509::X509::from_der(c.as_ref()).ok()?;
                Some((
                    parsed.subject().as_raw().to_vec(),
                    theirs.subject_name_hash(),
                ))
            })
            .collect();
        let mut builder = openssl::x509::X509NameBuilder::new().unwrap_or_else(|e| panic!("{e}"));
        builder
            .append_entry_by_text("C", "DE")
            .unwrap_or_else(|e| panic!("{e}"));
        builder
            .append_entry_by_text_with_type(
                "O",
                "  Ünïcode   Org\tName  ",
                openssl::asn1::Asn1Type::BMPSTRING,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        builder
            .append_entry_by_text_with_type("OU", "Tele  TEX", openssl::asn1::Asn1Type::T61STRING)
            .unwrap_or_else(|e| panic!("{e}"));
        builder
            .append_entry_by_text("CN", " Mixed   CASE Root ")
            .unwrap_or_else(|e| panic!("{e}"));
        let built = builder.build();
        let mut cert = openssl::x509::X509Builder::new().unwrap_or_else(|e| panic!("{e}"));
        cert.set_subject_name(&built)
            .unwrap_or_else(|e| panic!("{e}"));
        let theirs = cert.build().subject_name_hash();
        names.push((built.to_der().unwrap_or_else(|e| panic!("{e}")), theirs));
        // An empty RDN (OpenSSL leaves it out of the canonical form) before `CN=x`.
        let empty_rdn = [
            0x30, 0x0e, 0x31, 0x00, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c,
            0x01, b'x',
        ];
        let theirs = openssl::x509::X509Name::from_der(&empty_rdn)
            .and_then(|n| {
                let mut cert = openssl::x509::X509Builder::new()?;
                cert.set_subject_name(&n)?;
                Ok(cert.build().subject_name_hash())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        names.push((empty_rdn.to_vec(), theirs));
        assert!(names.len() > 2);
        for (der, theirs) in &names {
            assert_eq!(name_hash(der), Some(*theirs));
        }
    }

    #[test]
    fn agrees_with_rustls_pki_types_on_good_pem() {
        let (a, b) = (mint("a.test"), mint("b.test"));
        let text = format!(
            "# a comment line\n{}\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n{}",
            pem_of(&a),
            pem_of(&b)
        );
        let parsed = parse_pem(text.as_bytes());
        assert_eq!(parsed, sorted(vec![a, b]));
        use rustls_pki_types::pem::PemObject;
        let theirs = CertificateDer::pem_slice_iter(text.as_bytes())
            .filter_map(Result::ok)
            .collect();
        assert_eq!(parsed, sorted(theirs));
    }

    #[test]
    fn a_bad_section_loses_only_itself() {
        let a = mint("a.test");
        let text = format!(
            "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n\
             -----BEGIN CERTIFICATE-----\nAAAA\n{}",
            pem_of(&a)
        );
        assert_eq!(parse_pem(text.as_bytes()), vec![a]);
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn the_bundle_up_front_the_directory_by_issuer_hash_only() {
        let dir = std::env::temp_dir().join(format!("mtls-roots-{}", std::process::id()));
        let certs = dir.join("certs");
        std::fs::create_dir_all(&certs).unwrap_or_else(|e| panic!("{e}"));
        let (a, b, hashed, unhashed) = (
            mint("a.test"),
            mint("b.test"),
            mint("c.test"),
            mint("d.test"),
        );
        let bundle = dir.join("bundle.crt");
        let write = |p: &std::path::Path, text: String| {
            std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"))
        };
        write(&bundle, format!("{}{}", pem_of(&a), pem_of(&b)));
        write(&certs.join("c.pem"), pem_of(&hashed));
        write(&certs.join("d.pem"), pem_of(&unhashed));
        let hash = subject_hash(hashed.as_ref());
        std::os::unix::fs::symlink(certs.join("c.pem"), certs.join(format!("{hash:08x}.0")))
            .unwrap_or_else(|e| panic!("{e}"));
        let plain = dir.join("plain");
        std::fs::create_dir_all(&plain).unwrap_or_else(|e| panic!("{e}"));
        write(&plain.join("ca.pem"), pem_of(&unhashed));
        // A hash name makes a CApath; plain PEM files alone do not.
        assert!(has_hash_names(&certs) && !has_hash_names(&plain));
        let locations = Locations {
            file: Some(bundle.clone()),
            dirs: vec![certs.clone()],
            whole_dirs: Vec::new(),
        };
        let from_bundle = read_up_front(&locations);
        let by_hash = by_issuer_hash(&locations.dirs, hash);
        let unhashed_lookup = by_issuer_hash(&locations.dirs, subject_hash(unhashed.as_ref()));
        // A directory without hash names is read whole, plain PEM files included.
        let given = read_up_front(&Locations {
            file: Some(bundle.clone()),
            dirs: Vec::new(),
            whole_dirs: vec![certs.clone()],
        });
        // No bundle: the distribution's directories are read whole (else no anchor at all, and
        // trust would read as unknown instead of untrusted).
        let no_bundle = read_up_front(&Locations {
            file: Some(dir.join("missing.crt")),
            dirs: vec![certs.clone()],
            whole_dirs: Vec::new(),
        });
        std::fs::remove_dir_all(&dir).ok();
        let everything = sorted(vec![a.clone(), b.clone(), hashed.clone(), unhashed.clone()]);
        assert_eq!(given, everything);
        assert_eq!(no_bundle, sorted(vec![hashed.clone(), unhashed.clone()]));
        assert_eq!(from_bundle, sorted(vec![a, b]));
        assert_eq!(by_hash, vec![hashed]);
        // OpenSSL finds a directory's certificate only through its hash name: so does the scan.
        assert!(unhashed_lookup.is_empty());
    }

    /// Every anchor `rustls-native-certs` reads on this machine is in the bundle or found by its
    /// subject hash in a directory: the same anchors, read lazily.
    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn finds_every_anchor_rustls_native_certs_reads() {
        let theirs = rustls_native_certs::load_native_certs().certs;
        let locations = Locations::find();
        let bundle = read_up_front(&locations);
        for cert in &theirs {
            let found = bundle.contains(cert)
                || by_issuer_hash(&locations.dirs, subject_hash(cert.as_ref())).contains(cert);
            assert!(found, "an anchor neither in the bundle nor found by hash");
        }
    }
}
