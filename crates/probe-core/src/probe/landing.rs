//! Where a served side door landed: on the protected site, or on a page the server gives anyway.
//!
//! A side door (another SNI name with the protected `Host`, a session resumed from another name)
//! that is served a 2xx is a bypass only if the page is the protected site's. Two pages a server
//! gives whatever the `Host` are not: the door name's own site, and the page for any `Host` the
//! server does not know (an SNI router that sends the door name to another backend, whose default
//! site answers). So a served door is judged against controls on the same name, without a
//! certificate: its own `Host` (when that is another `Host` than the protected one), and a `Host`
//! nobody serves (`mtls-scan-<random>.invalid`). A page unlike both is specific to the protected
//! `Host`: a bypass. A page like one of them may still be the protected site's (a default backend
//! can be the protected app; a server that ignores `Host` serves the protected app to every
//! name), so the protected site's page, fetched with the scan's valid certificate when there is
//! one, decides. Without one, only a page like the name's own and unlike the unknown `Host`'s (a
//! name that routes the protected `Host` to its own site) is told apart; the rest stays unsure,
//! and the target incomplete, never passed.
//!
//! Pages are compared as a user would: the same status, and the same tokens in the same places,
//! where a `Host` an answer asked for counts as one placeholder (default pages echo it), and a
//! token may differ where it is a number or a date, or where the same control asked twice got
//! two different ones (nonces, CSRF tokens, request ids).

use super::page::{tokens, HOLDER_MARK};
use super::side_door::{authority_of, knock, Door, Seen};
use super::{FirstWave, ScanContext};
use crate::facts::TlsVersion;
use crate::target::Target;
use crate::transport::Sni;

/// One control: the `Host` it asked for, what it got, and what it got when asked again at once
/// (what differs between the two changes from one answer to the next).
#[derive(Debug, Clone)]
pub struct Control {
    /// The `Host` asked for.
    pub host: String,
    /// What it got.
    pub seen: Seen,
    /// What it got the second time.
    pub again: Option<Seen>,
}

/// The controls a served door was judged against, as far as they were needed.
#[derive(Debug, Clone, Default)]
pub struct Controls {
    /// The `Host` the door (and the reference) asked for: the protected one.
    pub protected_host: String,
    /// The door's name asking for its own `Host` (none without SNI, or when the name's own
    /// `Host` is the protected one or one nobody serves).
    pub own: Option<Control>,
    /// The door's name asking for a `Host` nobody serves.
    pub unknown: Option<Control>,
    /// The protected name and `Host` with the scan's valid certificate, fetched only when the
    /// controls did not already show the door's page specific to the protected `Host`.
    pub reference: Option<Control>,
    /// The protected name and `Host` again, without a certificate, asked beside the other
    /// controls: a door is one only while the front door stays shut. Served, or busy, or
    /// unreadable, the server answers alike with and without the door (a fleet whose backends
    /// differ from one connection to the next), so the door proves nothing.
    pub front: Option<Control>,
    /// The values of the user's headers (a token, often), sent with the door and the reference
    /// (the protected `Host`) but never with the controls (other `Host`s): masked in every page,
    /// as an echo server would show them.
    pub secrets: Secrets,
    /// The names the reference's page may show of the valid certificate's holder (its common
    /// name, its alternative names: [`super::valid_client_cert::holder_names`]), where the
    /// door's page shows another caller (`anonymous`) or none.
    pub holder: Vec<String>,
    /// Other spellings of the request the door made ([`super::spelled`]): of the protected
    /// `Host` (`secure.example.`, `SECURE.EXAMPLE`, `secure.example:443`), or the path as
    /// written and as spelled (`/admin/orders`, `/%61dmin/orders`): masked in every page as the
    /// `Host`s are, since a page may echo what it was asked for.
    pub aliases: Vec<String>,
}

impl Control {
    /// What it got, each time it was asked (once, or twice).
    pub fn asks(&self) -> impl Iterator<Item = &Seen> {
        std::iter::once(&self.seen).chain(self.again.as_ref())
    }
}

impl Controls {
    /// A door's first controls on `target`: its own `Host` (when asked) and one nobody serves.
    fn of(target: &Target, own: Option<Control>, unknown: Control) -> Self {
        Controls {
            secrets: Secrets::of(target),
            protected_host: target.authority(),
            own,
            unknown: Some(unknown),
            front: None,
            reference: None,
            holder: Vec::new(),
            aliases: Vec::new(),
        }
    }
}

/// Values never shown (their `Debug` says how many there are, not what they are).
#[derive(Clone, Default)]
pub struct Secrets(pub Vec<String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} redacted>", self.0.len())
    }
}

impl Secrets {
    /// The values of `target`'s extra headers never to show
    /// ([`crate::target::ExtraHeaders::secret_values`]).
    pub fn of(target: &Target) -> Secrets {
        Secrets(target.secret_values())
    }
}

/// Where a served door landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landing {
    /// On the protected site: its page is specific to the protected `Host`, or is the one the
    /// valid certificate is served.
    Protected,
    /// On a page the server gives anyway; what that page is.
    Elsewhere(String),
    /// Could not be told; why.
    Unsure(String),
}

/// A body as tokens (see [`tokens`]), and whether it was cut short (at the cap, or stalled).
struct Page {
    tokens: Vec<Vec<u8>>,
    cut: bool,
    /// A JSON page's numbers ([`super::page::number_hashes`] of its canonical form): the tokens
    /// mask them, so two documents of one shape and other figures (a public sandbox's zeros
    /// beside the protected counts, keys in another order) compare alike but for these.
    numbers: Option<Vec<u32>>,
}

impl Page {
    fn of(seen: &Seen, names: &[String], holder: &[String]) -> Page {
        let r = &seen.result;
        Page {
            tokens: tokens(&r.body, names, holder),
            cut: r.truncated || !r.complete,
            numbers: None,
        }
    }

    /// A JSON body read whole in one canonical form, each object's keys sorted
    /// ([`super::page::canonical_json`]), with its numbers; `None` for any other body. Compared
    /// so only with another such page ([`reference_likeness`]): an API writing its keys in a new
    /// order each answer (workers with different hash seeds) serves one page all the same (a
    /// review's behind a public sibling name: A, exit 0).
    fn of_json(seen: &Seen, names: &[String], holder: &[String]) -> Option<Page> {
        let r = &seen.result;
        if r.truncated || !r.complete {
            return None;
        }
        let canonical = super::page::canonical_json(&r.body)?;
        Some(Page {
            tokens: tokens(&canonical, names, holder),
            cut: false,
            numbers: Some(super::page::number_hashes(&canonical)),
        })
    }

    /// The tokens held whole: a cut body's last one may be cut too.
    fn whole(&self) -> usize {
        if self.cut {
            self.tokens.len().saturating_sub(1)
        } else {
            self.tokens.len()
        }
    }
}

/// A cut body is compared on at least this many whole tokens, else it cannot be told.
const MIN_CUT_TOKENS: usize = 64;

/// How alike two pages are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Alike {
    /// Another page.
    Different,
    /// Cut too short to tell.
    Unknown,
    /// The same but for a few tokens: a token that changes unseen, another page built on the
    /// same template, or the protected page showing the certificate's identity.
    Near,
    /// The same page.
    Same,
}

/// How near a page must be to the protected page to be [`Alike::Near`]: at most one token in
/// this many differs ([`near_the_protected_page`] adds short pages).
const NEAR_THE_PROTECTED_PAGE: usize = 20;

/// A page of at most this many tokens (punctuation included) is a short page
/// ([`near_the_protected_page`]).
const SHORT_PAGE_TOKENS: usize = 60;

/// On a short page, at most this many words changed, inserted or removed keep it near the
/// protected page, and at most half of the words of the shorter page.
const SHORT_PAGE_EDITS: usize = 3;

/// A short page of fewer words than this is near the protected page only as [`alike`] says:
/// `public area` beside `secret area`, `SECRET-OK open` beside `SECRET-OK strict` (sites naming
/// themselves) are other pages.
const SHORT_PAGE_WORDS: usize = 3;

/// [`alike`] with the protected page, and near also where the pages differ in a short stretch
/// (what lies between their common start and end, [`SHORT_PAGE_TOKENS`] at most on each side):
/// at most [`SHORT_PAGE_EDITS`] words there (signs aside) changed, inserted or removed
/// ([`strsim::generic_levenshtein`]), and at most half the words of the page with fewer
/// ([`SHORT_PAGE_WORDS`] at least). One token in 20 is none on a page of 15 tokens, and pages of
/// two lengths were another page whatever their length, yet `{"verified":false,"key":…}` where
/// the valid certificate's page says `true`, three such fields, or `"verified":null` (HAProxy
/// sets the header only `if { ssl_c_used }`) beside `"SUCCESS"` is that page telling its caller
/// apart: audit P's doors so were passed for "another page". Which it is cannot be told from
/// outside (a public `{"area":"public"}` beside `{"area":"admin"}` is as near): unsure where
/// judged, never passed. `<html>welcome</html>` beside `<html>admin console</html>` (2 words
/// apart of 3) is another page.
fn near_the_protected_page(a: &Page, b: &Page, changing: Option<&[bool]>) -> Alike {
    let how = alike(a, b, changing, NEAR_THE_PROTECTED_PAGE);
    if how != Alike::Different || a.cut || b.cut {
        return how;
    }
    let (la, lb) = (a.tokens.len(), b.tokens.len());
    // On pages of one length, a token that changed between the reference's two asks is alike.
    let changing = changing.filter(|v| v.len() == lb && la == lb);
    let alike_at = |i: usize, j: usize| {
        a.tokens.get(i) == b.tokens.get(j)
            || (i == j && changing.is_some_and(|v| v.get(i) == Some(&true)))
    };
    let shorter = la.min(lb);
    let start = (0..shorter).take_while(|&i| alike_at(i, i)).count();
    let end = (0..shorter - start)
        .take_while(|&k| alike_at(la - 1 - k, lb - 1 - k))
        .count();
    let (stretch_a, stretch_b) = (
        a.tokens.get(start..la - end).unwrap_or_default(),
        b.tokens.get(start..lb - end).unwrap_or_default(),
    );
    if stretch_a.len().max(stretch_b.len()) > SHORT_PAGE_TOKENS {
        return Alike::Different;
    }
    let (apart_a, apart_b) = (words(stretch_a), words(stretch_b));
    let edits = strsim::generic_levenshtein(&apart_a, &apart_b);
    let fewest = words(&a.tokens).len().min(words(&b.tokens).len());
    let near = edits <= SHORT_PAGE_EDITS && edits * 2 <= fewest && fewest >= SHORT_PAGE_WORDS;
    // However short the page, one word apart where both say whether the caller was verified
    // (`{"v":false}` beside `{"v":true}`): the page telling its caller apart.
    let verdict_word = |w: &[Vec<u8>]| match w {
        [word] => CALLER_VERDICT_WORDS
            .iter()
            .any(|v| word.eq_ignore_ascii_case(v.as_bytes())),
        _ => false,
    };
    if near || (verdict_word(&apart_a) && verdict_word(&apart_b)) {
        Alike::Near
    } else {
        Alike::Different
    }
}

/// Words a page says whether its caller was verified with (`true`/`false`, nginx's
/// `$ssl_client_verify`: `SUCCESS`/`NONE`/`FAILED`, `null` where a header was not set): a page
/// of any length one such word apart from the protected page is near it.
const CALLER_VERDICT_WORDS: [&str; 10] = [
    "true",
    "false",
    "null",
    "none",
    "success",
    "failed",
    "yes",
    "no",
    "verified",
    "anonymous",
];

/// The words among `tokens` ([`near_the_protected_page`]): a run of word characters (a number's
/// mark, a masked name), never a lone sign (`{`, `"`, `-`); a run of bytes of non-ASCII text
/// (split a byte a token) is one word.
fn words(tokens: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut text = false;
    for t in tokens {
        match t.as_slice() {
            [c] if !c.is_ascii() => {
                match out.last_mut() {
                    Some(last) if text => last.push(*c),
                    _ => out.push(vec![*c]),
                }
                text = true;
                continue;
            }
            [c] if *c != super::page::NUMBER_MARK && c.is_ascii_punctuation() => {}
            _ => out.push(t.clone()),
        }
        text = false;
    }
    out
}

/// Where a control asked twice got different tokens, unless that is more than two and more than
/// a tenth of them (the two answers are then not one page with a few changing tokens).
fn changing(c: &Control, names: &[String], holder: &[String]) -> Option<Vec<bool>> {
    changing_as(c, names, holder, false)
}

/// [`changing`], the two asks read as JSON pages ([`Page::of_json`]) with `json`: `None` where
/// either is none.
fn changing_as(c: &Control, names: &[String], holder: &[String], json: bool) -> Option<Vec<bool>> {
    let again = c.again.as_ref()?;
    if c.seen.status() != again.status() {
        return None;
    }
    let (a, b) = if json {
        (
            Page::of_json(&c.seen, names, holder)?,
            Page::of_json(again, names, holder)?,
        )
    } else {
        (
            Page::of(&c.seen, names, holder),
            Page::of(again, names, holder),
        )
    };
    if a.tokens.len() != b.tokens.len() || a.cut || b.cut {
        return None;
    }
    let changed: Vec<bool> = a
        .tokens
        .iter()
        .zip(&b.tokens)
        .map(|(x, y)| x != y)
        .collect();
    let count = changed.iter().filter(|&&c| c).count();
    (count <= 2 || count * 10 <= changed.len()).then_some(changed)
}

/// How alike two bodies are, token by token in place, but where `changing` (learned on `b`'s
/// control) says a token changes; near when at most one in `near` tokens differs. A body cut
/// short is compared on the tokens it holds whole, which the other must hold too, and on at
/// least [`MIN_CUT_TOKENS`] of them.
fn alike(a: &Page, b: &Page, changing: Option<&[bool]>, near: usize) -> Alike {
    let (la, lb) = (a.tokens.len(), b.tokens.len());
    let n = match (a.cut, b.cut) {
        (false, false) if la == lb => la,
        (false, false) => return Alike::Different,
        (true, false) if lb >= a.whole() => a.whole(),
        (false, true) if la >= b.whole() => b.whole(),
        (true, true) => a.whole().min(b.whole()),
        _ => return Alike::Different,
    };
    let diffs = differing(a, b, changing, n);
    if (a.cut || b.cut) && n < MIN_CUT_TOKENS {
        return if diffs == 0 {
            Alike::Unknown
        } else {
            Alike::Different
        };
    }
    match diffs {
        0 => Alike::Same,
        d if d * near <= n => Alike::Near,
        _ => Alike::Different,
    }
}

/// How many of the first `n` tokens differ in place between `a` and `b`, but where `changing`
/// (learned on `b`'s control, as long as `b`) says a token changes.
fn differing(a: &Page, b: &Page, changing: Option<&[bool]>, n: usize) -> usize {
    let changing = changing.filter(|v| v.len() == b.tokens.len());
    (0..n)
        .filter(|&i| {
            a.tokens.get(i) != b.tokens.get(i) && changing.is_none_or(|v| v.get(i) != Some(&true))
        })
        .count()
}

/// `learned` (the tokens that changed between two asks of the reference), and where the
/// reference's page shows a name (masked: a holder's name of the valid certificate, or a `Host`)
/// and the door's page a word in its place: the protected page showing its caller (`"user":
/// "test-client"` where the door got `"user": "anonymous"`). Two pages of the same length whose
/// only difference is there are the same page, whatever their length.
fn holder_shown(door: &Page, reference: &Page, learned: Option<Vec<bool>>) -> Option<Vec<bool>> {
    let n = reference.tokens.len();
    let mut may = learned
        .filter(|v| v.len() == n)
        .unwrap_or_else(|| vec![false; n]);
    for (slot, (d, r)) in may
        .iter_mut()
        .zip(door.tokens.iter().zip(&reference.tokens))
    {
        if r.contains(&HOLDER_MARK) && !d.contains(&HOLDER_MARK) {
            *slot = true;
        }
    }
    Some(may)
}

/// Where the reference shows the certificate's holder in a stretch of tokens the door's page
/// lacks or fills with a few of its own (`"caller":"/O=Org/CN=test-client"` where the door got
/// `"caller":""`, or no caller field at all): before and after the stretch the pages are the
/// same (but for tokens that changed between two asks). Near, never the same: the door's page
/// may be the protected page showing no caller (HAProxy's `%[ssl_c_s_dn]` is empty without a
/// certificate: the orders through a sibling name) or a public page that the protected one only
/// adds its caller to (a status page): which cannot be told, so a door that got it is unsure,
/// never passed for "another page" (it was: A, exit 0) nor called a bypass. `None`: no such
/// stretch (pages of the same length are [`holder_shown`]'s).
fn holder_stretch(door: &Page, reference: &Page, learned: Option<&[bool]>) -> Option<Alike> {
    let (d, r) = (&door.tokens, &reference.tokens);
    if door.cut || reference.cut || d.len() == r.len() {
        return None;
    }
    let learned = learned.filter(|v| v.len() == r.len());
    let may_differ = |i: usize| learned.is_some_and(|v| v.get(i) == Some(&true));
    let short = d.len().min(r.len());
    let prefix = (0..short)
        .take_while(|&i| d.get(i) == r.get(i) || may_differ(i))
        .count();
    let suffix = (0..short - prefix)
        .take_while(|&k| {
            let (di, ri) = (d.len() - 1 - k, r.len() - 1 - k);
            d.get(di) == r.get(ri) || may_differ(ri)
        })
        .count();
    let door_stretch = d.get(prefix..d.len() - suffix).unwrap_or_default();
    let shown = r.get(prefix..r.len() - suffix).unwrap_or_default();
    let holds = |t: &[Vec<u8>]| t.iter().any(|t| t.contains(&HOLDER_MARK));
    // The rest of the two pages is one page: the door's holds a few tokens of its own at most,
    // and shares the others with the reference (a public page that shares nothing with a
    // protected one showing its caller is another page).
    let shared = prefix + suffix;
    if !holds(shown)
        || holds(door_stretch)
        || door_stretch.len() > 3
        || shared < 4
        || shared * 2 < d.len()
    {
        return None;
    }
    // A word of the stretch that is no part of a name (`balance`, where `O=Acme` and
    // `tests/CN=<holder>` are).
    let plain_words = shown
        .iter()
        .filter(|t| {
            t.iter().any(u8::is_ascii_alphanumeric)
                && !t
                    .iter()
                    .any(|b| matches!(b, b'=' | b'/' | b'@' | &HOLDER_MARK))
        })
        .count();
    (shown.len() <= MAX_CALLER_STRETCH && plain_words <= 1).then_some(Alike::Near)
}

/// Tokens of the stretch a page shows its caller in, at most (`"caller":"/O=Org/CN=name",`).
const MAX_CALLER_STRETCH: usize = 12;

/// Why a control proves nothing, when it does not: an answer that could not be read (a busy one
/// included: a rate limit tripped by the controls asked at once), unless both asks got HAProxy's
/// own 503 page, which says no backend serves that `Host` (HAProxy without a default backend).
fn control_unreadable(c: &Control) -> Option<String> {
    let why = c.seen.unreadable()?;
    let no_backend = |s: &Seen| {
        s.status() == Some(503)
            && s.result
                .body
                .windows(NO_BACKEND.len())
                .any(|w| w == NO_BACKEND)
    };
    let unserved = no_backend(&c.seen) && c.again.as_ref().is_some_and(no_backend);
    (!unserved).then_some(why)
}

/// HAProxy's own 503 page: no server (no backend) for the request.
const NO_BACKEND: &[u8] = b"No server is available to handle this request";

/// Judges a served door against its controls. The protected site's own page, when it was fetched
/// with the certificate, outranks the rest: a door served that page is in, even on a name that
/// answers every `Host` alike. Without it, a door is in only when its page is unlike every
/// control's; anything else stays unsure.
pub fn landing(door: &Seen, c: &Controls) -> Landing {
    let verdict = by_pages(door, c);
    if verdict != Landing::Protected {
        return verdict;
    }
    let Some(front) = &c.front else {
        return verdict;
    };
    let open = front
        .asks()
        .find(|seen| seen.served() || seen.unreadable().is_some());
    match open {
        Some(seen) => Landing::Unsure(format!(
            "the protected name and Host, asked again without a certificate beside it, {}: the \
             server does not refuse an anonymous client on every connection (a fleet whose \
             backends differ?), so the door proves nothing of its own",
            match seen.unreadable() {
                Some(why) => format!("could not be read ({why})"),
                None => format!("were served HTTP {}", seen.status().unwrap_or_default()),
            }
        )),
        None => verdict,
    }
}

/// Where the door landed by its page and the controls' (the front door aside).
fn by_pages(door: &Seen, c: &Controls) -> Landing {
    by_pages_judging(door, c).0
}

/// [`by_pages`], and how like the door's page is to the protected page fetched with the client
/// certificate (the reference), when there is one: only the same page shows it is the protected
/// site's.
fn by_pages_judging(door: &Seen, c: &Controls) -> (Landing, Option<Alike>) {
    let mut names: Vec<String> = vec![c.protected_host.clone()];
    names.extend(c.aliases.iter().cloned());
    names.extend(
        [&c.own, &c.unknown, &c.reference]
            .into_iter()
            .flatten()
            .map(|ctl| ctl.host.clone()),
    );
    names.extend(c.secrets.0.iter().cloned());
    // Against the protected page, only what both requests asked for is masked (the protected
    // `Host`, its spellings, the user's header values), as [`carries_the_reference`] masks: the
    // door's own name and the one nobody serves are masked against the controls alone. A sibling
    // site whose page names itself ("SECRET-OK open" beside "SECRET-OK strict", "Dashboard of
    // acme" beside "… of globex") is another page, not the protected one with a name masked out
    // (an audit's HAProxy routing by SNI: a false critical `sni-host-mismatch-bypass`).
    let mut asked_names: Vec<String> = vec![c.protected_host.clone()];
    asked_names.extend(c.aliases.iter().cloned());
    asked_names.extend(c.reference.as_ref().map(|r| r.host.clone()));
    asked_names.extend(c.secrets.0.iter().cloned());
    let door_page = Page::of(door, &names, &c.holder);
    let door_page_asked = Page::of(door, &asked_names, &c.holder);
    if door_page.cut && door_page.whole() < MIN_CUT_TOKENS {
        return (
            Landing::Unsure(format!(
                "its answer was cut short after {} tokens: too little to tell which page it is",
                door_page.whole()
            )),
            None,
        );
    }
    // Near a control: at most 2% of the tokens differ (`near`: one in 50); near the protected
    // page with the certificate (`shows_holder`): as [`near_the_protected_page`] says (it may
    // show the certificate's identity), `near` unused.
    let how_alike = |ctl: &Control, near: usize, shows_holder: bool| -> Alike {
        let (names, door_page) = if shows_holder {
            (&asked_names, &door_page_asked)
        } else {
            (&names, &door_page)
        };
        let learned = changing(ctl, names, &c.holder);
        ctl.asks()
            .map(|seen| {
                if !(door.served() && seen.served() && door.status() == seen.status()) {
                    return Alike::Different;
                }
                let page = Page::of(seen, names, &c.holder);
                let may_differ = if shows_holder {
                    holder_shown(door_page, &page, learned.clone())
                } else {
                    learned.clone()
                };
                let how = if shows_holder {
                    near_the_protected_page(door_page, &page, may_differ.as_deref())
                } else {
                    alike(door_page, &page, may_differ.as_deref(), near)
                };
                match shows_holder.then(|| holder_stretch(door_page, &page, learned.as_deref())) {
                    Some(Some(stretch)) => how.max(stretch),
                    _ => how,
                }
            })
            .max()
            .unwrap_or(Alike::Different)
    };
    let reference = c
        .reference
        .as_ref()
        .map(|r| how_alike(r, NEAR_THE_PROTECTED_PAGE, true));
    if reference == Some(Alike::Same) {
        return (Landing::Protected, reference);
    }
    if let Some(why) = c.own.as_ref().and_then(control_unreadable) {
        return (
            Landing::Unsure(format!("its own Host's answer could not be read: {why}")),
            reference,
        );
    }
    if let Some(u) = &c.unknown {
        if let Some(why) = control_unreadable(u) {
            return (
                Landing::Unsure(format!(
                    "the answer to Host {} (a name nobody serves) could not be read: {why}",
                    u.host
                )),
                reference,
            );
        }
    }
    let own = c
        .own
        .as_ref()
        .map_or(Alike::Different, |o| how_alike(o, 50, false));
    let unknown = c
        .unknown
        .as_ref()
        .map_or(Alike::Different, |u| how_alike(u, 50, false));
    if own == Alike::Unknown || unknown == Alike::Unknown {
        return (
            Landing::Unsure(
                "a control's answer was cut short: too little to tell the pages apart".to_owned(),
            ),
            reference,
        );
    }
    if own == Alike::Different && unknown == Alike::Different {
        // The controls went without the user's headers: refused for want of them, they say
        // nothing of the page the door got with them.
        let refused_for_headers = !c.secrets.0.is_empty()
            && [&c.own, &c.unknown].into_iter().flatten().any(|ctl| {
                ctl.asks()
                    .any(|s| matches!(s.status(), Some(401 | 403 | 407)))
            });
        // The page shows the user's headers back (an echo server): the controls, without them,
        // differ for that alone.
        let echoes_headers = c.secrets.0.iter().any(|secret| {
            !secret.is_empty()
                && door
                    .result
                    .body
                    .windows(secret.len())
                    .any(|w| w == secret.as_bytes())
        });
        if !refused_for_headers && !echoes_headers {
            return (Landing::Protected, reference);
        }
        return (
            Landing::Unsure(format!(
            "the controls, asked without your headers (they go to the target's own Host only), \
             {}: they cannot tell whether the page is the protected site's{}",
            if echoes_headers {
                "differ from a page that shows your headers back"
            } else {
                "were refused for want of authentication"
            },
            if reference.is_none() {
                "; give a client certificate so the scan can"
            } else {
                ", and it is not the page the client certificate gets"
            }
        )),
            reference,
        );
    }
    let unknown_host = c.unknown.as_ref().map_or("", |u| u.host.as_str());
    let page = match (own, unknown) {
        (Alike::Same, Alike::Same) => format!(
            "the page the name gives every Host (its own, and {unknown_host} that nobody serves)"
        ),
        (Alike::Same, _) => "the page the name gives its own Host".to_owned(),
        (_, Alike::Same) => format!("the page any unknown Host gets (as Host {unknown_host} did)"),
        (Alike::Near, _) => "a page much like the one the name gives its own Host".to_owned(),
        _ => format!("a page much like the one any unknown Host gets (as Host {unknown_host} did)"),
    };
    let like_a_control = own == Alike::Same || unknown == Alike::Same;
    let landing = match (&c.reference, reference) {
        (Some(r), Some(Alike::Different)) if r.seen.served() && like_a_control => {
            Landing::Elsewhere(format!(
                "{page}, not the protected site's (its page with the client certificate differs)"
            ))
        }
        (Some(r), Some(Alike::Different)) if r.seen.served() => Landing::Unsure(format!(
            "it got {page}, not quite the same, and the protected site's page with the client \
             certificate differs: it may be either"
        )),
        (Some(r), _) if r.seen.served() => Landing::Unsure(format!(
            "it got {page}, and the protected site's page with the client certificate is much \
             like it but not the same (it may show the certificate's identity)"
        )),
        (Some(r), _) => Landing::Unsure(format!(
            "it got {page}, and the protected site's own page could not be read with the client \
             certificate to tell them apart ({})",
            r.seen.describe()
        )),
        (None, _) => Landing::Unsure(format!(
            "it got {page}: that may be the name's own, a catch-all or a default site, or the \
             protected one; give a client certificate (`client-cert`, `client-key`) or a staging \
             CA so the scan can tell"
        )),
    };
    (landing, reference)
}

/// A `Host` nobody serves (RFC 2606 `.invalid`), on the target's port.
pub(crate) fn unknown_host(port: u16) -> String {
    let mut b = [0u8; 4];
    // A random label only avoids a name someone configured; a failed draw keeps the zeros.
    let _ = aws_lc_rs::rand::fill(&mut b);
    authority_of(
        &format!("mtls-scan-{:08x}.invalid", u32::from_be_bytes(b)),
        port,
    )
}

/// A path nobody serves, under `parent` (`""`: at the root).
pub(crate) fn unknown_path(parent: &str) -> String {
    let mut b = [0u8; 4];
    // A random label only avoids a path someone serves; a failed draw keeps the zeros.
    let _ = aws_lc_rs::rand::fill(&mut b);
    format!("{parent}/mtls-scan-{:08x}", u32::from_be_bytes(b))
}

/// A door's exchange without a certificate and without a session.
pub(crate) fn plain<'a>(
    scan: &'a ScanContext,
    version: TlsVersion,
    sni: Sni,
    host: Option<String>,
) -> Door<'a> {
    Door {
        host,
        ..Door::anonymous(scan, version, sni)
    }
}

/// The door `make` makes, asked twice at once, as a control for `host`.
async fn twice<'a>(target: &Target, make: impl Fn() -> Door<'a>, host: String) -> Control {
    let (seen, again) =
        futures_util::future::join(knock(target, make()), knock(target, make())).await;
    Control {
        host,
        seen,
        again: Some(again),
    }
}

/// Fetches the controls a served door on `version` with server name `sni` needs, and judges it:
/// its own `Host` (when `with_own` and the door has a name) and an unknown `Host`, each asked
/// twice, all at once; then, unless that showed the page specific to the protected `Host`, the
/// protected site's page with the scan's valid certificate (when it has one), fetched twice once
/// per target and version.
pub async fn judge_served(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    sni: &Sni,
    door: &Seen,
    with_own: bool,
) -> (Landing, Controls) {
    let own_host = match sni {
        Sni::Name(name) if with_own => Some(authority_of(name, target.port)),
        _ => None,
    };
    let unknown = unknown_host(target.port);
    let (own, unknown) = futures_util::future::join(
        async {
            match own_host {
                Some(h) => {
                    let make = || plain(scan, version, sni.clone(), Some(h.clone()));
                    Some(twice(target, make, h.clone()).await)
                }
                None => None,
            }
        },
        twice(
            target,
            || plain(scan, version, sni.clone(), Some(unknown.clone())),
            unknown.clone(),
        ),
    )
    .await;
    let mut controls = Controls::of(target, own, unknown);
    let verdict = landing(door, &controls);
    if verdict == Landing::Protected {
        return with_front(target, scan, first, version, door, controls).await;
    }
    let Some((holder, reference)) = reference(target, scan, first, version).await else {
        return (verdict, controls);
    };
    controls.holder = holder;
    controls.reference = Some(reference);
    match landing(door, &controls) {
        Landing::Protected => with_front(target, scan, first, version, door, controls).await,
        verdict => (verdict, controls),
    }
}

/// [`judge_served`] for a door that asked for the protected site under another spelling of its
/// `Host` (masked in every page as the `Host`s are): on the protected name itself, against a
/// `Host` nobody serves and the protected page with the valid certificate. As for
/// [`judge_served_with`], a page unlike the unknown `Host`'s is not enough (a server may answer
/// another spelling of its name with a page of its own: a canonical-host notice, a landing page,
/// an error in JSON): only the very page the valid certificate is served is the protected site's;
/// without a valid certificate it is unsure, never a finding.
pub async fn judge_served_spelled(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    door: &Seen,
    spelled: &str,
) -> (Landing, Controls) {
    let nothing = Presented {
        cert: None,
        headers: Vec::new(),
    };
    let aliases = vec![spelled.to_owned()];
    judge_served_with_as(
        target,
        scan,
        first,
        version,
        &Sni::Target,
        door,
        false,
        &nothing,
        aliases,
    )
    .await
}

/// The protected name and `Host` with the scan's valid certificate, asked twice (once per target
/// and version, shared by every door), with the names its page may show of the holder; `None`
/// without a valid certificate.
async fn reference(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
) -> Option<(Vec<String>, Control)> {
    let cert = super::valid_client_cert::chooser(&scan.probes)?;
    let cell = first.knocks.reference_cell(version);
    let (seen, again) = cell
        .get_or_init(|| async {
            let with_cert = || Door {
                cert: Some(cert.clone()),
                ..plain(scan, version, Sni::Target, None)
            };
            let (seen, again) =
                futures_util::future::join(knock(target, with_cert()), knock(target, with_cert()))
                    .await;
            // A server that asks for the certificate only after the request (Apache
            // `<Location>`): the late-auth transport fetches the page where the first wave's
            // did (an audit's `/ADMIN` door was unread beside a served late control).
            let served_late = first.observations.iter().any(|o| {
                o.late
                    && o.id == crate::facts::ProbeId::VALID_CLIENT_CERT
                    && o.tls_version == version
                    && o.outcome == crate::facts::Outcome::Served
            });
            if seen.served() || !served_late {
                return (seen, again);
            }
            let late = || {
                super::late_client_auth::reference_page(
                    target,
                    version,
                    &cert,
                    scan.limits,
                    &scan.probes.header_trust,
                )
            };
            match futures_util::future::join(late(), late()).await {
                (Some(seen), Some(again)) => (seen, again),
                _ => (seen, again),
            }
        })
        .await
        .clone();
    Some((
        super::valid_client_cert::holder_names(&scan.probes),
        Control {
            host: target.authority(),
            seen,
            again: Some(again),
        },
    ))
}

/// Whether `seen`'s page is the protected page fetched with the scan's valid certificate on
/// `version` (the reference every door shares); `None` without a valid certificate, or where
/// the reference was not served.
pub async fn is_the_protected_page(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    seen: &Seen,
) -> Option<bool> {
    is_the_protected_page_with(target, scan, first, version, seen, Vec::new()).await
}

/// The excerpt of the protected page fetched with the scan's valid certificate on `version` (the
/// reference every door shares); `None` without a valid certificate, or where it was not served.
pub async fn protected_page_excerpt(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
) -> Option<String> {
    let (_, reference) = reference(target, scan, first, version).await?;
    let excerpt = reference
        .asks()
        .find(|s| s.served())
        .and_then(|s| s.result.body_excerpt.clone());
    excerpt
}

/// [`is_the_protected_page`], `aliases` masked in both pages as the `Host`s are (the path as
/// written and as spelled, which a page may show: a `self` link, a breadcrumb, a form's action).
pub async fn is_the_protected_page_with(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    seen: &Seen,
    aliases: Vec<String>,
) -> Option<bool> {
    likeness_to_the_protected_page(target, scan, first, version, seen, aliases)
        .await
        .map(|l| l == Likeness::Same)
}

/// Whether a served answer reads as an HTML page shell (its body opens with `<!doctype html` or
/// `<html`), as a single-page application serves to every path, rather than data (JSON, XML,
/// text, whatever its content type says): a protected page that every path gets without a
/// certificate is no door where it is a shell, and unsure where it is data (the protected data
/// left open at every path).
pub fn looks_like_a_shell(seen: &Seen) -> bool {
    let body = &seen.result.body;
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head: Vec<u8> = body
        .iter()
        .skip(start)
        .take(14)
        .map(u8::to_ascii_lowercase)
        .collect();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html")
}

/// How alike a door's page is to the protected page ([`likeness_to_the_protected_page`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Likeness {
    /// The very page ([`is_the_protected_page_with`]).
    Same,
    /// Much like it but not the same: a few tokens differ (`"client_verified":false` where the
    /// valid certificate's page says `true`), or the holder's name is missing from it. It may be
    /// the protected page telling its caller apart, or a public page on the same template: which
    /// cannot be told, so a door that got it is unsure, never passed.
    Near,
    /// Another page.
    Other,
    /// Cut too short to tell.
    Cut,
}

/// [`is_the_protected_page_with`], telling a page much like the protected one ([`Likeness::Near`])
/// from another page.
pub async fn likeness_to_the_protected_page(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    seen: &Seen,
    aliases: Vec<String>,
) -> Option<Likeness> {
    let (holder, reference) = reference(target, scan, first, version).await?;
    let served = reference.asks().any(Seen::served);
    if !served {
        return None;
    }
    let controls = Controls {
        secrets: Secrets::of(target),
        protected_host: target.authority(),
        holder,
        aliases,
        ..Controls::default()
    };
    Some(reference_likeness(seen, &reference, &controls))
}

/// Why `seen`, answered with a status and not served, proves no refusal: its body was not read to
/// its end (it stalled, broke off or went on past the read), and a handler that refuses and writes
/// on sends the protected page after the refusal (review A: a side door's 403 whose orders came
/// after a stall was A, exit 0), as the first wave holds for its own refusals. `None` where the
/// body was read whole, or the answer served.
pub fn refusal_cut(seen: &Seen) -> Option<String> {
    let status = seen.status()?;
    (!seen.served() && !seen.result.complete).then(|| {
        format!(
            "it was answered HTTP {status}, but its body was not read to its end (it stalled, \
             broke off or went on past the read): a handler that refuses and writes on sends the \
             protected page after the refusal"
        )
    })
}

/// Marks `seen` let in by its page, and served, where it is a refusal (read, not served, no busy
/// status) whose page, one of its own ([`tells_nothing_past`] `refusal_page`, the excerpt of the
/// refusal the door tries to get around), is the very page the valid certificate is served on the
/// protected name and path ([`Likeness::Same`]): a handler that sets 403 and writes the page on
/// lets the client in whatever the status (review A: a path spelling, and a connection's later
/// request, answered so were A, exit 0). Without that page nothing is told. Whether it was marked.
pub async fn let_in_by_its_page(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    seen: &mut Seen,
    refusal_page: Option<&str>,
) -> bool {
    let refusal = seen
        .status()
        .is_some_and(|s| !crate::transport::is_busy_status(s));
    if !refusal
        || seen.served()
        || seen.unreadable().is_some()
        || tells_nothing_past(seen, refusal_page)
    {
        return false;
    }
    let likeness = likeness_to_the_protected_page(target, scan, first, version, seen, Vec::new());
    if likeness.await != Some(Likeness::Same) {
        return false;
    }
    // The front door (the protected name and `Host`, asked twice without a certificate, once
    // per target and version) served or answered the same page: its own leak, which the first
    // wave judges; nothing of this door (a Go handler writing the page on every 403 read as a
    // door of each spelling).
    let (front, again) = front_door(target, scan, first, version).await;
    for f in [&front, &again] {
        let same = likeness_to_the_protected_page(target, scan, first, version, f, Vec::new());
        if f.served() || same.await == Some(Likeness::Same) {
            return false;
        }
    }
    seen.let_in_by_page = true;
    seen.result.outcome = Some(crate::facts::Outcome::Served);
    true
}

/// Whether `seen`, served without a certificate, holds the data of the page the valid
/// certificate is served on the protected name and path: both JSON, and at least half of that
/// page's values (its strings of three characters or more, its numbers of three digits or more:
/// ids, names, amounts), two or more, found in it. Orders scoped to the certificate's name and
/// shown whole (or with one more) to a caller without one hold the caller's own records (a
/// review's nginx exempting `kube-probe` before such an application was A, exit 0); a status
/// page, an empty envelope with the same keys (`{"ok":false,"orders":[]}`), a landing page on
/// the site's template or docs naming the fields hold none of them (reviews' correct servers,
/// exit 3 with a rule on the words alone). Or, in any format, half of its figures
/// ([`figures`]: ids, amounts) and three at least. What a path nobody serves holds, asked plainly,
/// counts for neither (a site's footer, a soft 404's catalogue). `false` without that page.
pub async fn holds_the_protected_pages_values(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    seen: &Seen,
) -> bool {
    let Some((_, reference)) = reference(target, scan, first, version).await else {
        return false;
    };
    let Some(page) = reference.asks().find(|s| s.served()) else {
        return false;
    };
    let protected_values = json_values(&page.result.body);
    let door_values = json_values(&seen.result.body);
    // In any format: the records' ids and amounts (the protected page's figures that stand on
    // both its asks), half of them and three at least. The orders as HTML beside the protected
    // JSON (`/orders.json` of a Rails application), or under a menu naming another caller, or
    // beside a viewer `null` where the valid certificate's holds its roles (reviews': A, exit 0,
    // for "another page").
    let mut protected_figures = figures(&page.result.body);
    // Not the target's address or port, which links on any page of the site hold.
    let (host, port) = (target.host.as_bytes(), target.port.to_string());
    protected_figures.retain(|f| f.as_slice() != host && f.as_slice() != port.as_bytes());
    if let Some(again) = reference.again.as_ref().filter(|s| s.served()) {
        let again = figures(&again.result.body);
        protected_figures.retain(|f| again.contains(f));
    }
    let door_figures = figures(&seen.result.body);
    let holds = |values: Option<&std::collections::BTreeSet<String>>,
                 figs: &std::collections::BTreeSet<Vec<u8>>| {
        let by_values = match (values, &door_values) {
            (Some(protected), Some(door)) => {
                let shared = protected.intersection(door).count();
                shared >= 2 && shared * 2 >= protected.len()
            }
            _ => false,
        };
        let shared = figs.intersection(&door_figures).count();
        by_values || (shared >= MIN_FIGURES_HELD && shared * 2 >= figs.len())
    };
    if !holds(protected_values.as_ref(), &protected_figures) {
        return false;
    }
    // Not what a path nobody serves holds, asked plainly without a certificate: what any page of
    // the site holds (a footer's figures, its version and build, a soft 404's catalogue; a
    // review's correct servers were exit 3 for them). Asked plainly, not as the door asked: a
    // front that lets the door's request through serves the protected data to every path so.
    let nobody = Door {
        path: Some(unknown_path("")),
        ..plain(scan, version, Sni::Target, None)
    };
    let control = knock(target, nobody).await;
    let mut protected_values = protected_values;
    if let (Some(values), Some(everywhere)) =
        (protected_values.as_mut(), json_values(&control.result.body))
    {
        values.retain(|v| !everywhere.contains(v));
    }
    let everywhere = figures(&control.result.body);
    protected_figures.retain(|f| !everywhere.contains(f));
    holds(protected_values.as_ref(), &protected_figures)
}

/// Whether a page the same as the protected one but for its numbers shows other figures in their
/// place: two or more of the protected page's `stable` numbers (those on both its asks), a
/// quarter of them at least, missing from the page's `numbers` (both [`super::page::number_hashes`]).
/// A dashboard rendered for a guest, every count zero under the site's footer of figures (a
/// review's: critical), is the page telling its caller apart or a public page on its template:
/// unsure. The protected page itself keeps every figure that stood on both asks.
fn figures_replaced(stable: &[u32], numbers: &[u32]) -> bool {
    let missing = stable
        .iter()
        .filter(|n| numbers.binary_search(n).is_err())
        .count();
    missing >= 2 && missing * 4 >= stable.len()
}

/// Figures a page holding the protected data holds at least ([`holds_the_protected_pages_values`]).
const MIN_FIGURES_HELD: usize = 3;

/// The figures of a body, in any format: each run of letters, digits, `.`, `-` and `_` holding
/// three digits or more (an id `ORD-558812`, an amount `4821.50`, a key `ACME-Client-7731`),
/// its dots and dashes trimmed at either end. Capped at [`MAX_FIGURES`].
fn figures(body: &[u8]) -> std::collections::BTreeSet<Vec<u8>> {
    let mut out = std::collections::BTreeSet::new();
    let part = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_');
    for run in body.split(|b| !part(b)) {
        let start = run
            .iter()
            .position(u8::is_ascii_alphanumeric)
            .unwrap_or(run.len());
        let end = run
            .iter()
            .rposition(u8::is_ascii_alphanumeric)
            .map_or(start, |e| e + 1);
        let run = run.get(start..end).unwrap_or_default();
        if run.iter().filter(|b| b.is_ascii_digit()).count() >= 3 && run.len() <= 64 {
            out.insert(run.to_vec());
            if out.len() >= MAX_FIGURES {
                break;
            }
        }
    }
    out
}

/// Figures taken from one page at most ([`figures`]).
const MAX_FIGURES: usize = 4096;

/// The values of a JSON body worth comparing ([`holds_the_protected_pages_values`]): strings of
/// three characters or more and numbers of three digits or more, at any depth; `None` where the
/// body is no JSON object or array.
fn json_values(body: &[u8]) -> Option<std::collections::BTreeSet<String>> {
    fn walk(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            serde_json::Value::String(s) if s.trim().chars().count() >= 3 => {
                out.insert(s.trim().to_owned());
            }
            serde_json::Value::Number(n) => {
                let shown = n.to_string();
                if shown.chars().filter(char::is_ascii_digit).count() >= 3 {
                    out.insert(shown);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            serde_json::Value::Object(fields) => fields.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    if !(value.is_object() || value.is_array()) {
        return None;
    }
    let mut out = std::collections::BTreeSet::new();
    walk(&value, &mut out);
    Some(out)
}

/// Whether an excerpt served without a certificate is a page of its own that does not refuse:
/// at least [`super::page::MIN_PAGE_TOKENS`] distinct tokens, no word of refusal, of
/// certificates or of rate limits.
pub fn own_page_not_refusing(seen: &Seen) -> bool {
    let body = seen.result.body.as_slice();
    seen.result
        .body_excerpt
        .as_deref()
        .is_some_and(|b| super::page::distinct_tokens(b) >= super::page::MIN_PAGE_TOKENS)
        && !crate::text::speaks_of_refusal(body)
        && !crate::text::speaks_of_certificates(body)
        && !crate::text::speaks_of_rate_limiting(body)
}

/// Statuses an answer refuses the caller with (401, 403, 407, 421; not a request error's 400,
/// which a head the server will not take gets too): a door answered so with a page that is no
/// refusal page is unsure without the protected page to compare it with ([`judge_unserved`]).
const REFUSAL_STATUSES: [u16; 4] = [401, 403, 407, 421];

/// Whether a body answered with `status` reads as a refusal page: it says it refuses the caller
/// (`forbidden`, `unauthorized` …), speaks of certificates or TLS, names its status as servers'
/// error pages do (`400 Bad Request`, `421 Misdirected Request`), or speaks of an error as API
/// error bodies do (`{"error":"wrong host"}`, `{"error":"access_denied","request_id":"…"}`,
/// `Invalid Host header`: correct servers answered so were left incomplete without an identity).
fn reads_as_refusal(status: u16, body: &[u8]) -> bool {
    const ERROR_WORDS: [&[u8]; 10] = [
        b"error",
        b"denied",
        b"invalid",
        b"wrong",
        b"mismatch",
        b"misdirect",
        b"unknown",
        b"not allowed",
        b"reject",
        b"blocked",
    ];
    let lower = body.to_ascii_lowercase();
    let has = |w: &[u8]| lower.windows(w.len()).any(|win| win == w);
    if ERROR_WORDS.iter().any(|w| has(w)) {
        return true;
    }
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| r.to_ascii_lowercase().into_bytes())
        .filter(|r| !r.is_empty());
    crate::text::speaks_of_refusal(body)
        || crate::text::speaks_of_certificates(body)
        || reason.is_some_and(|r| lower.windows(r.len()).any(|w| w == r.as_slice()))
}

/// Whether a door's answer that is no 2xx says nothing more than a refusal: its page is too
/// short to be any page ([`MIN_PAGE_TOKENS`] distinct tokens), or it is `refusal_page` itself
/// (the page of the refusal the door tries to get around; an excerpt, compared with the door's
/// excerpt, cut alike). [`judge_unserved`] judges nothing further there.
///
/// [`MIN_PAGE_TOKENS`]: super::page::MIN_PAGE_TOKENS
pub fn tells_nothing_past(door: &Seen, refusal_page: Option<&str>) -> bool {
    let r = &door.result;
    let excerpt = r.body_excerpt.as_deref().unwrap_or_default();
    super::page::distinct_tokens(&String::from_utf8_lossy(&r.body)) < super::page::MIN_PAGE_TOKENS
        || refusal_page.is_some_and(|p| super::page::same_excerpt(p, excerpt))
}

/// A door answered without a 2xx (a refusal status, 421, a redirect …), judged by its body: a
/// status alone proves no refusal when the body is the protected page itself (Go's `w.WriteHeader
/// (421)` without `return`, then the routed page; a filter that sets 403 and lets the handler
/// write on). Compared ([`MIN_PAGE_TOKENS`] distinct tokens at least; a body past the cap, or one
/// that stalled, on the tokens read whole, [`MIN_CUT_TOKENS`] at least: a 28 KB page was a
/// refusal for being cut) with the protected page fetched with the valid certificate ([`reference`]): the same
/// page, token by token but for the `Host`s, numbers and tokens that change between two asks, is
/// a door let in, whatever the status (the door is then marked [`Seen::let_in_by_page`] and
/// served, and judged with the front door, [`with_front`]); a page only like it (a 403 in the
/// site's own layout, other words in the same template) is a refusal. Without the protected page
/// (no valid certificate, or it could not be read), a refusal status whose page is no refusal
/// page at all ([`reads_as_refusal`]) is unsure, never passed. `refusal_page`: the page of the
/// refusal the door tries to get around (the anonymous request's): the same page is that refusal,
/// judged where it was seen. `None`: a refusal, or an answer with nothing to tell.
///
/// [`MIN_PAGE_TOKENS`]: super::page::MIN_PAGE_TOKENS
pub async fn judge_unserved(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    door: &mut Seen,
    refusal_page: Option<&str>,
) -> Option<(Landing, Controls)> {
    let r = &door.result;
    let status = door.status()?;
    if door.served() || crate::transport::is_busy_status(status) {
        return None;
    }
    let mut controls = Controls {
        secrets: Secrets::of(target),
        protected_host: target.authority(),
        own: None,
        unknown: None,
        reference: None,
        front: None,
        holder: Vec::new(),
        aliases: Vec::new(),
    };
    // Refused, its page not read to its end (it stalled, broke off, or went on past the read):
    // what was not read may hold the protected page (review A: a door's 403 whose orders came
    // after a stall, `{"error":"forbidden"}` read alone, was A, exit 0), as the first wave holds
    // for its own refusals.
    if let Some(why) = refusal_cut(door).filter(|_| REFUSAL_STATUSES.contains(&status)) {
        return Some((Landing::Unsure(why), controls));
    }
    if tells_nothing_past(door, refusal_page) {
        return None;
    }
    let body = String::from_utf8_lossy(&r.body).into_owned();
    if let Some((holder, reference)) = reference(target, scan, first, version).await {
        controls.holder = holder;
        let served = reference.asks().any(Seen::served);
        let likeness = served.then(|| reference_likeness(door, &reference, &controls));
        let same = likeness == Some(Likeness::Same);
        controls.reference = Some(reference);
        if same {
            let was = door.result.outcome;
            door.let_in_by_page = true;
            door.result.outcome = Some(crate::facts::Outcome::Served);
            let judged = with_front(target, scan, first, version, door, controls).await;
            // Beside an open front door the page proves nothing of this door: not let in.
            if judged.0 != Landing::Protected {
                door.let_in_by_page = false;
                door.result.outcome = was;
            }
            return Some(judged);
        }
        // A page much like the protected one under a refusal's status (the data a field apart,
        // `"verified":"NONE"`), that does not read as a refusal: unsure, never a refusal.
        if likeness == Some(Likeness::Near) && !reads_as_refusal(status, body.as_bytes()) {
            let why = format!(
                "it was answered HTTP {status} with a page much like the one the valid \
                 certificate is served, a few words apart, that says nothing of refusing the \
                 caller or of certificates: the protected page telling its caller apart under a \
                 refusal's status, or a page of its own on the same template, cannot be told"
            );
            return Some((Landing::Unsure(why), controls));
        }
        if served {
            return None;
        }
    }
    if !REFUSAL_STATUSES.contains(&status) || reads_as_refusal(status, body.as_bytes()) {
        return None;
    }
    let why = format!(
        "it was answered HTTP {status} with a page that is no refusal page (it says nothing of \
         refusing the caller or of certificates): a status alone proves no refusal when the body \
         is the protected page, and {}",
        if controls.reference.is_some() {
            "the protected page could not be read with the client certificate to compare"
        } else {
            "without a client certificate (`client-cert`, `client-key`) or a staging CA the scan \
             cannot fetch the protected page to compare"
        }
    );
    Some((Landing::Unsure(why), controls))
}

/// Whether the door's whole body is the page the reference (the protected page with the valid
/// certificate) was served: the same tokens in the same places but for the `Host`s and the
/// user's header values, numbers, the tokens that changed between the reference's two asks and
/// where the reference shows the certificate's holder. Its status aside.
#[cfg(test)]
fn carries_the_reference(door: &Seen, reference: &Control, c: &Controls) -> bool {
    reference_likeness(door, reference, c) == Likeness::Same
}

/// Whether the door's whole body is the page the reference was served ([`Likeness::Same`]: the
/// same tokens in the same places but for the `Host`s and the user's header values, numbers, the
/// tokens that changed between the reference's two asks and where the reference shows the
/// certificate's holder), much like it ([`near_the_protected_page`], or the holder's name missing
/// from a stretch of it: [`holder_stretch`]), another page, or cut too short to tell.
fn reference_likeness(door: &Seen, reference: &Control, c: &Controls) -> Likeness {
    let mut names: Vec<String> = vec![c.protected_host.clone(), reference.host.clone()];
    names.extend(c.aliases.iter().cloned());
    names.extend(c.secrets.0.iter().cloned());
    let raw_door = Page::of(door, &names, &c.holder);
    let json_door = Page::of_json(door, &names, &c.holder);
    let raw_learned = changing(reference, &names, &c.holder);
    let json_learned = json_door
        .as_ref()
        .and_then(|_| changing_as(reference, &names, &c.holder, true));
    // The protected page's figures that stand on both its asks (a clock, an age per row change
    // per answer: they prove nothing either way; a review's live JSON through a sibling name was
    // unsure where it was F).
    let stable_numbers: Option<Vec<u32>> = {
        let json_numbers = |s: &Seen| Page::of_json(s, &names, &c.holder).and_then(|p| p.numbers);
        let first = json_numbers(&reference.seen);
        match (first, reference.again.as_ref().map(json_numbers)) {
            (Some(a), Some(Some(b))) => Some(
                a.into_iter()
                    .filter(|n| b.binary_search(n).is_ok())
                    .collect(),
            ),
            (Some(a), None) => Some(a),
            _ => None,
        }
    };
    // The same, as the pages' bodies stand (any format), where both asks were served (one ask
    // cannot tell a figure from a count that changes on every answer): read only for a page
    // that came out the same.
    let raw_numbers =
        |s: &Seen| super::page::number_hashes_masking(&s.result.body, &names, &c.holder);
    let raw_figures_replaced = || match (&reference.seen, &reference.again) {
        (a, Some(b)) if a.served() && b.served() => {
            let b = raw_numbers(b);
            let stable: Vec<u32> = raw_numbers(a)
                .into_iter()
                .filter(|n| b.binary_search(n).is_ok())
                .collect();
            figures_replaced(&stable, &raw_numbers(door))
        }
        _ => false,
    };
    let best = reference
        .asks()
        .filter(|seen| seen.served())
        .map(|seen| {
            // Both JSON documents read whole: compared in their canonical forms; else as read.
            let (door_page, page, learned) =
                match (&json_door, Page::of_json(seen, &names, &c.holder)) {
                    (Some(d), Some(p)) => (d, p, &json_learned),
                    _ => (&raw_door, Page::of(seen, &names, &c.holder), &raw_learned),
                };
            let may_differ = holder_shown(door_page, &page, learned.clone());
            let how = near_the_protected_page(door_page, &page, may_differ.as_deref());
            let how = match holder_stretch(door_page, &page, learned.as_deref()) {
                Some(stretch) => how.max(stretch),
                None => how,
            };
            // Two JSON documents of one shape are one page only where their figures agree too
            // (a review's public sandbox, zeros beside the protected counts and keys in another
            // order: a critical finding on a correct server); else unsure. Pages of any other
            // format too (a review's dashboard rendered for a guest, every count zero: critical).
            match (&door_page.numbers, &page.numbers, &stable_numbers) {
                (Some(d), Some(_), Some(stable))
                    if how == Alike::Same
                        && !stable.is_empty()
                        && !super::page::numbers_agree(stable, d) =>
                {
                    Alike::Near
                }
                (None, _, _) | (_, None, _) if how == Alike::Same && raw_figures_replaced() => {
                    Alike::Near
                }
                _ => how,
            }
        })
        .max()
        .unwrap_or(Alike::Different);
    match best {
        Alike::Same => Likeness::Same,
        Alike::Near => Likeness::Near,
        Alike::Different => Likeness::Other,
        Alike::Unknown => Likeness::Cut,
    }
}

/// How a door's answer is told in a finding: `served HTTP 200`, or the status with the protected
/// page it carried ([`Seen::let_in_by_page`]).
pub fn answer_words(seen: &Seen) -> String {
    let status = seen.status().unwrap_or_default();
    if seen.let_in_by_page {
        format!(
            "answered HTTP {status} with the very page the valid certificate is served (a \
             status alone is no refusal when the body is the protected page)"
        )
    } else {
        format!("served HTTP {status}")
    }
}

/// What a follow-up presented besides another name (a certificate from an unknown CA, forged
/// headers): its controls go with the same.
pub struct Presented {
    /// The certificate, when one went.
    pub cert: Option<std::sync::Arc<dyn crate::transport::tls::CertChooser>>,
    /// The headers, when any went.
    pub headers: Vec<(http::HeaderName, http::HeaderValue)>,
}

/// [`judge_served`] for a door served only with something presented (a follow-up behind an
/// application's refusal). Its controls (the name's own `Host`, one nobody serves) go with the
/// same, and a page unlike theirs is not enough: an application may answer a credential it
/// refuses with a page of its own and a 200 ("your certificate is not enrolled"). Only the
/// protected page fetched with the client certificate shows the door landed on the protected
/// site; without one it is unsure (incomplete), never a finding.
#[allow(clippy::too_many_arguments)]
pub async fn judge_served_with(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    sni: &Sni,
    door: &Seen,
    with_own: bool,
    presented: &Presented,
) -> (Landing, Controls) {
    let nothing = Vec::new();
    judge_served_with_as(
        target, scan, first, version, sni, door, with_own, presented, nothing,
    )
    .await
}

/// [`judge_served_with`], `aliases` masked in every page; with aliases (a spelling of the
/// protected `Host`, nothing presented) the reasons speak of the spelling.
#[allow(clippy::too_many_arguments)]
async fn judge_served_with_as(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    sni: &Sni,
    door: &Seen,
    with_own: bool,
    presented: &Presented,
    aliases: Vec<String>,
) -> (Landing, Controls) {
    let spelled = !aliases.is_empty();
    let with = |host: String| Door {
        cert: presented.cert.clone(),
        headers: presented.headers.clone(),
        ..plain(scan, version, sni.clone(), Some(host))
    };
    let own = match sni {
        Sni::Name(name) if with_own => {
            let h = authority_of(name, target.port);
            Some(twice(target, || with(h.clone()), h.clone()).await)
        }
        _ => None,
    };
    let unknown = unknown_host(target.port);
    let unknown = twice(target, || with(unknown.clone()), unknown.clone()).await;
    let mut controls = Controls::of(target, own, unknown);
    controls.aliases = aliases;
    if let Some((holder, reference)) = reference(target, scan, first, version).await {
        controls.holder = holder;
        controls.reference = Some(reference);
    }
    match by_pages_judging(door, &controls) {
        (Landing::Protected, Some(Alike::Same)) => {
            with_front(target, scan, first, version, door, controls).await
        }
        (Landing::Protected, Some(Alike::Different))
            if controls.reference.as_ref().is_some_and(|r| r.seen.served()) =>
        {
            let own = if spelled {
                "a page of its own for that spelling, unlike the one a Host nobody serves gets \
                 and unlike the protected site's with the client certificate (a canonical-host \
                 notice, a landing page, an error)"
            } else {
                "a page of its own, unlike the name's other pages and unlike the protected \
                 site's with the client certificate (an application's answer to what was \
                 presented)"
            };
            (Landing::Elsewhere(own.to_owned()), controls)
        }
        (Landing::Protected, None) if spelled => {
            let why = "its page is unlike the one a Host nobody serves gets, but a server may \
                       answer another spelling of its name with a page of its own (a \
                       canonical-host notice, a landing page, an error): give a client \
                       certificate (`client-cert`, `client-key`) or a staging CA so the scan can \
                       tell";
            (Landing::Unsure(why.to_owned()), controls)
        }
        (Landing::Protected, reference) => {
            let why = match (reference, &controls.reference) {
                (Some(Alike::Near), _) => {
                    "its page is much like the protected site's with the client certificate, but \
                     not the same (it may show the certificate's identity)"
                }
                (_, Some(_)) => {
                    "its page is unlike the name's other pages, and the protected site's page \
                     with the client certificate could not be read or compared"
                }
                (_, None) => {
                    "its page is unlike the name's other pages; an application may answer what \
                     was presented with a page of its own: give a client certificate \
                     (`client-cert`, `client-key`) so the scan can tell"
                }
            };
            (Landing::Unsure(why.to_owned()), controls)
        }
        (verdict, _) => (verdict, controls),
    }
}

/// A door judged protected, judged again with the front door (the protected name and `Host`
/// asked twice without a certificate, once per target and version): a bypass only while it
/// stays shut.
async fn with_front(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
    door: &Seen,
    mut controls: Controls,
) -> (Landing, Controls) {
    let (seen, again) = front_door(target, scan, first, version).await;
    controls.front = Some(Control {
        host: target.authority(),
        seen,
        again: Some(again),
    });
    (landing(door, &controls), controls)
}

/// The front door: the protected name and `Host` asked twice without a certificate on `version`,
/// once per target and version (shared by every door judged there).
async fn front_door(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
    version: TlsVersion,
) -> (Seen, Seen) {
    first
        .knocks
        .front_cell(version)
        .get_or_init(|| async {
            let front = || plain(scan, version, Sni::Target, None);
            futures_util::future::join(knock(target, front()), knock(target, front())).await
        })
        .await
        .clone()
}

/// How an exchange with `sni` on `target` is named in evidence: `SNI name`, or `no SNI`.
pub fn sni_label(sni: &Sni, target: &Target) -> String {
    match sni {
        Sni::Omit => "no SNI".to_owned(),
        Sni::Name(n) => format!("SNI {n}"),
        Sni::Target if target.host.parse::<std::net::IpAddr>().is_ok() => "no SNI".to_owned(),
        Sni::Target => format!("SNI {}", target.host),
    }
}

/// The controls as evidence lines: (what was asked, what it got); `label` names the door's SNI.
pub fn evidence(controls: &Controls, label: &str, target: &Target) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(own) = &controls.own {
        out.push((format!("{label} + its own Host"), own.seen.describe()));
    }
    if let Some(unknown) = &controls.unknown {
        out.push((
            format!("{label} + Host {}", unknown.host),
            unknown.seen.describe(),
        ));
    }
    if let Some(front) = &controls.front {
        for (n, seen) in front.asks().enumerate() {
            out.push((
                format!(
                    "{} + Host {} without a certificate, again ({})",
                    sni_label(&Sni::Target, target),
                    target.authority(),
                    n + 1
                ),
                seen.describe(),
            ));
        }
    }
    if let Some(r) = &controls.reference {
        out.push((
            format!(
                "{} + Host {} with the client certificate",
                sni_label(&Sni::Target, target),
                target.authority()
            ),
            r.seen.describe(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::side_door::recorded::{http, inconclusive, refused_tls};

    const PROTECTED: &str = "secure.test:8443";
    const OWN: &str = "public.test:8443";
    const UNKNOWN: &str = "mtls-scan-0.invalid:8443";

    /// A control asked once.
    fn once(host: &str, seen: Seen) -> Option<Control> {
        Some(Control {
            host: host.to_owned(),
            seen,
            again: None,
        })
    }

    /// A control asked twice.
    fn asked_twice(host: &str, seen: Seen, again: Seen) -> Option<Control> {
        Some(Control {
            host: host.to_owned(),
            seen,
            again: Some(again),
        })
    }

    fn controls(own: Option<Seen>, unknown: Seen, reference: Option<Seen>) -> Controls {
        Controls {
            secrets: Default::default(),
            holder: Vec::new(),
            aliases: Vec::new(),
            protected_host: PROTECTED.to_owned(),
            own: own.and_then(|o| once(OWN, o)),
            unknown: once(UNKNOWN, unknown),
            front: None,
            reference: reference.and_then(|r| once(PROTECTED, r)),
        }
    }

    fn how(a: &str, b: &str) -> Alike {
        let names = [PROTECTED.to_owned(), OWN.to_owned(), UNKNOWN.to_owned()];
        alike(
            &Page::of(&http(200, a), &names, &[]),
            &Page::of(&http(200, b), &names, &[]),
            None,
            50,
        )
    }

    /// A short page (60 tokens at most, punctuation included) a field or three apart from the
    /// protected page, words changed, inserted or removed, is near it, where one token in 20
    /// would call it another page (audit P: `"verified":null` beside `"SUCCESS"`, three fields
    /// telling the caller apart, each passed); more apart, or a page of two words a word apart
    /// (`SECRET-OK open`), it stays another page, but where that word says whether the caller
    /// was verified (`[false,3]` beside `[true,3]`).
    #[test]
    fn a_short_page_a_field_apart_is_near_the_protected_page() {
        let names = [PROTECTED.to_owned()];
        let page = |body: &str| Page::of(&http(200, body), &names, &[]);
        let protected = page(r#"{"verified":true,"key":"sk-live-42"}"#);
        let door = page(r#"{"verified":false,"key":"sk-live-42"}"#);
        assert_eq!(protected.tokens.len(), 15);
        assert_eq!(alike(&door, &protected, None, 20), Alike::Different);
        assert_eq!(
            near_the_protected_page(&door, &protected, None),
            Alike::Near
        );
        let (success, null) = (
            page(r#"{"verified":"SUCCESS","n":2}"#),
            page(r#"{"verified":null,"n":2}"#),
        );
        assert_eq!((success.tokens.len(), null.tokens.len()), (15, 13));
        assert_eq!(near_the_protected_page(&null, &success, None), Alike::Near);
        let (tiny, tiny_door) = (page("[true,3]"), page("[false,3]"));
        assert_eq!(
            near_the_protected_page(&tiny_door, &tiny, None),
            Alike::Near
        );
        let (v, v_door) = (page(r#"{"v":true}"#), page(r#"{"v":false}"#));
        assert_eq!(near_the_protected_page(&v_door, &v, None), Alike::Near);
        let (sites, sibling) = (page("SECRET-OK strict"), page("SECRET-OK open"));
        assert_eq!(
            near_the_protected_page(&sibling, &sites, None),
            Alike::Different
        );
        let three = page(r#"{"verified":false,"kid":"sk-test-42"}"#);
        assert_eq!(
            near_the_protected_page(&three, &protected, None),
            Alike::Different
        );
        let (fields, fields_door) = (
            page(r#"{"verified":"SUCCESS","trusted":true,"role":"admin","orders":[1,2]}"#),
            page(r#"{"verified":"NONE","trusted":false,"role":"anon","orders":[1,2]}"#),
        );
        assert_eq!(
            near_the_protected_page(&fields_door, &fields, None),
            Alike::Near
        );
        let (welcome, console) = (
            page("<html>welcome</html>"),
            page("<html>admin console</html>"),
        );
        assert_eq!(
            near_the_protected_page(&welcome, &console, None),
            Alike::Different
        );
        let (small, other) = (
            page(r#"{"area":"admin"}"#),
            page(r#"{"zone":"guest","n":1}"#),
        );
        assert_eq!(
            near_the_protected_page(&other, &small, None),
            Alike::Different
        );
        let long = page(&long_page(100, 50, "admin"));
        let long_door = page(&long_page(100, 50, "public").replace("w3x", "wzx"));
        assert_eq!(
            near_the_protected_page(&long_door, &long, None),
            Alike::Different
        );
        assert_eq!(
            near_the_protected_page(&protected, &protected, None),
            Alike::Same
        );
        // A longer page, one field apart in a way that changes its length (the review's: 73
        // tokens beside 71): near, where pages of two lengths were another page.
        let fields = r#""user":"svc","role":"admin","key":"sk-live-42","orders":[1,2,3],"region":"eu","plan":"gold","team":"ops","env":"prod"}"#;
        let (long_ok, long_null) = (
            page(&format!(r#"{{"verified":"SUCCESS",{fields}"#)),
            page(&format!(r#"{{"verified":null,{fields}"#)),
        );
        assert!(long_ok.tokens.len() > SHORT_PAGE_TOKENS);
        assert_eq!(alike(&long_null, &long_ok, None, 20), Alike::Different);
        assert_eq!(
            near_the_protected_page(&long_null, &long_ok, None),
            Alike::Near
        );
        // Text outside ASCII is a word a run, not a word a byte.
        let (yes, no) = (
            page(r#"{"статус":"да","заказы":[1,2]}"#),
            page(r#"{"статус":"нет","заказы":[1,2]}"#),
        );
        assert_eq!(near_the_protected_page(&no, &yes, None), Alike::Near);
    }

    /// A door on another name that got a short page a token apart from the protected one: near
    /// it, whether it is also the page every Host of that name gets (`"area":"public"` beside
    /// `"area":"admin"` cannot be told from a Go handler that ignores `Host` showing
    /// `"client_verified":false`: audit P's was passed for the control's page) or like no
    /// control: unsure where judged, never elsewhere.
    #[test]
    fn a_short_page_a_token_apart_from_the_protected_one_is_never_elsewhere() {
        let (public, admin) = (r#"{"area":"public","v":2}"#, r#"{"area":"admin","v":2}"#);
        let c = controls(
            Some(http(200, public)),
            http(200, public),
            Some(http(200, admin)),
        );
        assert!(matches!(
            landing(&http(200, public), &c),
            Landing::Unsure(_)
        ));
        let c = controls(
            Some(http(404, "no such site here at all")),
            http(404, "no such site here at all"),
            Some(http(200, admin)),
        );
        let (verdict, reference) = by_pages_judging(&http(200, r#"{"area":"guest","v":2}"#), &c);
        assert_eq!(reference, Some(Alike::Near));
        assert_eq!(verdict, Landing::Protected);
    }

    /// A page of `n` words, `word` at `at`.
    fn long_page(n: usize, at: usize, word: &str) -> String {
        (0..n)
            .map(|i| {
                if i == at {
                    word.to_owned()
                } else {
                    format!("w{}x", i % 7)
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A short page that shows its caller: the door (no certificate) gets `anonymous` where the
    /// protected page with the valid certificate shows its holder, and every Host gets the same
    /// page (the handler ignores Host). One word of four differs: before, another page, and
    /// "the page the name gives every Host, not the protected site's" (a pass); a short page a
    /// field apart is near it, unsure; the holder's name is where they differ, so it is the
    /// protected page. A page a field apart elsewhere is unsure too, never another page.
    #[test]
    fn a_page_that_shows_its_caller_is_the_protected_page() {
        let page = |user: &str| format!(r#"{{"user":"{user}","api_key":"k-7f3a9"}}"#);
        let door = http(200, &page("anonymous"));
        let mut c = controls(
            Some(http(200, &page("anonymous"))),
            http(200, &page("anonymous")),
            Some(http(200, &page("test-client"))),
        );
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
        c.holder = vec!["test-client".to_owned()];
        assert_eq!(landing(&door, &c), Landing::Protected);
        // The same length, differing where the holder is not shown: another page.
        c.reference = once(
            PROTECTED,
            http(200, r#"{"user":"test-client","api_key":"other"}"#),
        );
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
        // Every field apart: another page.
        c.reference = once(
            PROTECTED,
            http(200, r#"{"name":"test-client","key":"other"}"#),
        );
        assert!(matches!(landing(&door, &c), Landing::Elsewhere(_)));
    }

    /// HAProxy routing by SNI alone: the sibling's site names itself on its page ("SECRET-OK
    /// open" to every `Host`), the protected site names itself too ("SECRET-OK strict"). The
    /// door's name and the one nobody serves are masked against the controls only: against the
    /// protected page the sibling's is another page (it was the same, a false critical finding),
    /// and it is the page the name gives every `Host`. The protected page naming the protected
    /// `Host` it was asked for is still the protected page.
    #[test]
    fn a_sibling_page_naming_itself_is_not_the_protected_page_naming_itself() {
        let label = |name: &str| name.split('.').next().unwrap_or_default().to_owned();
        let sibling = format!("SECRET-OK {}", label(OWN));
        let door = http(200, &sibling);
        let c = controls(
            Some(http(200, &sibling)),
            http(200, &sibling),
            Some(http(200, &format!("SECRET-OK {}", label(PROTECTED)))),
        );
        assert!(
            matches!(landing(&door, &c), Landing::Elsewhere(_)),
            "{:?}",
            landing(&door, &c)
        );
        // The protected site echoing the `Host` asked for (the door's and the reference's).
        let echo = format!("welcome to {PROTECTED}, your orders: none");
        let c = controls(
            Some(http(200, &format!("welcome to {OWN}"))),
            http(404, "no such site"),
            Some(http(200, &echo)),
        );
        assert_eq!(landing(&http(200, &echo), &c), Landing::Protected);
    }

    /// HAProxy with a crt-list (the protected name `verify required`, a sibling `verify none`)
    /// over one backend that answers every `Host` with the orders and the caller's subject
    /// (`%[ssl_c_s_dn]`): empty without a certificate, so the door's page is shorter than the
    /// protected page with the certificate, or lacks the caller field. Before: "another page",
    /// the door "the page the name gives every Host" (grade A, exit 0, in 18 of 18 scans of
    /// five variants); now unsure where the controls got the same page (a public status page
    /// the protected one only adds its caller to looks the same: a review's server), the
    /// protected page where they did not. A page that shows more than its caller where the
    /// door's does not stays another page or unsure, never the same.
    #[test]
    fn a_page_that_shows_its_callers_subject_or_omits_it_is_never_another_page() {
        let orders = r#""orders":[{"id":1001,"item":"widget"},{"id":1002,"item":"gadget"}],"page":1,"total":2"#;
        let with_caller = |dn: &str| format!(r#"{{"caller":"{dn}",{orders}}}"#);
        let without = format!("{{{orders}}}");
        let reference = with_caller("/O=mtls-scan tests/CN=test-client");
        for door_page in [with_caller(""), without.clone()] {
            let door = http(200, &door_page);
            let mut c = controls(
                Some(http(200, &door_page)),
                http(200, &door_page),
                Some(http(200, &reference)),
            );
            c.holder = vec!["test-client".to_owned()];
            // Like the name's own page and the unknown Host's: the protected page showing no
            // caller, or a public page the protected one adds its caller to: unsure.
            assert!(
                matches!(landing(&door, &c), Landing::Unsure(_)),
                "{door_page}"
            );
            // Unlike both controls (they got a page of their own): the protected page.
            let c = Controls {
                own: Some(Control {
                    host: "public.test".into(),
                    seen: http(200, "public docs portal: guides and reference"),
                    again: None,
                }),
                unknown: Some(Control {
                    host: "x.invalid".into(),
                    seen: http(404, "not found"),
                    again: None,
                }),
                ..c
            };
            assert_eq!(landing(&door, &c), Landing::Protected, "{door_page}");
        }
        // The protected page shows the caller and the balance the door's page lacks: not the
        // same page.
        let door = http(200, &with_caller(""));
        let mut c = controls(
            Some(http(200, &with_caller(""))),
            http(200, &with_caller("")),
            Some(http(
                200,
                &format!(
                    r#"{{"caller":"CN=test-client","balance":"EUR 1","iban":"DE00","owner":"x",{orders}}}"#
                ),
            )),
        );
        c.holder = vec!["test-client".to_owned()];
        assert_ne!(landing(&door, &c), Landing::Protected);
        // A public page sharing nothing with a protected page that shows its caller: another
        // page, the door elsewhere (before this was read as "much like it": unsure, exit 3).
        let public =
            "Welcome to the Acme public documentation portal: guides, API reference and status";
        let door = http(200, public);
        let mut c = controls(
            Some(http(200, public)),
            http(200, public),
            Some(http(200, "secret area you are: CN=test-client")),
        );
        c.holder = vec!["test-client".to_owned()];
        assert!(
            matches!(landing(&door, &c), Landing::Elsewhere(_)),
            "{:?}",
            landing(&door, &c)
        );
    }

    #[test]
    fn numbers_dates_and_the_hosts_involved_do_not_make_another_page() {
        assert_eq!(
            how(
                "<p>Welcome</p> served 2026-12-01 10:00:01 in 12ms, visit 1,234",
                "<p>Welcome</p> served 2026-12-02 10:00:02 in 3ms, visit 999"
            ),
            Alike::Same
        );
        // A default page echoing the Host it was asked, or linking to another name involved.
        assert_eq!(
            how(
                "No site at secure.test:8443. <a href=https://public.test/>home</a>",
                "No site at MTLS-SCAN-0.invalid:8443. <a href=https://secure.test/>home</a>"
            ),
            Alike::Same
        );
        // A wildcard site's page naming the first label only.
        assert_eq!(
            how(
                "Tenant secure does not exist",
                "Tenant mtls-scan-0 does not exist"
            ),
            Alike::Same
        );
        // A name inside a longer name is not that name.
        assert_eq!(
            how("see www.secure.test", "see secure.test"),
            Alike::Different
        );
        // Words differ: another page; a bundle hash is not a number.
        assert_eq!(how("secret area", "public area"), Alike::Different);
        assert_eq!(
            how(
                "<script src=/main.3f9a8c1b.js>",
                "<script src=/main.77e0d2aa.js>"
            ),
            Alike::Different
        );
        // Whitespace alone does not make another page.
        assert_eq!(how("a  b\r\n", "a b\n"), Alike::Same);
    }

    #[test]
    fn one_unseen_change_in_a_long_page_is_near_not_another_page() {
        let a = long_page(100, 40, "rq_abcdef");
        let b = long_page(100, 40, "rq_zyxwvu");
        assert_eq!(how(&a, &b), Alike::Near);
        // In a short page, one word is another page.
        assert_eq!(how("hello anonymous", "hello admin"), Alike::Different);
    }

    #[test]
    fn tokens_that_changed_between_two_asks_may_differ() {
        let form =
            |nonce: &str| format!("<input name=csrf value={nonce}> {}", long_page(20, 0, "a"));
        let door = http(200, &form("aZ3kQ9xx"));
        let unknown = asked_twice(
            UNKNOWN,
            http(200, &form("Yb7pL2yy")),
            http(200, &form("Qq1wE4zz")),
        );
        let c = Controls {
            secrets: Default::default(),
            holder: Vec::new(),
            aliases: Vec::new(),
            protected_host: PROTECTED.to_owned(),
            own: None,
            unknown,
            front: None,
            reference: None,
        };
        // The door's page is the unknown Host's, nonce aside: unsure without a reference.
        let Landing::Unsure(why) = landing(&door, &c) else {
            panic!("like the unknown Host's page");
        };
        assert!(why.contains("the page any unknown Host gets"), "{why}");
        // The same nonce both times: the token is not known to change, so the door's differs.
        let c = Controls {
            unknown: asked_twice(
                UNKNOWN,
                http(200, &form("Yb7pL2yy")),
                http(200, &form("Yb7pL2yy")),
            ),
            ..c
        };
        assert_eq!(landing(&door, &c), Landing::Protected);
        // Two answers that differ in more than two and a tenth of their tokens teach nothing.
        let noisy = |n: &str| format!("{n} x {n} y {n}");
        let c = Controls {
            unknown: asked_twice(UNKNOWN, http(200, &noisy("ab")), http(200, &noisy("cd"))),
            ..c
        };
        assert_eq!(landing(&http(200, &noisy("ef")), &c), Landing::Protected);
    }

    #[test]
    fn cut_bodies_compare_enough_of_what_both_hold_whole() {
        let names = [PROTECTED.to_owned()];
        let page = |body: &str, cut: bool| {
            let mut seen = http(200, body);
            seen.result.truncated = cut;
            Page::of(&seen, &names, &[])
        };
        let long = long_page(200, 150, "tail");
        let other_tail = long_page(200, 150, "other");
        // Both cut after 100 same tokens: the same page as far as can be told.
        let a = page(&long_page(100, 99, "ta"), true);
        let b = page(&long_page(120, 119, "tb"), true);
        assert_eq!(alike(&a, &b, None, 50), Alike::Same);
        // A complete page that does not hold the cut one's whole tokens is another page.
        assert_eq!(
            alike(&a, &page("w0x w1x", false), None, 50),
            Alike::Different
        );
        // One word in 200: near, not the same.
        assert_eq!(
            alike(&page(&long, false), &page(&other_tail, false), None, 50),
            Alike::Near
        );
        // Cut too short to tell.
        let short = page("<!DOCTYPE html><html", true);
        assert_eq!(
            alike(
                &short,
                &page("<!DOCTYPE html><html><body>anything</body>", false),
                None,
                50
            ),
            Alike::Unknown
        );
        // A door cut that short is unsure, whatever the controls.
        let mut door = http(200, "<!DOCTYPE ht");
        door.result.complete = false;
        let c = controls(Some(http(200, "public area")), http(404, "none"), None);
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
    }

    /// A door is one only while the front door stays shut: the protected name asked again
    /// without a certificate and served (a fleet with an open backend), busy or unreadable, the
    /// door proves nothing; refused, the door's page is judged as before.
    #[test]
    fn a_door_counts_only_while_the_front_door_stays_shut() {
        let door = http(200, "secret area");
        let base = controls(
            Some(http(200, "public area")),
            http(200, "public area"),
            None,
        );
        for (front, again, says) in [
            (
                http(200, "secret area"),
                http(403, "no"),
                "were served HTTP 200",
            ),
            (
                http(403, "no"),
                http(200, "secret area"),
                "were served HTTP 200",
            ),
            (
                http(503, "busy"),
                http(403, "no"),
                "could not be read (HTTP 503",
            ),
            (
                inconclusive("reset"),
                http(403, "no"),
                "could not be read (reset)",
            ),
        ] {
            let c = Controls {
                front: asked_twice(PROTECTED, front, again),
                ..base.clone()
            };
            let Landing::Unsure(why) = landing(&door, &c) else {
                panic!("a door beside an open front door is never a bypass");
            };
            assert!(why.contains(says), "{why}");
        }
        for (front, again) in [
            (http(403, "no"), http(403, "no")),
            (
                refused_tls("CertificateRequired"),
                refused_tls("CertificateRequired"),
            ),
            (http(302, "login"), http(302, "login")),
        ] {
            let c = Controls {
                front: asked_twice(PROTECTED, front, again),
                ..base.clone()
            };
            assert_eq!(landing(&door, &c), Landing::Protected);
        }
        // A door on another site's page stays there, whatever the front door says (a busy
        // front door never turns a clear answer into an unsure one).
        let elsewhere = controls(
            Some(http(200, "public area")),
            http(200, "public area"),
            Some(http(200, "secret area")),
        );
        let c = Controls {
            front: asked_twice(PROTECTED, http(503, "busy"), http(503, "busy")),
            ..elsewhere
        };
        assert!(matches!(
            landing(&http(200, "public area"), &c),
            Landing::Elsewhere(_)
        ));
    }

    #[test]
    fn a_page_unlike_every_control_is_protected() {
        let door = http(200, "secret area");
        let c = controls(
            Some(http(200, "public area")),
            http(200, "public area"),
            None,
        );
        assert_eq!(landing(&door, &c), Landing::Protected);
        // An unknown Host not found, or not served twice alike (HAProxy without a default
        // backend answers 503): the door's page is still specific.
        let c = controls(
            Some(http(200, "public area")),
            http(404, "no such site"),
            None,
        );
        assert_eq!(landing(&door, &c), Landing::Protected);
        let no_server = || {
            http(
                503,
                "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle \
                 this request.\n</body></html>",
            )
        };
        let c = Controls {
            unknown: asked_twice(UNKNOWN, no_server(), no_server()),
            ..c
        };
        assert_eq!(landing(&door, &c), Landing::Protected);
        // Any other busy answer, twice, may be a rate limit the controls tripped: unsure.
        let c = Controls {
            unknown: asked_twice(UNKNOWN, http(503, "slow down"), http(503, "slow down")),
            ..c
        };
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
        let c = Controls {
            unknown: asked_twice(UNKNOWN, http(429, "too many"), http(429, "too many")),
            ..c
        };
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
    }

    #[test]
    fn a_page_like_a_control_is_unsure_without_the_protected_page() {
        // The name's own site (or the protected site under a Host alias), a catch-all, a
        // default site: none is told apart from the protected site without a certificate.
        for (own, unknown, says) in [
            (
                "one page",
                "default site",
                "the page the name gives its own Host",
            ),
            ("one page", "one page", "the page the name gives every Host"),
            ("public area", "one page", "the page any unknown Host gets"),
        ] {
            let c = controls(Some(http(200, own)), http(200, unknown), None);
            let Landing::Unsure(why) = landing(&http(200, "one page"), &c) else {
                panic!("{says}: must stay unsure");
            };
            assert!(
                why.contains(says) && why.contains("client certificate"),
                "{why}"
            );
        }
    }

    #[test]
    fn the_protected_page_tells() {
        let door = http(200, "default site");
        // The protected site's page differs: the door landed on the default site.
        let other = controls(
            Some(http(200, "public area")),
            http(200, "default site"),
            Some(http(200, "secret area")),
        );
        let Landing::Elsewhere(page) = landing(&door, &other) else {
            panic!("another page than the protected one");
        };
        assert!(
            page.contains("with the client certificate differs"),
            "{page}"
        );
        // It is the protected site's page: the default backend is the protected site, or the
        // server ignores Host and serves it to every name.
        for own in ["public area", "default site"] {
            let same = controls(
                Some(http(200, own)),
                http(200, "default site"),
                Some(http(200, "default site")),
            );
            assert_eq!(landing(&door, &same), Landing::Protected);
        }
        // Much like it, but not the same (the page shows the certificate's identity): unsure.
        let door = http(200, &long_page(60, 3, "anonymous"));
        let c = controls(
            Some(http(200, &long_page(60, 3, "anonymous"))),
            http(404, "none"),
            Some(http(200, &long_page(60, 3, "CN=client"))),
        );
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
    }

    #[test]
    fn a_reference_that_could_not_be_read_is_unsure_never_a_pass() {
        for door_like in ["public area", "default site"] {
            let door = http(200, door_like);
            for reference in [
                refused_tls("certificate_unknown").asked(),
                inconclusive("timed out"),
                http(503, "busy"),
            ] {
                let c = controls(
                    Some(http(200, "public area")),
                    http(200, "default site"),
                    Some(reference),
                );
                assert!(
                    matches!(landing(&door, &c), Landing::Unsure(_)),
                    "{door_like}: {:?}",
                    landing(&door, &c)
                );
            }
        }
        // Its second answer served the door's page: in.
        let c = Controls {
            reference: asked_twice(
                PROTECTED,
                inconclusive("timed out"),
                http(200, "default site"),
            ),
            ..controls(
                Some(http(200, "public area")),
                http(200, "default site"),
                None,
            )
        };
        assert_eq!(landing(&http(200, "default site"), &c), Landing::Protected);
    }

    #[test]
    fn unreadable_controls_are_unsure_never_a_pass() {
        let door = http(200, "secret area");
        let c = controls(
            Some(inconclusive("timed out")),
            http(200, "public area"),
            None,
        );
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
        // Busy once (or twice with another status): unreadable.
        let c = controls(Some(http(200, "public area")), http(503, "busy"), None);
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
        let c = Controls {
            unknown: asked_twice(UNKNOWN, http(503, "busy"), inconclusive("reset")),
            ..c
        };
        assert!(matches!(landing(&door, &c), Landing::Unsure(_)));
        // The protected page read with the certificate settles it anyway.
        let c = controls(
            Some(inconclusive("timed out")),
            http(503, "busy"),
            Some(http(200, "secret area")),
        );
        assert_eq!(landing(&door, &c), Landing::Protected);
    }

    #[test]
    fn escaped_names_and_the_users_header_values_are_masked() {
        // A login link with the asked Host percent-encoded, or in a JavaScript string.
        assert_eq!(
            how(
                "<a href=/login?next=https%3A%2F%2Fsecure.test%3A8443%2F>Sign in</a>",
                "<a href=/login?next=https%3A%2F%2Fmtls-scan-0.invalid%3A8443%2F>Sign in</a>"
            ),
            Alike::Same
        );
        assert_eq!(
            how(
                "location = 'https:\\u002F\\u002Fsecure.test/'",
                "location = 'https:\\u002F\\u002Fpublic.test/'"
            ),
            Alike::Same
        );
        // An echo server shows the user's token to the door (the protected Host) only.
        let mut c = controls(None, http(200, "GET / HTTP/1.1\n"), None);
        c.secrets = Secrets(vec![
            "Bearer s3cr3t-token".to_owned(),
            "s3cr3t-token".to_owned(),
        ]);
        let door = http(200, "GET / HTTP/1.1\nauthorization: Bearer s3cr3t-token\n");
        // The unknown Host's echo lacks the line: the pages differ for the token alone.
        let Landing::Unsure(why) = landing(&door, &c) else {
            panic!("a page echoing the user's headers is no proof");
        };
        assert!(
            why.contains("shows your headers back") && !why.contains("s3cr3t"),
            "{why}"
        );
        // The protected page with the certificate, echoing the token too, settles it.
        c.reference = once(PROTECTED, door.clone());
        assert_eq!(landing(&door, &c), Landing::Protected);
        assert_eq!(format!("{:?}", c.secrets), "<2 redacted>");
    }

    #[test]
    fn controls_refused_for_want_of_the_users_headers_tell_nothing() {
        let door = http(200, "secret area");
        let mut c = controls(
            Some(http(401, "token required")),
            http(401, "token required"),
            None,
        );
        assert_eq!(landing(&door, &c), Landing::Protected);
        c.secrets = Secrets(vec!["Bearer abcdef".to_owned()]);
        let Landing::Unsure(why) = landing(&door, &c) else {
            panic!("refused controls without the user's headers prove nothing");
        };
        assert!(why.contains("without your headers"), "{why}");
        // The protected page with the certificate settles it.
        c.reference = once(PROTECTED, http(200, "secret area"));
        assert_eq!(landing(&door, &c), Landing::Protected);
    }

    #[test]
    fn a_page_only_near_a_control_is_never_passed() {
        let door = http(200, &long_page(100, 7, "AcmeAdmin"));
        let c = controls(
            Some(http(200, &long_page(100, 7, "AcmePublic"))),
            http(404, "none"),
            Some(http(200, "dashboard")),
        );
        assert!(
            matches!(landing(&door, &c), Landing::Unsure(_)),
            "{:?}",
            landing(&door, &c)
        );
    }

    /// The values a JSON page is compared by: its records' strings and long numbers, not its
    /// keys, booleans or small counts; an empty envelope with the same keys holds none of them.
    #[test]
    fn json_values_hold_the_records_not_the_keys() {
        let values = |b: &[u8]| json_values(b).unwrap_or_default();
        let own = values(
            br#"{"ok":true,"customer":"test-client","orders":[{"id":1017,"item":"widget","qty":2}]}"#,
        );
        let every = values(
            br#"{"ok":true,"customer":null,"orders":[{"id":1017,"item":"widget","qty":2},{"id":1001,"item":"bolt","qty":1}]}"#,
        );
        let empty = values(
            br#"{"ok":false,"customer":null,"orders":[],"count":0,"error":"token_unknown"}"#,
        );
        let want: std::collections::BTreeSet<String> = ["1017", "test-client", "widget"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(own, want);
        assert_eq!(own.intersection(&every).count(), 2);
        assert_eq!(own.intersection(&empty).count(), 0);
        assert!(json_values(b"<html><body>orders</body></html>").is_none());
        assert!(json_values(br#""a bare string""#).is_none());
    }

    /// A page's figures, in any format: the runs holding three digits (ids, amounts), their
    /// dots and dashes trimmed; the orders as HTML and as JSON hold the same ones.
    #[test]
    fn figures_are_the_runs_of_three_digits_in_any_format() {
        let html = figures(
            b"<tr><td>ORD-558812</td><td>WIDGET-9X</td><td>4821.50</td></tr>\
              <p>Page 2 of 12. Total: 129.99.</p>",
        );
        let want: std::collections::BTreeSet<Vec<u8>> = ["ORD-558812", "4821.50", "129.99"]
            .into_iter()
            .map(|f| f.as_bytes().to_vec())
            .collect();
        assert_eq!(html, want);
        let json = figures(
            br#"[{"id":"ORD-558812","sku":"WIDGET-9X","total":"4821.50"},{"total":"129.99"}]"#,
        );
        assert_eq!(json, want);
        assert!(figures(b"<h1>Orders</h1><p>none yet</p>").is_empty());
    }

    /// Other figures in the place of two or more of the protected page's, a quarter at least:
    /// a page rendered for another caller; the protected page keeps them all.
    #[test]
    fn figures_replaced_by_others_tell_another_rendering() {
        let numbers = |b: &[u8]| super::super::page::number_hashes(b);
        let footer = "(c) 2026 v2.4.1 build 20261207.4 +1-800-555-0199";
        let protected = numbers(format!("orders 2 due 5 balance 4951.49 {footer}").as_bytes());
        let guest = numbers(format!("orders 0 due 0 balance 0.00 {footer}").as_bytes());
        let same = numbers(format!("orders 2 due 5 balance 4951.49 {footer}").as_bytes());
        let one_off = numbers(format!("orders 2 due 5 balance 4951.50 {footer}").as_bytes());
        assert!(figures_replaced(&protected, &guest));
        assert!(!figures_replaced(&protected, &same));
        assert!(!figures_replaced(&protected, &one_off));
        assert!(!figures_replaced(&[], &guest));
    }

    /// A refusal status whose whole body is the protected page (Go's 421 guard without
    /// `return`) carries it; a 403 in the site's own layout (the same template, other words), or
    /// a page only near it, does not: it is a refusal.
    #[test]
    fn a_refusal_carries_the_protected_page_only_when_it_is_the_same_page() {
        let orders = r#"{"orders":[{"id":1001,"item":"widget"}],"customer":"acme corp"}"#;
        let mut c = controls(None, http(404, "none"), None);
        let reference = Control {
            host: PROTECTED.to_owned(),
            seen: http(200, orders),
            again: Some(http(200, orders)),
        };
        assert!(carries_the_reference(&http(421, orders), &reference, &c));
        assert!(carries_the_reference(&http(403, orders), &reference, &c));
        // Numbers and the protected Host aside.
        let echo =
            |host: &str, n: u32| format!("orders of {host}: {n} of them, order list follows");
        let with_host = Control {
            host: PROTECTED.to_owned(),
            seen: http(200, &echo(PROTECTED, 3)),
            again: None,
        };
        assert!(carries_the_reference(
            &http(403, &echo("secure.test", 4)),
            &with_host,
            &c
        ));
        let layout = |body: &str| {
            format!(
                "<!doctype html><html><head><title>Example Corp</title></head><body><nav>Home \
                 Orders Account</nav><main>{body}</main></body></html>"
            )
        };
        let site = Control {
            host: PROTECTED.to_owned(),
            seen: http(200, &layout("Your orders: widget, gadget")),
            again: None,
        };
        assert!(!carries_the_reference(
            &http(403, &layout("Please sign in first")),
            &site,
            &c
        ));
        assert!(carries_the_reference(
            &http(403, &layout("Your orders: widget, gadget")),
            &site,
            &c
        ));
        // A reference that was not served tells nothing.
        let refused = Control {
            host: PROTECTED.to_owned(),
            seen: http(403, orders),
            again: None,
        };
        assert!(!carries_the_reference(&http(403, orders), &refused, &c));
        c.holder = vec!["test-client".to_owned()];
        // The reference showing its caller where the door shows none is the same page.
        let caller = |who: &str| format!("orders for {who}: widget gadget sprocket");
        let shows = Control {
            host: PROTECTED.to_owned(),
            seen: http(200, &caller("test-client")),
            again: None,
        };
        assert!(carries_the_reference(
            &http(421, &caller("anonymous")),
            &shows,
            &c
        ));
    }

    /// A page a field apart from the protected one (the caller told apart: an audit's Deno
    /// router served its ledger with `"client_verified":false` to `/ADMIN/orders`, read as
    /// another page, A, exit 0) is near it, neither the same page nor another.
    #[test]
    fn a_page_a_field_apart_is_near_the_protected_page() {
        let ledger = |verified: &str| {
            format!(
                r#"{{"orders":[1042,1043],"ledger":"secret-ledger-7731","client_verified":{verified}}}"#
            )
        };
        let c = controls(None, http(404, "none"), None);
        let reference = Control {
            host: PROTECTED.to_owned(),
            seen: http(200, &ledger("true")),
            again: Some(http(200, &ledger("true"))),
        };
        assert_eq!(
            reference_likeness(&http(200, &ledger("false")), &reference, &c),
            Likeness::Near
        );
        assert_eq!(
            reference_likeness(&http(200, &ledger("true")), &reference, &c),
            Likeness::Same
        );
        assert_eq!(
            reference_likeness(&http(200, "not found here"), &reference, &c),
            Likeness::Other
        );
    }

    /// Which bodies answered with a refusal status read as refusal pages (without the protected
    /// page to compare, any other is unsure).
    #[test]
    fn refusal_pages_say_so_or_name_their_status() {
        for (status, body) in [
            (
                403,
                "<html><body><h1>403 Forbidden</h1>Request forbidden by administrative rules.",
            ),
            (
                421,
                "<html><head><title>421 Misdirected Request</title></head><body></body></html>",
            ),
            (
                400,
                "<html><head><title>400 Bad Request</title></head><body><center>nginx</center>",
            ),
            (
                401,
                r#"{"error":"unauthorized","hint":"present a client certificate"}"#,
            ),
            (403, "a valid client certificate is required for this page"),
            // API error bodies (a correct SNI guard, an app's 403 with a request id).
            (421, r#"{"error":"wrong host"}"#),
            (421, r#"{"message":"Invalid Host header"}"#),
            (
                403,
                r#"{"error":"access_denied","request_id":"189616b53b33c055"}"#,
            ),
            (421, r#"{"status":"error","message":"host mismatch"}"#),
        ] {
            assert!(reads_as_refusal(status, body.as_bytes()), "{status} {body}");
        }
        for (status, body) in [
            (
                421,
                r#"{"orders":[{"id":1001,"item":"widget"}],"customer":"acme corp"}"#,
            ),
            (403, "<h1>Dashboard</h1><p>Revenue this week: 4,200</p>"),
        ] {
            assert!(
                !reads_as_refusal(status, body.as_bytes()),
                "{status} {body}"
            );
        }
    }

    #[test]
    fn unknown_hosts_are_random_invalid_names() {
        let a = unknown_host(8443);
        assert!(
            a.starts_with("mtls-scan-") && a.ends_with(".invalid:8443"),
            "{a}"
        );
        assert_eq!(unknown_host(443).matches(':').count(), 0);
    }

    #[test]
    fn labels_name_the_sni_sent() {
        let t = Target::parse("https://secure.test/").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sni_label(&Sni::Omit, &t), "no SNI");
        assert_eq!(sni_label(&Sni::Target, &t), "SNI secure.test");
        let ip = Target::parse("https://127.0.0.1:8443/").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sni_label(&Sni::Target, &ip), "no SNI");
    }
}
