//! How a body is read as a page: its tokens, with the names involved and every number masked, so
//! that two answers can be compared (the side doors' landing, the certificate probes' pages).
//! Reads bytes only; knows nothing of probes.

/// Placeholders for a name and for a number (bytes no text holds as such).
pub(crate) const NAME_MARK: u8 = 0x01;
/// The placeholder for a name of the valid certificate's holder (masked exactly as given).
pub(crate) const HOLDER_MARK: u8 = 0x02;
pub(crate) const NUMBER_MARK: u8 = b'#';

/// Whether `b` can be part of a host name.
fn name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// Whether `body` holds an escaped character (`%2F`, `\x2f`, `\u002F`) right before `i`: a name
/// may start there (`https%3A%2F%2Fsecure.test`).
fn after_escape(body: &[u8], i: usize) -> bool {
    let hex = |k: usize| body.get(k).is_some_and(u8::is_ascii_hexdigit);
    let at = |k: usize, c: u8| body.get(k) == Some(&c);
    (i >= 3 && at(i - 3, b'%') && hex(i - 2) && hex(i - 1))
        || (i >= 4 && at(i - 4, b'\\') && at(i - 3, b'x') && hex(i - 2) && hex(i - 1))
        || (i >= 6
            && at(i - 6, b'\\')
            && (at(i - 5, b'u') || at(i - 5, b'U'))
            && (1..=4).all(|k| hex(i - k)))
}

/// The end of a per-answer id starting at `i` (not inside a word): a run of hex digits and `-`
/// holding at least 16 hex digits, digits and letters both (a UUID `565ed766-253e-…`, a trace id
/// `4bf92f3577b34da6a3ce929d0e0e4736`), ended by no word byte. Such an id changes with every answer
/// (an audit's JDK server wrote a fresh `request_id` beside the protected page under its 403, and
/// the page read as another one).
fn answer_id_end(body: &[u8], i: usize) -> Option<usize> {
    if i > 0
        && body
            .get(i - 1)
            .is_some_and(|&p| p.is_ascii_alphanumeric() || p == b'_')
    {
        return None;
    }
    let mut j = i;
    let (mut hex, mut digits) = (0usize, 0usize);
    while let Some(&c) = body.get(j) {
        if c.is_ascii_hexdigit() {
            hex += 1;
            digits += usize::from(c.is_ascii_digit());
        } else if c != b'-' {
            break;
        }
        j += 1;
    }
    let ended = !body
        .get(j)
        .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_');
    (ended && hex >= 16 && digits > 0 && digits < hex && body.get(i) != Some(&b'-')).then_some(j)
}

/// `body` with every name of `names` (each `Host` involved, with its port and without; longest
/// first, ASCII case ignored, on name boundaries) as [`NAME_MARK`], and every number (digits,
/// with `.` or `,` between digits) and per-answer id ([`answer_id_end`]) as [`NUMBER_MARK`]:
/// default pages echo the `Host` they were asked, pages link to the other names, and times,
/// counts, dates and request ids change. Each of `holder`
/// (the valid certificate's names) as [`HOLDER_MARK`], exactly as given (no port or label taken
/// off: a holder `client.example.com` is not every `client` of a page).
pub(crate) fn masked(body: &[u8], names: &[String], holder: &[String]) -> Vec<u8> {
    masked_with(body, names, holder, None)
}

/// [`masked`], the hash of each number it masked (a run of digits, as it stood; per-answer ids
/// aside) put in `numbers` where given.
fn masked_with(
    body: &[u8],
    names: &[String],
    holder: &[String],
    mut numbers: Option<&mut Vec<u32>>,
) -> Vec<u8> {
    let mut needles: Vec<&[u8]> = Vec::new();
    for n in names {
        let bare = match n.rsplit_once(':') {
            Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => n.as_str(),
        };
        // A wildcard site may echo just the first label ("tenant secure does not exist"); not a
        // short one (`www`, `api`), nor an address's.
        let label = bare
            .split_once('.')
            .map(|(l, _)| l)
            .filter(|l| l.len() >= 4 && l.bytes().any(|b| b.is_ascii_alphabetic()))
            .unwrap_or("");
        for needle in [n.as_bytes(), bare.as_bytes(), label.as_bytes()] {
            if !needle.is_empty() && !needles.contains(&needle) {
                needles.push(needle);
            }
        }
    }
    // The names with the port percent-encoded, as a `next=` or `redirect_uri=` link holds them.
    let encoded: Vec<Vec<u8>> = needles
        .iter()
        .filter(|n| n.contains(&b':'))
        .map(|n| {
            n.iter()
                .flat_map(|&b| if b == b':' { b"%3A".to_vec() } else { vec![b] })
                .collect()
        })
        .collect();
    needles.extend(encoded.iter().map(Vec::as_slice));
    let mut needles: Vec<(&[u8], u8)> = needles.into_iter().map(|n| (n, NAME_MARK)).collect();
    needles.extend(
        holder
            .iter()
            .filter(|h| !h.is_empty())
            .map(|h| (h.as_bytes(), HOLDER_MARK)),
    );
    needles.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        let starts_name = i == 0
            || body.get(i - 1).is_some_and(|&p| !name_byte(p) && p != b'.')
            || after_escape(body, i);
        let name = needles.iter().find(|(needle, _)| {
            // A needle that starts with another byte than a name's (a path, `/admin`) starts
            // wherever it stands: after a host in an absolute link too.
            let bounded = starts_name || !needle.first().is_some_and(|&c| name_byte(c));
            let end = i + needle.len();
            bounded
                    && body.get(i..end).is_some_and(|w| w.eq_ignore_ascii_case(needle))
                        // Ends the name: not followed by a name byte, nor by a dot and one.
                        && !body.get(end).is_some_and(|&a| name_byte(a))
                        && !(body.get(end) == Some(&b'.')
                            && body.get(end + 1).is_some_and(|&a| name_byte(a)))
        });
        if let Some((needle, mark)) = name {
            out.push(*mark);
            i += needle.len();
        } else if let Some(end) = answer_id_end(body, i) {
            out.push(NUMBER_MARK);
            i = end;
        } else if b.is_ascii_digit() {
            // One mark for the run of digits, `.` or `,` between digits included.
            let mut j = i;
            while body.get(j).is_some_and(u8::is_ascii_digit)
                || (body.get(j).is_some_and(|&c| c == b'.' || c == b',')
                    && body.get(j + 1).is_some_and(u8::is_ascii_digit)
                    && j > i)
            {
                j += 1;
            }
            if let Some(seen) = numbers.as_deref_mut() {
                seen.push(hash_token(body.get(i..j).unwrap_or_default()));
            }
            out.push(NUMBER_MARK);
            i = j.max(i + 1);
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

/// `body` written again with every object's keys in sorted order, compactly, where it is one
/// JSON object or array (white space around it aside); `None` otherwise (not JSON, or nested
/// past serde_json's limit). Arrays keep their order, strings and numbers their values.
pub(crate) fn canonical_json(body: &[u8]) -> Option<Vec<u8>> {
    fn sorted(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<(String, serde_json::Value)> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(
                    entries.into_iter().map(|(k, v)| (k, sorted(v))).collect(),
                )
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(sorted).collect())
            }
            other => other,
        }
    }
    let one = |text: &[u8]| -> Option<Vec<u8>> {
        let first = text.iter().find(|b| !b.is_ascii_whitespace())?;
        if !matches!(first, b'{' | b'[') {
            return None;
        }
        let value: serde_json::Value = serde_json::from_slice(text).ok()?;
        serde_json::to_vec(&sorted(value)).ok()
    };
    // A byte-order mark before the document (some Windows and .NET stacks write one).
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut out = match one(body) {
        Some(doc) => doc,
        // JSON lines (NDJSON): each line a document of its own, in its order.
        None => {
            let lines: Vec<&[u8]> = body
                .split(|&b| b == b'\n')
                .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                .collect();
            if lines.len() < 2 {
                return None;
            }
            let docs: Option<Vec<Vec<u8>>> = lines.iter().map(|l| one(l)).collect();
            docs?.join(&b'\n')
        }
    };
    // The line end a JSON answer usually has, as it had it.
    if body.last() == Some(&b'\n') {
        out.push(b'\n');
    }
    Some(out)
}

/// The tokens of a body once [`masked`]: runs of word characters, and every other character but
/// white space alone.
pub(crate) fn tokens(body: &[u8], names: &[String], holder: &[String]) -> Vec<Vec<u8>> {
    split_tokens(&masked(body, names, holder))
}

/// The tokens of a body already masked.
fn split_tokens(body: &[u8]) -> Vec<Vec<u8>> {
    let word = |b: &u8| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'_' | b'-' | b'+' | b'/' | b'=' | &NUMBER_MARK | &NAME_MARK | &HOLDER_MARK
            )
    };
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(&first) = rest.first() {
        let len = if word(&first) {
            rest.iter().position(|b| !word(b)).unwrap_or(rest.len())
        } else {
            1
        };
        let (token, tail) = rest.split_at(len.max(1).min(rest.len()));
        rest = tail;
        if !token.iter().all(u8::is_ascii_whitespace) {
            out.push(token.to_vec());
        }
    }
    out
}

/// The most tokens of a whole body kept for comparing pages ([`token_hashes`]): enough for a
/// refusal's body and the valid certificate's page as the transport reads them (128 KB, a token
/// a byte at least), so that every body read whole is compared (a cap of 2,048 let a 403
/// carrying a 6 KB protected page through as a refusal, 16,384 a 64 KB one, 32,768 a dense
/// 98 KB table: A, exit 0 each). 512 KB at most a body, while its target is judged.
pub const MAX_PAGE_TOKENS: usize = 128 * 1024;

/// A whole body's page as the hash of each of its [`tokens`] (numbers and per-answer ids
/// masked), 4 bytes a token: two pages of any length can be compared token by token, the valid
/// certificate's holder aside ([`same_page_hashed`]), without keeping their text. `None` past
/// [`MAX_PAGE_TOKENS`].
pub fn token_hashes(body: &[u8]) -> Option<Vec<u32>> {
    let all = tokens(body, &[], &[]);
    (all.len() <= MAX_PAGE_TOKENS).then(|| all.iter().map(|t| hash_token(t)).collect())
}

/// The numbers of a body as they stood before [`masked`] (runs of digits; per-answer ids aside), a hash each,
/// sorted, each once: beside [`token_hashes`] of what was read, for finding a page held inside
/// another ([`numbers_agree`]).
pub fn number_hashes(body: &[u8]) -> Vec<u32> {
    page_hashes(body).1
}

/// [`number_hashes`] of `body` with `names` and `holder` masked first ([`masked`]): not the
/// digits of a `Host`'s port or address a page echoes.
pub(crate) fn number_hashes_masking(body: &[u8], names: &[String], holder: &[String]) -> Vec<u32> {
    let mut numbers = Vec::new();
    let _ = masked_with(body, names, holder, Some(&mut numbers));
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

/// [`token_hashes`] and [`number_hashes`] of a body, in one pass.
pub fn page_hashes(body: &[u8]) -> (Option<Vec<u32>>, Vec<u32>) {
    let mut numbers = Vec::new();
    let all = split_tokens(&masked_with(body, &[], &[], Some(&mut numbers)));
    numbers.sort_unstable();
    numbers.dedup();
    let page = (all.len() <= MAX_PAGE_TOKENS).then(|| all.iter().map(|t| hash_token(t)).collect());
    (page, numbers)
}

/// Whether the numbers of a page held inside another ([`holds_page_hashed`], which masks them)
/// are its own: at least half of `reference`'s ([`number_hashes`]) stand in `other`. A refusal
/// echoing the page's shape with every count zero (a regression sweep's 403
/// `{"whoami":{…,"orders_open":0}}` beside `…"orders_open":3`) holds none of them; the page
/// itself under a refusal line keeps its ids and amounts, a clock or a render time aside (the
/// same sweep's 403 with a page stamped to the millisecond: A, exit 0, where every number had to
/// stand).
pub fn numbers_agree(reference: &[u32], other: &[u32]) -> bool {
    let kept = reference
        .iter()
        .filter(|n| other.binary_search(n).is_ok())
        .count();
    kept.saturating_mul(2) >= reference.len()
}

fn hash_token(token: &[u8]) -> u32 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    token.hash(&mut h);
    // The low half of a 64-bit hash: a token per 4 bytes.
    (h.finish() & u64::from(u32::MAX)) as u32
}

/// Whether `other` is the page `reference` is ([`token_hashes`] of each): the same tokens, or the
/// same but where `reference` shows one of `holder` (the valid certificate's names), something
/// else in its place ([`Shown`]), as [`same_but_the_holder`] reads excerpts.
pub fn same_page_hashed(reference: &[u32], other: &[u32], holder: &[String]) -> bool {
    if reference.is_empty() {
        return false;
    }
    let pattern = pattern(reference, holder);
    matched_from(&pattern, other, 0) == Some(other.len())
}

/// Whether `other` is the page `reference` is ([`token_hashes`] of each) but where `reference`
/// names the valid certificate's holder (`holder`, a name of one token or several), a run of
/// other tokens (at most [`MAX_SHOWN_TOKENS`]) in its place, words of refusal among them allowed:
/// a JSON document carrying its data under a refusal whose caller's name says it refuses
/// (`"signed_in_as":"anonymous (certificate required)"` beside the orders: a review's 403, A,
/// exit 0, where such a run stands for no caller, as a refusal page on the page's layout has
/// it). Only on a page of its own besides the name (as [`Shown::LongName`] needs), and only
/// where at least one name stands in it.
pub fn same_page_but_a_name_refusing(reference: &[u32], other: &[u32], holder: &[String]) -> bool {
    let pattern = pattern_of(reference, holder, true);
    pattern.contains(&Shown::LongName) && matched(&pattern, other, 0, true) == Some(other.len())
}

/// Most tokens another caller's name may take where the valid certificate's page shows a name of
/// its holder of more than one token (a whole subject, `CN=test-client,O=acme`, as Go's
/// `Subject.String()` and nginx's `$ssl_client_s_dn` write it; `-` or `anonymous` elsewhere).
const MAX_SHOWN_TOKENS: usize = 16;

/// A token of the valid certificate's page as compared with another's ([`pattern`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// This token (its hash).
    Token(u32),
    /// A name of the holder of one token: any one token in its place.
    OneName,
    /// A name of the holder of several tokens (a whole subject): any run of at most
    /// [`MAX_SHOWN_TOKENS`] tokens in its place (none too).
    LongName,
}

/// `reference`'s tokens, each run of them that spells a name of `holder` (the valid
/// certificate's names; the longest first) as the name it shows.
fn pattern(reference: &[u32], holder: &[String]) -> Vec<Shown> {
    pattern_of(reference, holder, false)
}

/// [`pattern`], with `every_name_a_run` each name shown as [`Shown::LongName`], one token or
/// several ([`same_page_but_a_name_refusing`]).
fn pattern_of(reference: &[u32], holder: &[String], every_name_a_run: bool) -> Vec<Shown> {
    let mut names: Vec<Vec<u32>> = holder
        .iter()
        .map(|h| {
            tokens(h.as_bytes(), &[], &[])
                .iter()
                .map(|t| hash_token(t))
                .collect::<Vec<u32>>()
        })
        .filter(|n| !n.is_empty())
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    // A name of several tokens stands for any run only on a page of its own besides it: a page
    // that is little more than the name (`{"subject":"CN=…"}`, a whoami) is compared as written
    // (a review's correct whoami, its 403 `{"subject":"anonymous (no certificate presented)"}`,
    // was exit 3).
    let distinct: std::collections::BTreeSet<&u32> = reference.iter().collect();
    let longest = names.first().map_or(0, Vec::len);
    // A page of a dozen distinct tokens besides the name, or of two dozen tokens however
    // repetitive (a JSON list of rows alike: a review's 403 carrying it was passed, A, exit 0).
    if distinct.len() < MIN_HELD_TOKENS + longest && reference.len() < 2 * MIN_HELD_TOKENS + longest
    {
        names.retain(|n| n.len() == 1 && !every_name_a_run);
    }
    let mut out = Vec::with_capacity(reference.len());
    let mut i = 0;
    while let Some(&token) = reference.get(i) {
        match names
            .iter()
            .find(|n| reference.get(i..i + n.len()) == Some(n.as_slice()))
        {
            Some(n) if n.len() > 1 || every_name_a_run => {
                out.push(Shown::LongName);
                i += n.len();
            }
            Some(_) => {
                out.push(Shown::OneName);
                i += 1;
            }
            None => {
                out.push(Shown::Token(token));
                i += 1;
            }
        }
    }
    out
}

/// Where `pattern` read from `other[from..]` ends, if it does: each token in its place, any one
/// token for a one-token name, and for a longer name the fewest tokens (at most
/// [`MAX_SHOWN_TOKENS`]) after which the pattern's next token stands (where the pattern ends
/// there, as many as are left, that many at most).
fn matched_from(pattern: &[Shown], other: &[u32], from: usize) -> Option<usize> {
    matched(pattern, other, from, false)
}

/// [`matched_from`], with `refusing_names` a run in a long name's place that speaks of refusing
/// allowed ([`same_page_but_a_name_refusing`]).
fn matched(pattern: &[Shown], other: &[u32], from: usize, refusing_names: bool) -> Option<usize> {
    let mut j = from;
    for (p, shown) in pattern.iter().enumerate() {
        match shown {
            Shown::Token(t) => {
                if other.get(j) != Some(t) {
                    return None;
                }
                j += 1;
            }
            Shown::OneName => {
                other.get(j)?;
                j += 1;
            }
            Shown::LongName => {
                let run = match pattern.get(p + 1) {
                    Some(Shown::Token(next)) => {
                        (0..=MAX_SHOWN_TOKENS).find(|&k| other.get(j + k) == Some(next))?
                    }
                    Some(_) => 1,
                    None => other.len().saturating_sub(j).min(MAX_SHOWN_TOKENS),
                };
                // What stands in the name's place names no one when it speaks of refusing
                // (`nobody: no certificate presented`): that is a refusal page on the same
                // layout, not the page showing another caller.
                let shown = other.get(j..j + run)?;
                if !refusing_names && shown.iter().any(|t| refusal_tokens().contains(t)) {
                    return None;
                }
                j += run;
            }
        }
    }
    Some(j)
}

/// The hashes of the words that make a run standing in a holder's name a refusal's
/// ([`matched_from`]), as written, capitalised and in capitals.
fn refusal_tokens() -> &'static [u32] {
    static TOKENS: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    TOKENS.get_or_init(|| {
        const WORDS: [&str; 14] = [
            "certificate",
            "certificates",
            "cert",
            "denied",
            "forbidden",
            "unauthorized",
            "unauthenticated",
            "required",
            "refused",
            "presented",
            "invalid",
            "missing",
            "login",
            "signin",
        ];
        WORDS
            .iter()
            .flat_map(|w| {
                let mut capital = w.to_string();
                if let Some(first) = capital.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                [w.to_string(), capital, w.to_ascii_uppercase()]
            })
            .map(|w| hash_token(w.as_bytes()))
            .collect()
    })
}

/// The fewest tokens `pattern` may take.
fn least_tokens(pattern: &[Shown]) -> usize {
    pattern
        .iter()
        .filter(|s| !matches!(s, Shown::LongName))
        .count()
}

/// A page held inside another ([`holds_page_hashed`]) has at least this many tokens, this many
/// distinct: a short one (`ok`, `secret area`) may be a phrase any page holds.
pub const MIN_HELD_TOKENS: usize = 12;

/// Whether `other` holds the whole page `reference` is ([`token_hashes`] of each), with more
/// around it: a refusal line before the protected page (Go's `http.Error(w, "Forbidden", 403)`
/// without `return`, then the handler's page), the page inside an error page's markup, or after
/// it. The tokens of `reference` in a row, where it shows one of `holder` something else in its
/// place, as [`same_page_hashed`] reads them. Only a page of [`MIN_HELD_TOKENS`] tokens and
/// distinct tokens or more.
pub fn holds_page_hashed(reference: &[u32], other: &[u32], holder: &[String]) -> bool {
    let distinct: std::collections::BTreeSet<&u32> = reference.iter().collect();
    let pattern = pattern(reference, holder);
    if distinct.len() < MIN_HELD_TOKENS || other.len() <= least_tokens(&pattern) {
        return false;
    }
    (0..other.len()).any(|from| matched_from(&pattern, other, from).is_some())
}

/// JSON documents read from one body at most ([`json_pairs`]), and the values kept of them.
const MAX_JSON_DOCUMENTS: usize = 16;
const MAX_JSON_PAIRS: usize = 2_000;
/// Bytes of a body searched for JSON documents.
const MAX_JSON_SEARCH: usize = 64 * 1024;

/// The values of the JSON documents a body holds, a hash per value with the name it stands
/// under (`"total": 4821.5` as `total=4821.5`, whatever the path to it, the order of the keys or
/// the indentation): the whole body as one document, else each object or array standing in it
/// (inside an HTML page's `<pre>` or a script, its HTML entities decoded first), at most
/// [`MAX_JSON_DOCUMENTS`] (with `whole_only`, the whole body alone: the valid certificate's
/// page, compared only where it is a JSON document; a page of HTML embedding its site's
/// configuration shares it with every error page). Only values that tell data apart: numbers
/// other than 0, 1 and -1; strings of three characters or more that are no path or URL (a
/// request echoed: `"path": "/api/orders"`) nor an HTTP method. Sorted, each once. For a
/// refusal that carries the protected data re-serialised ([`holds_most_json_pairs`]).
pub fn json_pairs(body: &[u8], whole_only: bool) -> Vec<u32> {
    let body = body.get(..MAX_JSON_SEARCH).unwrap_or(body);
    let text = String::from_utf8_lossy(body);
    let text = text.trim_start_matches('\u{feff}');
    let mut documents: Vec<serde_json::Value> = Vec::new();
    match serde_json::from_str::<serde_json::Value>(text.trim()) {
        Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => documents.push(v),
        Ok(_) => {}
        Err(_) if whole_only => {}
        Err(_) => {
            let decoded;
            let text = if text.contains('&') {
                decoded = text
                    .replace("&quot;", "\"")
                    .replace("&#34;", "\"")
                    .replace("&#x22;", "\"")
                    .replace("&apos;", "'")
                    .replace("&#39;", "'")
                    .replace("&#x27;", "'")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&");
                decoded.as_str()
            } else {
                text
            };
            let mut from = 0;
            let mut tries = 0;
            while documents.len() < MAX_JSON_DOCUMENTS && tries < 4 * MAX_JSON_DOCUMENTS {
                let Some(start) = text
                    .get(from..)
                    .and_then(|t| t.find(['{', '[']))
                    .map(|i| from + i)
                else {
                    break;
                };
                tries += 1;
                let rest = text.get(start..).unwrap_or_default();
                let mut stream =
                    serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
                match stream.next() {
                    Some(Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_)))) => {
                        documents.push(v);
                        from = start + stream.byte_offset().max(1);
                    }
                    _ => from = start + 1,
                }
            }
        }
    }
    let mut pairs = Vec::new();
    for d in &documents {
        leaf_pairs(d, "", &mut pairs);
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// [`json_pairs`]' values of `value`, under `name` (the key it stands under; an array's items
/// under the array's).
fn leaf_pairs(value: &serde_json::Value, name: &str, out: &mut Vec<u32>) {
    if out.len() >= MAX_JSON_PAIRS {
        return;
    }
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                leaf_pairs(v, k, out);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                leaf_pairs(v, name, out);
            }
        }
        serde_json::Value::Number(n) => {
            let shown = n.to_string();
            if !matches!(shown.as_str(), "0" | "1" | "-1" | "0.0" | "1.0") {
                out.push(hash_token(format!("{name}={shown}").as_bytes()));
            }
        }
        serde_json::Value::String(t) => {
            let echo = t.starts_with('/')
                || t.contains("://")
                || matches!(
                    t.as_str(),
                    "GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "OPTIONS" | "PATCH"
                );
            if t.chars().count() >= 3 && !echo {
                out.push(hash_token(format!("{name}=\"{t}\"").as_bytes()));
            }
        }
        serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

/// Whether observations of the probe `id` keep their body's [`json_pairs`]: the anonymous
/// baseline's, whose refusal may carry the protected data, and the valid certificate's page.
pub fn compares_json_pairs(id: crate::facts::ProbeId) -> bool {
    id == crate::facts::ProbeId::NO_CLIENT_CERT || id == crate::facts::ProbeId::VALID_CLIENT_CERT
}

/// The fewest JSON values of the valid certificate's page [`holds_most_json_pairs`] compares,
/// and the fewest a refusal must hold: a small page's few values are what an error repeats of
/// its own (the resource's id from the URL, a tenant, a service's name and version, a query
/// echoed: a review's correct servers, each exit 3 under a first rule of any one value).
pub const MIN_JSON_PAIRS: usize = 6;
/// See [`MIN_JSON_PAIRS`].
pub const MIN_JSON_PAIRS_HELD: usize = 4;

/// Whether the JSON values of a refusal (`other`, [`json_pairs`]) hold more than two thirds of
/// those of the valid certificate's page (`reference`), [`MIN_JSON_PAIRS_HELD`] at least, of a
/// page of [`MIN_JSON_PAIRS`] or more: the protected data re-serialised (indented, its keys
/// sorted, HTML-escaped in a `<pre>`, inside an error envelope beside an `"error"` key, a key or
/// two left out: a review's Go, PHP and Flask handlers, each A, exit 0).
pub fn holds_most_json_pairs(reference: &[u32], other: &[u32]) -> bool {
    let held = reference
        .iter()
        .filter(|r| other.binary_search(r).is_ok())
        .count();
    reference.len() >= MIN_JSON_PAIRS
        && held >= MIN_JSON_PAIRS_HELD
        && held * 3 > reference.len() * 2
}

/// The fewest characters of a short page held as written ([`holds_short_page_as_written`]).
pub const MIN_SHORT_PAGE_CHARS: usize = 12;

/// Whether the excerpt `other` (a refusal's, read whole) holds the excerpt `reference` (the valid
/// certificate's page, read whole) as written, alone or with more around it: a page too short
/// for [`holds_page_hashed`] (`{"balance":42}` under `Access denied`). Only a page of
/// [`MIN_SHORT_PAGE_CHARS`] or more that is a JSON object or array holding a value, or text
/// holding a figure (three digits or more, no version, no year), and not itself a refusal: a
/// shorter one (`ok`, `true`) may stand in any page, a line of words in every page (a banner).
pub fn holds_short_page_as_written(reference: &str, other: &str) -> bool {
    let reference = reference.trim();
    if reference.chars().count() < MIN_SHORT_PAGE_CHARS
        || crate::text::speaks_of_refusal(reference.as_bytes())
        || !other.contains(reference)
    {
        return false;
    }
    let holds_a_value = |v: &serde_json::Value| match v {
        serde_json::Value::Object(m) => !m.is_empty(),
        serde_json::Value::Array(a) => !a.is_empty(),
        _ => false,
    };
    // A JSON document; or text holding a figure: a line of text alone may be a banner every
    // page of the site carries (a review's gateway answering `Acme Corp internal API gateway`,
    // its 403 ending so), a line with the account's figures is data (a review's Go
    // `http.Error(w, "Forbidden", 403)` without `return` before `SECRET customer orders:
    // order-1001 widgets 42, …, account balance 98765`, PHP's `echo "Access denied"` without
    // `exit` before it, each A, exit 0).
    match serde_json::from_str::<serde_json::Value>(reference) {
        Ok(d) => holds_a_value(&d),
        Err(_) => holds_a_figure(reference),
    }
}

/// Whether a line of text holds a figure: a run of three digits or more that is no part of a
/// version (`1.22.1`, `v2.4`) and no year (`2024` in a copyright line), which a banner may carry.
fn holds_a_figure(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digit_at = |a: usize| bytes.get(a).is_some_and(u8::is_ascii_digit);
    let dot_at = |a: usize| bytes.get(a) == Some(&b'.');
    let mut runs = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    runs.into_iter().any(|(s, e)| {
        let run = text.get(s..e).unwrap_or_default();
        let version = (s.checked_sub(1).is_some_and(dot_at)
            && s.checked_sub(2).is_some_and(digit_at))
            || (dot_at(e) && digit_at(e.saturating_add(1)));
        let year = run.len() == 4 && (run.starts_with("19") || run.starts_with("20"));
        run.len() >= 3 && !version && !year
    })
}

/// Whether `other` holds every token of the page `reference` is, in order, with lines of its own
/// between them (a refusal notice inside the page's layout, the page's data inside an error
/// envelope: a review's PHP controller setting 403 and rendering the orders with an alert div
/// among them, and a 401 `{"error":…,"data":{"orders":…}}` beside the valid `{"data":…}`, each
/// A, exit 0). Only a page of [`MIN_HELD_TOKENS`] distinct tokens or more, and an `other` at most
/// twice its length: a long page may hold a short one's words in order by chance. Where
/// `reference` shows one of `holder`, anything in its place.
pub fn holds_page_in_order_hashed(reference: &[u32], other: &[u32], holder: &[String]) -> bool {
    let distinct: std::collections::BTreeSet<&u32> = reference.iter().collect();
    // A name of several tokens is read as written here: in order, with lines between, a run
    // standing for it has no end to check for words of refusal (a review's correct whoami, its
    // 403 "nobody (your card was not presented …)" in the same shell, was exit 3).
    let single: Vec<String> = holder
        .iter()
        .filter(|h| tokens(h.as_bytes(), &[], &[]).len() == 1)
        .cloned()
        .collect();
    let pattern = pattern(reference, &single);
    if distinct.len() < MIN_HELD_TOKENS
        || other.len() <= least_tokens(&pattern)
        || other.len() > reference.len().saturating_mul(2)
    {
        return false;
    }
    let mut rest = other.iter();
    pattern.iter().all(|shown| match shown {
        Shown::Token(r) => rest.any(|o| o == r),
        Shown::OneName => rest.next().is_some(),
        Shown::LongName => true,
    })
}

/// Whether two body excerpts are the same page: the same tokens, numbers aside.
pub fn same_excerpt(a: &str, b: &str) -> bool {
    tokens(a.as_bytes(), &[], &[]) == tokens(b.as_bytes(), &[], &[])
}

/// Whether `other` is `reference`, a page naming the valid certificate's holder (`holder`),
/// but for the holder's name, a token of its own in its place (`"client":"anonymous"` where the
/// reference has `"client":"test-client"`), with at least one such place and nothing else apart.
pub fn same_but_the_holder(reference: &str, other: &str, holder: &[String]) -> bool {
    let (Some(r), Some(o)) = (
        token_hashes(reference.as_bytes()),
        token_hashes(other.as_bytes()),
    ) else {
        return false;
    };
    let pattern = pattern(&r, holder);
    pattern.iter().any(|s| !matches!(s, Shown::Token(_)))
        && matched_from(&pattern, &o, 0) == Some(o.len())
}

/// A page of its own holds at least this many distinct tokens: fewer is a bare value (an id, a
/// token, `ok`), which may differ per caller and says nothing of which page it is.
pub const MIN_PAGE_TOKENS: usize = 4;

/// How many distinct tokens an excerpt holds (numbers aside).
pub fn distinct_tokens(excerpt: &str) -> usize {
    let mut all = tokens(excerpt.as_bytes(), &[], &[]);
    all.sort();
    all.dedup();
    all.len()
}

/// Whether two body excerpts are wholly unlike: fewer than a quarter of the distinct words of the
/// smaller are words of the other (punctuation and numbers aside: two JSON bodies share `{`, `"`,
/// `:` and `,` whatever they say). Two pages of one site's template share its markup's words,
/// and are not; a refusal page and the protected page, each short, share (almost) nothing: `{"ok":
/// false, "error": "unauthorized"}` and `{"ok": true, "orders": […]}` share `ok`.
pub fn wholly_unlike(a: &str, b: &str) -> bool {
    use std::collections::BTreeSet;
    let set = |s: &str| {
        tokens(s.as_bytes(), &[], &[])
            .into_iter()
            .filter(|t| t.iter().any(u8::is_ascii_alphabetic))
            .collect::<BTreeSet<_>>()
    };
    let (a, b) = (set(a), set(b));
    let smaller = a.len().min(b.len());
    smaller > 0 && a.intersection(&b).count() * 4 < smaller
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_bodies_compare_whatever_their_key_order() {
        let a = canonical_json(b"{\"b\":1,\"a\":{\"y\":[3,1],\"x\":\"s\"}}\n");
        let b = canonical_json(b" { \"a\" : { \"x\":\"s\", \"y\":[3,1] }, \"b\":1 }\n");
        assert_eq!(a, b);
        assert_eq!(
            a.as_deref(),
            Some(&b"{\"a\":{\"x\":\"s\",\"y\":[3,1]},\"b\":1}\n"[..])
        );
        // Arrays keep their order; what is not one JSON value is left alone.
        assert_ne!(canonical_json(b"[1,2]"), canonical_json(b"[2,1]"));
        assert_eq!(canonical_json(b"<html>{}</html>"), None);
        assert_eq!(canonical_json(b"{\"a\":1} trailing"), None);
        assert_eq!(canonical_json(b"\"just a string\""), None);
    }

    /// A page that is little more than the whole subject (a whoami) is compared as written, and
    /// a run that speaks of refusing is no other caller's name (a review's correct servers, exit 3
    /// in a first version).
    #[test]
    fn a_whoami_and_a_refusal_in_the_names_place_are_other_pages() {
        let holder = vec!["CN=test-client,O=mtls-scan tests".to_owned()];
        let hashes = |b: &str| token_hashes(b.as_bytes()).unwrap_or_default();
        let valid = hashes(r#"{"subject":"CN=test-client,O=mtls-scan tests"}"#);
        let refused = hashes(r#"{"subject":"anonymous (no certificate presented)"}"#);
        assert!(!same_page_hashed(&valid, &refused, &holder));
        let shell = |who: &str| {
            format!(
                "<html><head><title>Acme portal</title></head><body><nav>Home Orders Billing \
                 Help</nav><p>Signed in as {who}</p><footer>Acme Corp support</footer></body></html>"
            )
        };
        let valid = hashes(&shell("CN=test-client,O=mtls-scan tests"));
        assert!(same_page_hashed(&valid, &hashes(&shell("-")), &holder));
        assert!(!same_page_hashed(
            &valid,
            &hashes(&shell("nobody: no certificate presented")),
            &holder
        ));
        // Nor in order with lines between (a run there has no end to check).
        let nobody = hashes(&shell(
            "nobody (your card was not presented or is not on the list)",
        ));
        assert!(!holds_page_in_order_hashed(&valid, &nobody, &holder));
        assert!(!holds_page_hashed(&valid, &nobody, &holder));
        // A JSON list of rows alike is a page of its own however few its distinct tokens: its
        // leak under `-` is the same page (a review's 403: A, exit 0).
        let rows = r#"{"ref":"ORD-1001","item":"widget","warehouse":"wh-0"},"#.repeat(30);
        let list = |who: &str| format!(r#"{{"signed_in_as":"{who}","orders":[{rows}]}}"#);
        let valid = hashes(&list("CN=test-client,O=mtls-scan tests"));
        assert!(same_page_hashed(&valid, &hashes(&list("-")), &holder));
    }

    #[test]
    fn json_with_a_byte_order_mark_and_json_lines_are_canonical_too() {
        assert_eq!(
            canonical_json(b"\xEF\xBB\xBF{\"b\":1,\"a\":2}"),
            canonical_json(b"{\"a\":2,\"b\":1}")
        );
        assert_eq!(
            canonical_json(b"{\"b\":1,\"a\":2}\n{\"d\":3,\"c\":4}\n").as_deref(),
            Some(&b"{\"a\":2,\"b\":1}\n{\"c\":4,\"d\":3}\n"[..])
        );
        assert_eq!(canonical_json(b"{\"a\":1}\nnot json\n"), None);
    }

    /// A page that shows the holder's whole subject (several tokens) is the same page showing
    /// `-`, or another subject, in its place; a page apart elsewhere is not (a review's Go
    /// handler writing the orders on after its 403: A, exit 0).
    #[test]
    fn a_whole_subject_shown_is_the_holder_too() {
        let holder = vec![
            "test-client".to_owned(),
            "CN=test-client,O=mtls-scan tests".to_owned(),
        ];
        let page = |who: &str, rows: &str| {
            format!(
                "<header>Signed in as: {who}</header><h1>Your orders</h1><table>{rows}</table>\
                 <footer>Rendered 2026-12-06T15:00:00Z</footer>"
            )
        };
        let rows = "<tr><td>1001</td><td>Blue widgets</td></tr><tr><td>1002</td><td>Red</td></tr>";
        let hashes = |b: String| token_hashes(b.as_bytes()).unwrap_or_default();
        let valid = hashes(page("CN=test-client,O=mtls-scan tests", rows));
        for other in ["-", "anonymous", "CN=mallory,O=elsewhere", ""] {
            assert!(
                same_page_hashed(&valid, &hashes(page(other, rows)), &holder),
                "{other}"
            );
            assert!(same_but_the_holder(
                &page("CN=test-client,O=mtls-scan tests", rows),
                &page(other, rows),
                &holder
            ));
        }
        // Held inside a refusal's markup, and in order with a notice among its parts.
        let refused = hashes(format!("<p>Forbidden</p>{}", page("-", rows)));
        assert!(holds_page_hashed(&valid, &refused, &holder));
        // Another page (another row) is not, and without the names the subject is no wildcard.
        let other_rows =
            "<tr><td>1001</td><td>Green widgets</td></tr><tr><td>1002</td><td>Red</td></tr>";
        assert!(!same_page_hashed(
            &valid,
            &hashes(page("-", other_rows)),
            &holder
        ));
        assert!(!same_page_hashed(&valid, &hashes(page("-", rows)), &[]));
    }

    use super::*;

    /// A page inside another, with a refusal line before it or markup around it, is held there;
    /// the same page, a shorter one or a different one is not, nor a short phrase.
    #[test]
    fn a_page_is_held_inside_another_only_whole_and_when_long_enough() -> Result<(), String> {
        let hashed = |s: &str| token_hashes(s.as_bytes()).ok_or("no hashes");
        let page = r#"{"orders":[{"id":"A-1","item":"widget","owner":"alice","status":"shipped"},{"id":"B-2","item":"gadget","owner":"bob"}]}"#;
        let reference = hashed(page)?;
        for around in [
            format!("Forbidden\n{page}"),
            format!("<html><body><h1>403 Forbidden</h1><pre>{page}</pre></body></html>"),
            format!("{page}\nForbidden\n"),
        ] {
            assert!(
                holds_page_hashed(&reference, &hashed(&around)?, &[]),
                "{around}"
            );
        }
        // The same page is not held (same_page_hashed says it), nor a page missing a token.
        assert!(!holds_page_hashed(&reference, &reference, &[]));
        let cut = page.replace(r#","owner":"bob""#, "");
        assert!(!holds_page_hashed(
            &reference,
            &hashed(&format!("403 {cut}"))?,
            &[]
        ));
        // The page's shape with other numbers (every count zero) is not the page.
        let counts = r#"{"whoami":{"client":"alice","orders_open":3,"orders_shipped":12,"invoices_due":2,"credit_limit":5000,"region":"eu-west","tier":"gold"}}"#;
        let zeroed = format!(
            "Forbidden\n{}",
            counts
                .replacen("3", "0", 1)
                .replacen("12", "0", 1)
                .replacen("2,", "0,", 1)
                .replacen("5000", "0", 1)
        );
        let numbers = |s: &str| number_hashes(s.as_bytes());
        assert!(holds_page_hashed(&hashed(counts)?, &hashed(&zeroed)?, &[]));
        assert!(
            !numbers_agree(&numbers(counts), &numbers(&zeroed)),
            "{zeroed}"
        );
        let under = format!("Forbidden\n{counts}");
        assert!(holds_page_hashed(&hashed(counts)?, &hashed(&under)?, &[]));
        assert!(numbers_agree(&numbers(counts), &numbers(&under)));
        // A clock on the page moves on between the two answers: its other numbers stand.
        let stamped = |ms: &str| format!("{page} generated 2026-12-04 21:37:{ms}");
        assert!(numbers_agree(
            &numbers(&stamped("12.345")),
            &numbers(&format!("Forbidden\n{}", stamped("13.901")))
        ));
        // A short page is a phrase any page may hold.
        let short = hashed("secret area")?;
        assert!(!holds_page_hashed(
            &short,
            &hashed("403: no secret area for you")?,
            &[]
        ));
        // The holder's name may be another caller's.
        let named = format!("Forbidden {}", page.replace("alice", "anonymous"));
        assert!(!holds_page_hashed(&reference, &hashed(&named)?, &[]));
        assert!(holds_page_hashed(
            &reference,
            &hashed(&named)?,
            &["alice".to_owned()]
        ));
        Ok(())
    }

    /// A page's tokens in order with lines between them (an alert among its rows, an error
    /// envelope around its data) are held; a refusal in the same layout without the data, a
    /// page missing a row, one in another order and one more than twice as long are not.
    #[test]
    fn a_page_is_held_in_order_with_lines_of_its_own_between() -> Result<(), String> {
        let hashed = |s: &str| token_hashes(s.as_bytes()).ok_or("no hashes");
        let rows = [
            "<tr><td>A-1017</td><td>widget</td><td>alice</td><td>shipped</td></tr>",
            "<tr><td>B-2044</td><td>gadget</td><td>bob</td><td>pending</td></tr>",
        ];
        let layout = |inner: &str| {
            format!(
                "<html><head><title>Orders</title></head><body><h1>Orders</h1>{inner}\
                 <footer>Acme shop</footer></body></html>"
            )
        };
        let valid = layout(&format!("<table>{}{}</table>", rows[0], rows[1]));
        let reference = hashed(&valid)?;
        let alert = "<div class=alert>Access denied: a client certificate is required</div>";
        let rendered = layout(&format!(
            "{alert}<table>{}{alert}{}</table>",
            rows[0], rows[1]
        ));
        assert!(!holds_page_hashed(&reference, &hashed(&rendered)?, &[]));
        assert!(holds_page_in_order_hashed(
            &reference,
            &hashed(&rendered)?,
            &[]
        ));
        let data = r#"{"data":{"orders":[{"id":"A-1","item":"widget","owner":"alice","status":"shipped"},{"id":"B-2","item":"gadget","owner":"bob"}]}}"#;
        let envelope = r#"{"error":"unauthorized: client certificate required","data":{"orders":[{"id":"A-1","item":"widget","owner":"alice","status":"shipped"},{"id":"B-2","item":"gadget","owner":"bob"}]}}"#;
        assert!(
            holds_page_in_order_hashed(&hashed(data)?, &hashed(envelope)?, &[]),
            "{envelope}"
        );
        // The layout with a refusal where the data was; a row missing; the rows swapped.
        let refused = layout(alert);
        assert!(!holds_page_in_order_hashed(
            &reference,
            &hashed(&refused)?,
            &[]
        ));
        let missing = layout(&format!("{alert}<table>{}</table>", rows[0]));
        assert!(!holds_page_in_order_hashed(
            &reference,
            &hashed(&missing)?,
            &[]
        ));
        let swapped = layout(&format!("{alert}<table>{}{}</table>", rows[1], rows[0]));
        assert!(!holds_page_in_order_hashed(
            &reference,
            &hashed(&swapped)?,
            &[]
        ));
        // More than twice the page: a long page may hold its words in order by chance.
        let long = format!("{rendered}{}", alert.repeat(12));
        assert!(!holds_page_in_order_hashed(
            &reference,
            &hashed(&long)?,
            &[]
        ));
        // The same page is not held (same_page_hashed says it), and the holder may be another.
        assert!(!holds_page_in_order_hashed(&reference, &reference, &[]));
        let named = rendered.replace("alice", "anonymous");
        assert!(!holds_page_in_order_hashed(
            &reference,
            &hashed(&named)?,
            &[]
        ));
        assert!(holds_page_in_order_hashed(
            &reference,
            &hashed(&named)?,
            &["alice".to_owned()]
        ));
        Ok(())
    }

    /// A refusal page and the protected page share nothing; two pages of one template share its
    /// markup; numbers do not make two excerpts another page.
    /// A path is masked wherever it stands, after a host in an absolute link too (a `self` or
    /// canonical link: an audit's false pass), while a host name still needs a boundary before
    /// it (`notsecure.test` is not `secure.test`).
    #[test]
    fn paths_are_masked_after_a_host_and_names_only_on_a_boundary() {
        let names = ["/ADMIN/orders".to_owned(), "secure.test".to_owned()];
        let door = br#"{"self":"https://secure.test:8443/ADMIN/orders","by":"notsecure.test"}"#;
        let reference =
            br#"{"self":"https://secure.test:8443/admin/orders","by":"notsecure.test"}"#;
        let (a, b) = (masked(door, &names, &[]), masked(reference, &names, &[]));
        assert_eq!(a, b);
        let text = String::from_utf8_lossy(&a).into_owned();
        assert!(
            !text.contains("orders") && text.contains("notsecure.test"),
            "{text}"
        );
    }

    #[test]
    fn excerpts_are_wholly_unlike_only_when_they_share_almost_nothing() {
        let help =
            "<h1>Help</h1><p>To use this API, ask the platform team for a client certificate</p>";
        assert!(wholly_unlike("ok", help));
        assert!(wholly_unlike(r#"{"orders":[]}"#, help));
        let template = |body: &str| {
            format!(
                "<!doctype html><html><head><title>Example Corp</title></head><body><nav>Home \
                 Orders Account</nav><main>{body}</main></body></html>"
            )
        };
        assert!(!wholly_unlike(
            &template("Your orders: 3"),
            &template("Please sign in")
        ));
        assert!(!wholly_unlike("", help), "nothing to compare is not unlike");
        // JSON: the punctuation every body shares is no likeness; the words are.
        let orders = r#"{"ok":true,"orders":[{"id":1017,"total":"42.00"}]}"#;
        assert!(wholly_unlike(
            r#"{"ok":false,"error":"a valid client certificate is required"}"#,
            orders
        ));
        assert!(wholly_unlike(
            r#"{"ok":false,"error":"unauthorized","code":401}"#,
            orders
        ));
        assert!(!wholly_unlike(
            r#"{"ok":true,"orders":[{"id":2,"total":"9.00"}],"user":"anyone"}"#,
            orders
        ));
        assert!(same_excerpt("served at 10:00:01", "served at 11:02:03"));
        // Per-answer ids: a UUID, a trace id; not a word, nor a hex run inside a word.
        assert!(same_excerpt(
            r#"{"request_id":"328ecb40-ff6e-4336-8e9e-2acbc2e214f1","account":"x"}"#,
            r#"{"request_id":"79f6a0c4-b2f5-4568-8d0e-2c35de9abb04","account":"x"}"#
        ));
        assert!(same_excerpt(
            "trace 4bf92f3577b34da6a3ce929d0e0e4736 done",
            "trace 0af7651916cd43dd8448eb211c80319c done"
        ));
        assert!(!same_excerpt(
            "user deadbeefcafebabe1 done",
            "user xdeadbeefcafebabe1 done"
        ));
        assert!(!same_excerpt("decade-faced-accede", "beaded-ceded-facade"));
        assert!(!same_excerpt("served", "refused"));
    }

    /// A JSON document whose caller's name, one token or a whole subject, is a run speaking of
    /// refusing is the page all the same, where the page is one of its own besides the name; a
    /// whoami (little more than the name) is not, nor a document whose data differ.
    #[test]
    fn a_name_that_refuses_in_the_valid_document_is_read_as_another_callers() {
        let rows = r#""account":"acme corp","orders":[{"id":1,"item":"widget"},{"id":2,"item":"gadget"},{"id":3,"item":"sprocket"}]"#;
        let doc = |name: &str, rows: &str| format!(r#"{{"client":"{name}",{rows}}}"#);
        let hashes = |s: &str| token_hashes(s.as_bytes()).unwrap_or_default();
        let refusing = hashes(&doc("anonymous (certificate required)", rows));
        for (name, holder) in [
            ("test-client", "test-client"),
            ("CN=test-client,O=acme", "CN=test-client,O=acme"),
        ] {
            let valid = hashes(&doc(name, rows));
            let holder = [holder.to_owned()];
            assert!(
                same_page_but_a_name_refusing(&valid, &refusing, &holder),
                "{name}"
            );
            assert!(!same_page_hashed(&valid, &refusing, &holder), "{name}");
        }
        let other_rows = rows.replace("sprocket", "flange");
        let valid = hashes(&doc("test-client", &other_rows));
        assert!(!same_page_but_a_name_refusing(
            &valid,
            &refusing,
            &["test-client".to_owned()]
        ));
        let whoami = hashes(r#"{"subject":"CN=test-client,O=acme"}"#);
        let refused = hashes(r#"{"subject":"anonymous (no certificate presented)"}"#);
        assert!(!same_page_but_a_name_refusing(
            &whoami,
            &refused,
            &["CN=test-client,O=acme".to_owned()]
        ));
    }

    /// The protected data re-serialised in a refusal is held: indented with its keys sorted,
    /// HTML-escaped in a `<pre>`, in a script of an HTML page, inside an error envelope, a key
    /// left out; a refusal sharing only an envelope, echoing the request, or saying `false`
    /// where the page says `true`, is not.
    #[test]
    fn json_values_held_in_another_form() {
        let page = br#"{"path":"/api/orders","orders":[{"id":558812,"total":4821.5,"sku":"WID-7"},{"id":558813,"total":12.25,"sku":"BLT-2"}]}"#;
        let reference = json_pairs(page, true);
        assert_eq!(reference.len(), 6, "the path is an echo: not a value");
        for refusal in [
            "{\n  \"orders\": [\n    {\n      \"sku\": \"WID-7\",\n      \"total\": 4821.5,\n      \"id\": 558812\n    },\n    {\"sku\":\"BLT-2\",\"total\":12.25,\"id\":558813}\n  ]\n}",
            "<html><h1>Forbidden</h1><pre>[{&#34;id&#34;:558812,&#34;total&#34;:4821.5,&#34;sku&#34;:&#34;WID-7&#34;},{&#34;id&#34;:558813,&#34;total&#34;:12.25,&#34;sku&#34;:&#34;BLT-2&#34;}]</pre></html>",
            "<script>window.__STATE__ = {\"orders\": [{\"id\": 558812, \"sku\": \"WID-7\", \"total\": 4821.5}, {\"id\": 558813, \"sku\": \"BLT-2\", \"total\": 12.25}]};</script> Forbidden",
            r#"{"error":"forbidden","orders":[{"id":558812,"total":4821.5,"sku":"WID-7"},{"id":558813,"total":12.25}]}"#,
        ] {
            assert!(
                holds_most_json_pairs(&reference, &json_pairs(refusal.as_bytes(), false)),
                "{refusal}"
            );
        }

        for (page, refusal) in [
            (
                r#"{"service":"orders-api","version":"2.4.1","data":[{"id":558812}]}"#,
                r#"{"service":"orders-api","version":"2.4.1","error":"forbidden"}"#,
            ),
            (
                r#"{"path":"/api/orders","method":"GET","orders":[7731]}"#,
                r#"{"error":"forbidden","path":"/api/orders","method":"GET"}"#,
            ),
            (r#"{"ok":true,"count":0}"#, r#"{"ok":false,"count":0}"#),
            (
                r#"{"status":"ok","user":"test-client"}"#,
                r#"{"status":"denied","user":null}"#,
            ),
            (r#"{"balance":42}"#, r#"{"error":"forbidden","balance":0}"#),
            (r#"{"balance":42}"#, "Forbidden: 42 is not yours"),
            // A small page's values an error repeats of its own (a review's correct servers):
            // the resource's id from the URL, a whoami's service, version, region and tenant.
            (
                r#"{"order_id":558812}"#,
                r#"{"error":"forbidden","order_id":558812}"#,
            ),
            (
                r#"{"service":"orders-api","version":"2.4.1","region":"eu-west-1","tenant":"acme","subject":"CN=test-client"}"#,
                r#"{"error":"forbidden","service":"orders-api","version":"2.4.1","region":"eu-west-1","tenant":"acme"}"#,
            ),
            // A page of HTML is not compared: its site's configuration stands in every page.
            (
                r#"<script>window.__CONFIG__={"apiBase":"https://api.acme.example","version":"2.4.1","region":"eu-west-1","tenant":"acme","build":"20261207.4","env":"prod"}</script><p>Balance 4821.50</p>"#,
                r#"<script>window.__CONFIG__={"apiBase":"https://api.acme.example","version":"2.4.1","region":"eu-west-1","tenant":"acme","build":"20261207.4","env":"prod"}</script><p>Forbidden</p>"#,
            ),
        ] {
            assert!(
                !holds_most_json_pairs(
                    &json_pairs(page.as_bytes(), true),
                    &json_pairs(refusal.as_bytes(), false)
                ),
                "{page} / {refusal}"
            );
        }
    }
}
