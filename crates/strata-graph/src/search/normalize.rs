//! How a name becomes the tokens search compares: what "forgiving case,
//! accents, punctuation, word order, corporate suffixes and spelling"
//! means, in one place, for the index and the query alike.
//!
//! - Unicode compatibility decomposition (NFKD, `unicode-normalization`),
//!   combining marks dropped and the rest lowercased: "Société" and
//!   "SOCIETE" are both `societe`, full-width letters are plain ones.
//!   A few letters NFKD leaves whole are spelled out (`ø` → `o`, `ß` → `ss`).
//! - Dots and apostrophes join what they separate ("S.A." is `sa`,
//!   "O'Brien" is `obrien`); every other character that is not a letter or
//!   a digit separates words.
//! - CJK characters (Han, kana, Hangul) are a token each, so a name matches
//!   its own characters in any order and "华为" finds "华为技术有限公司".
//! - Latin words are spelled the way transliterations agree on ([`key`]):
//!   `shch` and `sch` are `sh`, `kh` is `h`, `ph` is `f`, `ck` is `k`, `x`
//!   is `ks`, `y` and `j` are `i`, `w` is `v`, and a doubled letter is one
//!   ("KHOLDING" and "HOLDING", "APEKS" and "APEX", "ROSSIYA" and "ROSIIA",
//!   "OBSHCHESTVO" and "OBSCHESTVO" are one token each).
//! - Single letters in a row are one word: "I A C" is `iac`.
//! - Legal forms (`FORMS`: "Co., Ltd.", "GmbH", "OOO", "Aktsionernoe
//!   Obshchestvo", "Joint Stock Company", "S.A. de C.V.", "有限公司", ...)
//!   are dropped wherever their words stand, unless nothing else is left.
//!   They are compared in English, so a word that means "company"
//!   ("SHERKAT", "SIRKETI", "KOMPANIYA") is dropped as "company" is.
//! - Words that describe a party in other languages (`words.txt`:
//!   "SANAYE" and "PROMYSHLENNOST" mean "industry", "SIMAN" "cement")
//!   stay tokens of their own, and [`same_meaning`] gives search the words
//!   that mean the same.
//!
//! Word order is forgiven by the scorer, which compares token sets. Two
//! more ways a name is written are derived here for the index: its words
//! written as one ([`Analysed::joined`]: "Byte Dance" for "ByteDance") and
//! its initials ([`Analysed::initials`]: "NIOC" for "National Iranian Oil
//! Company").

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Legal forms, as the words that say what kind of company a name is, not
/// which: one- or more-word forms in Latin script (English, Russian and
/// Ukrainian transliterated, Chinese pinyin, Romance, Germanic, Nordic and
/// Asian abbreviations), separated by commas, `#` lines being comments.
/// Compared after [`key`], so the spelling variants of a transliteration
/// ("OGRANICHENNOI", "OGRANICHENNOY") are one form.
const FORMS: &str = "
# English
co, company, corp, corporation, inc, incorporated, ltd, limited, llc, llp, lp
plc, pllc, the, joint stock company, open joint stock company, closed joint stock company
public joint stock company, private joint stock company, limited liability company
limited liability partnership, public limited company, private limited, company limited
jsc, ojsc, cjsc, pjsc, fze, fzco, fzc, fz
# Russian and Ukrainian, transliterated
ao, oao, zao, pao, ooo, tov, pat, fgup, gup, aktsionernoe obshchestvo
otkrytoe aktsionernoe obshchestvo, zakrytoe aktsionernoe obshchestvo
publichnoe aktsionernoe obshchestvo, nepublichnoe aktsionernoe obshchestvo
obshchestvo s ogranichennoi otvetstvennostyu, tovarystvo z obmezhenoyu vidpovidalnistyu
federalnoe gosudarstvennoe unitarnoe predpriyatie, federal state unitary enterprise
# Soviet and Russian kinds of enterprise: a research-and-production
# association or enterprise
npo, npp, nauchno proizvodstvennoe obedinenie, nauchno proizvodstvennoe predpriyatie
scientific production association, scientific and production association
research and production association
# Chinese, in pinyin
youxian gongsi, gufen youxian gongsi, youxian zeren gongsi
# Romance
sa, sas, sarl, sal, sl, srl, spa, sprl, sca, scs, sac, saic, ca, cia, ltda
lda, limitada, eirl, sa de cv, s de rl, s de rl de cv, sociedad anonima
sociedad por acciones simplificada, sociedad de responsabilidad limitada, societe anonyme
societa per azioni
# Slavic languages written in Latin script, and Turkish
doo, dd, drustvo s ogranicenom odgovornoscu, dionicko drustvo, akcionarsko drustvo
sro, spol s ro, spolecnost s rucenim omezenym, sp z oo, spolka z ograniczona odpowiedzialnoscia
spolka akcyjna, anonim sirketi, limited sirketi
# Germanic and Nordic
ag, gmbh, mbh, kg, ohg, ug, nv, bv, bvba, ab, as, asa, aps, oy, oyj
# Asian
kk, bhd, sdn, sdn bhd, pte, pty, pvt, tbk, jsc
";

/// Words that describe a party (industry, bank, institute, north) in the
/// languages the screening lists transliterate, each line an English word
/// and the words that mean it: see the file's head.
const WORDS: &str = include_str!("words.txt");

/// The words of [`WORDS`]: each line's keys, the English word's first,
/// and the line of each key.
struct Meanings {
    lines: Vec<Vec<String>>,
    line_of: FxHashMap<String, usize>,
}

static MEANINGS: LazyLock<Meanings> = LazyLock::new(|| {
    let mut line_of: FxHashMap<String, usize> = FxHashMap::default();
    let mut lines: Vec<Vec<String>> = Vec::new();
    for line in WORDS.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let Some((english, others)) = line.split_once(':') else { continue };
        let mut keys: Vec<String> = Vec::new();
        for k in std::iter::once(english).chain(others.split(',')).map(str::trim).filter(|w| !w.is_empty()).map(key) {
            // A word listed twice keeps its first meaning (a test keeps the file free of them).
            if !line_of.contains_key(&k) {
                line_of.insert(k.clone(), lines.len());
                keys.push(k);
            }
        }
        lines.push(keys);
    }
    Meanings { lines, line_of }
});

/// The keys of the words [`WORDS`] says mean what the word of `key`
/// means, itself among them (none when it lists no such word): for
/// `sanaie`, `industri` and `promishlenost` among others.
pub(crate) fn same_meaning(key: &str) -> &'static [String] {
    let m = &*MEANINGS;
    m.line_of.get(key).and_then(|&l| m.lines.get(l)).map_or(&[], Vec::as_slice)
}

/// The key of the English word [`WORDS`] reads `key` as (`key` itself
/// when it lists no such word): how legal forms are compared, so that
/// "SHERKAT" and "KOMPANIYA" are dropped as "company" is.
fn english(key: &str) -> &str {
    same_meaning(key).first().map_or(key, String::as_str)
}

/// Words left out of a name's initials in one of its readings ("Bank of
/// Industry and Mine" is BIM): articles, conjunctions and prepositions.
const STOP: &[&str] = &[
    "a", "an", "and", "at", "by", "for", "in", "of", "on", "the", "to", "da", "das", "de", "del", "della", "der",
    "des", "di", "do", "dos", "du", "e", "el", "en", "et", "fur", "i", "la", "las", "le", "les", "los", "und", "van",
    "von", "y", "z",
];

/// The CJK spellings of the same, stripped from the end (or, for 株式会社,
/// the start) of a run of CJK text before it is cut into characters.
const CJK_SUFFIXES: &[&str] =
    &["股份有限公司", "有限责任公司", "有限責任公司", "有限公司", "株式会社", "公司", "集团", "集團"];

/// The forms by their first word's key, each as its words' keys, longest
/// first (so "open joint stock company" goes whole before "company").
static FORM_KEYS: LazyLock<FxHashMap<String, Vec<Vec<String>>>> = LazyLock::new(|| {
    let mut by_first: FxHashMap<String, Vec<Vec<String>>> = FxHashMap::default();
    let lines = FORMS.lines().filter(|l| !l.trim_start().starts_with('#'));
    for form in lines.flat_map(|l| l.split(',')).map(str::trim).filter(|f| !f.is_empty()) {
        let words: Vec<String> = form.split(' ').map(|w| english(&key(w)).to_owned()).collect();
        if let Some(first) = words.first() {
            by_first.entry(first.clone()).or_default().push(words);
        }
    }
    for forms in by_first.values_mut() {
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        forms.dedup();
    }
    by_first
});

/// The shortest and longest initials indexed: two letters collide too often.
const INITIALS: std::ops::RangeInclusive<usize> = 3..=10;

/// Whether `c` is written in a script without spaces between words, whose
/// characters search compares one by one.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF        // Hiragana, Katakana
        | 0x3400..=0x4DBF      // CJK Extension A
        | 0x4E00..=0x9FFF      // CJK Unified Ideographs
        | 0xAC00..=0xD7AF      // Hangul syllables
        | 0xF900..=0xFAFF      // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // Extensions B..F, compatibility supplement
}

/// Letters that compatibility decomposition leaves as they are.
fn spelled(c: char) -> Option<&'static str> {
    Some(match c {
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        'ı' => "i",
        _ => return None,
    })
}

/// The folded text: decomposed, without marks, lowercase, odd letters spelled out.
fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd().filter(|&c| !is_combining_mark(c)) {
        for l in c.to_lowercase() {
            match spelled(l) {
                Some(s) => out.push_str(s),
                None => out.push(l),
            }
        }
    }
    out
}

/// A folded word as transliterations agree to spell it: `shch` and `sch`
/// → `sh`, `kh` → `h`,
/// `ph` → `f`, `ck` → `k`, `ou` and `oo` → `u`, `x` → `ks`, `y` and `j`
/// → `i`, `w` → `v`, `q` → `k` ("QASIM", "KASIM"), then
/// each run of one letter is one letter (digits are left as they are).
pub(crate) fn key(word: &str) -> String {
    let word = ordinal_number(word).unwrap_or(word);
    // `q` is `k` before the other rules, so "QH" is spelt as "KH" is.
    let word: std::borrow::Cow<'_, str> = if word.contains('q') { word.replace('q', "k").into() } else { word.into() };
    let mut spelled = String::with_capacity(word.len() + 2);
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match (c, next) {
            ('s', Some('c' | 'h')) if spelled_sch(&mut chars) => spelled.push_str("sh"),
            ('k', Some('h')) => {
                chars.next();
                spelled.push('h');
            }
            ('p', Some('h')) => {
                chars.next();
                spelled.push('f');
            }
            ('c', Some('k')) => {
                chars.next();
                spelled.push('k');
            }
            ('o', Some('u' | 'o')) => {
                chars.next();
                spelled.push('u');
            }
            ('x', _) => spelled.push_str("ks"),
            ('y' | 'j', _) => spelled.push('i'),
            ('w', _) => spelled.push('v'),
            _ => spelled.push(c),
        }
    }
    let mut out = String::with_capacity(spelled.len());
    let mut last: Option<char> = None;
    for c in spelled.chars() {
        if last == Some(c) && c.is_alphabetic() {
            continue;
        }
        out.push(c);
        last = Some(c);
    }
    if let Some(stem) = SK_ENDINGS.iter().find_map(|e| out.strip_suffix(e)).filter(|s| s.len() >= 4) {
        out.truncate(stem.len() + 2);
    }
    out
}

/// The endings of Slavic adjectives made with `-sk-` ("of the place"), as
/// keys, longest first: "NOVOSIBIRSKI" and "IZHEVSKIYE" end in `sk` as
/// "NOVOSIBIRSK" and "IZHEVSK" do, "YAROSLAVSKIY" is "YAROSLAVSKAYA",
/// and "KOWALSKA" is "KOWALSKI".
const SK_ENDINGS: &[&str] =
    &["skogo", "skaia", "skoie", "skoe", "skie", "skih", "skoi", "skom", "ski", "ska", "ske", "sko"];

/// The number of an ordinal written in digits ("31st", "702nd", "3rd",
/// "239th"): the same institute as "31", "702", "3", "239".
fn ordinal_number(word: &str) -> Option<&str> {
    let digits = word.find(|c: char| !c.is_ascii_digit())?;
    let (number, suffix) = word.split_at(digits);
    (!number.is_empty() && matches!(suffix, "st" | "nd" | "rd" | "th")).then_some(number)
}

/// After an `s`: whether `chars` go on with `hch` or `ch` (Щ written
/// `shch` or `sch`), which are then taken.
fn spelled_sch(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    let rest: String = chars.clone().take(3).collect();
    let take = if rest.starts_with("hch") {
        3
    } else if rest.starts_with("ch") {
        2
    } else {
        return false;
    };
    for _ in 0..take {
        chars.next();
    }
    true
}

/// Removes the CJK corporate suffixes from a run of CJK characters.
fn strip_cjk(mut run: &str) -> &str {
    loop {
        let before = run.len();
        for s in CJK_SUFFIXES {
            if run.len() > s.len() {
                run = run.strip_suffix(s).unwrap_or(run);
            }
        }
        if run.len() > "株式会社".len() {
            run = run.strip_prefix("株式会社").unwrap_or(run);
        }
        if run.len() == before {
            return run;
        }
    }
}

/// One piece of a name: a folded word, or one CJK character.
struct Piece {
    /// The folded word (or the character).
    word: String,
    /// Its key (the character itself for CJK).
    key: String,
    cjk: bool,
    /// Part of a legal form.
    form: bool,
}

/// The name's pieces in order, legal forms marked.
fn pieces(text: &str) -> Vec<Piece> {
    let folded = fold(text);
    let mut all: Vec<Piece> = Vec::new();
    let mut word = String::new();
    let mut cjk = String::new();
    let flush_word = |word: &mut String, all: &mut Vec<Piece>| {
        if !word.is_empty() {
            let w = std::mem::take(word);
            all.push(Piece { key: key(&w), word: w, cjk: false, form: false });
        }
    };
    let flush_cjk = |cjk: &mut String, all: &mut Vec<Piece>| {
        if !cjk.is_empty() {
            all.extend(strip_cjk(cjk).chars().map(|c| Piece {
                word: c.to_string(),
                key: c.to_string(),
                cjk: true,
                form: false,
            }));
            cjk.clear();
        }
    };
    for c in folded.chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut all);
            cjk.push(c);
        } else if c.is_alphanumeric() {
            flush_cjk(&mut cjk, &mut all);
            word.push(c);
        } else if matches!(c, '.' | '\'' | '’' | '`') {
            // Joins: "S.A." is one word, and so is "O'Brien".
        } else {
            flush_word(&mut word, &mut all);
            flush_cjk(&mut cjk, &mut all);
        }
    }
    flush_word(&mut word, &mut all);
    flush_cjk(&mut cjk, &mut all);
    let all = join_letters(all);
    mark_forms(all)
}

/// Single letters in a row are one word ("I A C" is `iac`), also with
/// "and" (or "&") between two of them ("I AND S" and "I&S" are `is`).
fn join_letters(all: Vec<Piece>) -> Vec<Piece> {
    let letter = |p: &Piece| !p.cjk && p.word.chars().count() == 1 && p.word.chars().all(char::is_alphabetic);
    let and_between: Vec<bool> = (0..all.len())
        .map(|i| {
            all[i].word == "and" && i > 0 && all.get(i - 1).is_some_and(letter) && all.get(i + 1).is_some_and(letter)
        })
        .collect();
    let mut out: Vec<Piece> = Vec::with_capacity(all.len());
    let mut run: Vec<Piece> = Vec::new();
    let flush = |run: &mut Vec<Piece>, out: &mut Vec<Piece>| {
        if run.len() >= 2 {
            let word: String = run.iter().map(|p| p.word.as_str()).collect();
            out.push(Piece { key: key(&word), word, cjk: false, form: false });
            run.clear();
        } else {
            out.append(run);
        }
    };
    for (p, and_between) in all.into_iter().zip(and_between) {
        if letter(&p) {
            run.push(p);
        } else if and_between {
            continue;
        } else {
            flush(&mut run, &mut out);
            out.push(p);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Whether a name's word is a form's word: the same key, or past the
/// form's first word, one edit from a long one ("OTVESTVENNOSTYU").
fn form_word(form: &str, word: &str, first: bool) -> bool {
    form == word || (!first && form.len() >= 8 && strsim::levenshtein(form, word) <= 1)
}

/// Marks the pieces that are legal forms, longest form first.
fn mark_forms(mut all: Vec<Piece>) -> Vec<Piece> {
    let mut i = 0;
    while i < all.len() {
        let span = all.get(i).and_then(|p| FORM_KEYS.get(english(&p.key))).and_then(|forms| {
            forms.iter().find(|f| {
                f.len() <= all.len() - i
                    && f.iter()
                        .zip(&all[i..])
                        .enumerate()
                        .all(|(j, (k, p))| !p.cjk && form_word(k, english(&p.key), j == 0))
            })
        });
        match span {
            Some(f) => {
                let len = f.len();
                for p in &mut all[i..i + len] {
                    p.form = true;
                }
                i += len;
            }
            None => i += 1,
        }
    }
    all
}

/// The tokens of a name or a query, in the order they appear, each once:
/// the keys of its words and its CJK characters, without its legal forms
/// (unless it is nothing else).
pub(crate) fn tokens(text: &str) -> Vec<String> {
    tokens_of(&pieces(text))
}

fn tokens_of(pieces: &[Piece]) -> Vec<String> {
    let only_forms = pieces.iter().all(|p| p.form);
    let mut out: Vec<String> = Vec::with_capacity(pieces.len());
    for p in pieces.iter().filter(|p| only_forms || !p.form) {
        if !out.contains(&p.key) {
            out.push(p.key.clone());
        }
    }
    out
}

/// A name's tokens and the other ways it may be written.
pub(crate) struct Analysed {
    /// As [`tokens`].
    pub tokens: Vec<String>,
    /// Its two to four words (legal forms left out) written as one, as a
    /// key: "Byte Dance" as `bitedance`. None for one word, or with CJK.
    pub joined: Option<String>,
    /// Its initials, as keys, read four ways: without or with its
    /// articles and prepositions, without or with its legal form ("Bank
    /// of Industry and Mine" is `bim` and `boiam`, "Iran Electronic
    /// Development Company" `ied` and `iedc`); each of 3 to 10 letters,
    /// from at least two words.
    pub initials: Vec<String>,
    /// Each two neighbouring words written as one, as a key, with the
    /// indices of their tokens: "OFF SHORE" as `ofshore`.
    pub pairs: Vec<(usize, usize, String)>,
}

/// The longest name and the longest word [`abbreviates`] compares: past
/// them a name is not written short this way.
const SHORT_WORDS: usize = 12;
const SHORT_LETTERS: usize = 24;

/// The keys of [`STOP`].
static STOP_KEYS: LazyLock<Vec<String>> = LazyLock::new(|| STOP.iter().map(|w| key(w)).collect());

/// Whether `short` (one word, as a key) is the name of `words` (its
/// tokens, in order) written short the way Spanish, Russian and Persian
/// names are: each word cut to a beginning, and the beginnings run
/// together in order ("COLCERDOS" for "COLOMBIANA DE CERDOS", "NEVNOV" for
/// "NEVSKIYE NOVOSTI", "ISIRAN" for "INFORMATION SYSTEMS IRAN"). Every
/// word is used but articles and prepositions, which may be; at least two
/// words are; initials are the case of one letter each.
pub(crate) fn abbreviates(short: &str, words: &[&str]) -> bool {
    fn cut(short: &[u8], words: &[&str], used: usize) -> bool {
        let Some((word, rest)) = words.split_first() else {
            return short.is_empty() && used >= 2;
        };
        if STOP_KEYS.iter().any(|s| s == word) && cut(short, rest, used) {
            return true;
        }
        let common = word.bytes().zip(short).take_while(|(a, b)| a == *b).count();
        (1..=common).rev().any(|n| cut(&short[n..], rest, used + 1))
    }
    words.len() <= SHORT_WORDS
        && short.len() <= SHORT_LETTERS
        && !short.chars().any(is_cjk)
        && cut(short.as_bytes(), words, 0)
}

/// Cuts a name as [`tokens`] does, and derives the ways it may be written.
pub(crate) fn analyse(text: &str) -> Analysed {
    let pieces = pieces(text);
    let tokens = tokens_of(&pieces);
    let words: Vec<&Piece> = pieces.iter().filter(|p| !p.form).collect();
    let joined = ((2..=4).contains(&words.len()) && words.iter().all(|p| !p.cjk)).then(|| {
        let joined: String = words.iter().map(|p| p.word.as_str()).collect();
        key(&joined)
    });
    let mut initials: Vec<String> = Vec::new();
    let any_stop = || pieces.iter().any(|p| STOP.contains(&p.word.as_str()));
    if pieces.len() >= *INITIALS.start() && !pieces.iter().any(|p| p.cjk) {
        // Only the readings that differ: with stop words if there are any,
        // with the form if there is one.
        let stops: &[bool] = if any_stop() { &[false, true] } else { &[false] };
        let forms: &[bool] = if pieces.iter().any(|p| p.form) { &[false, true] } else { &[false] };
        for (&stop, &form) in stops.iter().flat_map(|s| forms.iter().map(move |f| (s, f))) {
            let letters: String = pieces
                .iter()
                .filter(|p| (form || !p.form) && (stop || !STOP.contains(&p.word.as_str())))
                .filter_map(|p| p.word.chars().next().filter(|c| c.is_alphabetic()))
                .collect();
            // Counted as keys: "SSP" and "SPP" are both `sp`, which two
            // words' initials would match far too often.
            let k = key(&letters);
            if INITIALS.contains(&k.chars().count()) && !initials.contains(&k) {
                initials.push(k);
            }
        }
    }
    let mut pairs: Vec<(usize, usize, String)> = Vec::new();
    for w in words.windows(2) {
        let [a, b] = w else { continue };
        if a.cjk || b.cjk {
            continue;
        }
        let at = |p: &Piece| tokens.iter().position(|t| *t == p.key);
        if let (Some(i), Some(j)) = (at(a), at(b)) {
            pairs.push((i, j, key(&format!("{}{}", a.word, b.word))));
        }
    }
    Analysed { tokens, joined, initials, pairs }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<String> {
        tokens(s)
    }

    #[test]
    fn case_accents_punctuation_and_suffixes_are_forgiven() {
        assert_eq!(t("HUAWEI TECHNOLOGIES CO., LTD."), t("Huawei Technologies"));
        assert_eq!(t("Huawei Technologies"), ["huavei", "technologies"]);
        assert_eq!(t("Société Générale S.A."), ["societe", "generale"]);
        assert_eq!(t("ＡＢＣ　Ｃｏｒｐ"), ["abc"]);
        assert_eq!(t("O'Brien & Sons, Inc."), ["obrien", "sons"]);
        assert_eq!(t("Øresund Straße"), ["oresund", "strase"]);
        // Only suffixes: they are the name.
        assert_eq!(t("The Company"), ["the", "compani"]);
        assert_eq!(t("  "), Vec::<String>::new());
    }

    /// Each word of `words.txt` has one meaning, and each line an English
    /// word and at least one other.
    #[test]
    fn every_word_of_the_word_list_means_one_thing() {
        let mut seen: FxHashMap<String, &str> = FxHashMap::default();
        for line in WORDS.lines().filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty()) {
            let (english, others) = line.split_once(':').unwrap_or_else(|| panic!("no English word: {line}"));
            let words: Vec<&str> = others.split(',').map(str::trim).filter(|w| !w.is_empty()).collect();
            assert!(!words.is_empty(), "no other word: {line}");
            for w in std::iter::once(english.trim()).chain(words) {
                if let Some(before) = seen.insert(key(w), english) {
                    assert_eq!(before, english, "{w} is spelt as a word of {before} and of {english}");
                }
            }
        }
        assert_eq!(same_meaning(&key("sanaye")).first().map(String::as_str), Some("industri"));
        assert!(same_meaning(&key("huawei")).is_empty());
    }

    /// Legal forms are compared in English: "SHERKAT" (Persian) and
    /// "SIRKETI" (Turkish) are dropped as "company" is, and "KOMPANIYA"
    /// inside a form of words.
    #[test]
    fn legal_forms_of_other_languages_are_dropped_as_the_english_ones() {
        assert_eq!(t("SHERKAT SAHAMI KHASS KHAYBAR"), t("SAHAMI KHASS KHAYBAR"));
        assert_eq!(t("Kral Havacilik Ic Ve Dis Ticaret Sirketi"), t("Kral Havacilik Ic Ve Dis Ticaret"));
        assert_eq!(t("UPRAVLYAYUSHCHAYA KOMPANIYA RVK"), t("UPRAVLYAYUSHCHAYA RVK"));
        // A word that means "company" is the name when nothing else is.
        assert_eq!(t("SHERKAT"), ["sherkat"]);
    }

    /// Real names of the CSL cuts and the short names their records give.
    #[test]
    fn names_written_short_are_recognised() {
        let short = |s: &str, name: &str| {
            let tokens = t(name);
            let words: Vec<&str> = tokens.iter().map(String::as_str).collect();
            abbreviates(&key(&fold(s)), &words)
        };
        assert!(short("COLCERDOS", "COLOMBIANA DE CERDOS LTDA."));
        assert!(short("NEVNOV", "NEVSKIYE NOVOSTI"));
        assert!(short("ISIRAN", "INFORMATION SYSTEMS IRAN"));
        assert!(short("SBERTECH", "JOINT STOCK COMPANY SBERBANK TECHNOLOGIES"));
        assert!(short("INHOCAR", "INMOBILIARIA HOTELERA DEL CARIBE LTDA."));
        assert!(short("IRISL", "ISLAMIC REPUBLIC OF IRAN SHIPPING LINES"));
        // Every word that says something is used, in order, and two at least.
        assert!(!short("COLOMBIA", "COLOMBIANA DE CERDOS LTDA."));
        assert!(!short("CERCOL", "COLOMBIANA DE CERDOS LTDA."));
        assert!(!short("HUAWEI", "HUAWEI TECHNOLOGIES CO., LTD."));
        assert!(!short("STEEL", "STEEL"));
        assert!(!short("华为", "华为 技术"));
    }

    #[test]
    fn cjk_names_are_their_characters_without_the_corporate_suffix() {
        assert_eq!(t("华为技术有限公司"), ["华", "为", "技", "术"]);
        assert_eq!(t("华为"), ["华", "为"]);
        assert_eq!(t("株式会社東芝"), ["東", "芝"]);
        assert_eq!(
            t("中芯国际集成电路制造有限公司 SMIC"),
            ["中", "芯", "国", "际", "集", "成", "电", "路", "制", "造", "smic"]
        );
        // A name that is only a suffix keeps it.
        assert_eq!(t("公司"), ["公", "司"]);
    }

    /// Transliterations of one Russian or Persian word agree (names from
    /// the CSL cut: one record's name and its alias).
    #[test]
    fn transliteration_variants_are_one_token() {
        assert_eq!(t("KHOLDING"), t("HOLDING"));
        assert_eq!(t("APEKS"), t("APEX"));
        assert_eq!(t("NOOR"), t("NOUR"));
        assert_eq!(t("NOVOSIBIRSKI ZAVOD"), t("NOVOSIBIRSK ZAVOD"));
        assert_eq!(t("IZHEVSKIYE"), t("IZHEVSK"));
        assert_eq!(t("YAROSLAVSKIY"), t("YAROSLAVSKAYA"));
        assert_eq!(t("MOSKOVSKOGO"), ["moskovsk"]);
        assert_eq!(t("MASK DESK SKI"), ["mask", "desk", "ski"]);
        assert_eq!(t("NOUR"), t("NUR"));
        assert_eq!(t("YAKOOB QASIM IRAQ"), t("YAQUB KASIM IRAK"));
        assert_eq!(t("31st Institute"), t("31 Institute"));
        assert_eq!(t("702nd 3rd 239th"), ["702", "3", "239"]);
        assert_eq!(t("1st2"), ["1st2"]);
        assert_eq!(t("MEZHDUNARODNYJ"), t("MEZHDUNARODNYI"));
        assert_eq!(t("ASA'IB AHL AL-HAQQ"), t("ASA'IB AHL AL-HAQ"));
        assert_eq!(t("KHAZALI NETWORK"), ["hazali", "netvork"]);
        assert_eq!(t("SAZEMANE SANAYE DEFA"), t("SAZEMANE SANAIE DEFA"));
        // Digits keep their runs.
        assert_eq!(t("2566 Radioelectronic"), ["2566", "radioelectronic"]);
    }

    /// Legal forms of many languages go wherever they stand, several words
    /// long or one (names from the CSL cut).
    #[test]
    fn legal_forms_of_many_languages_are_dropped() {
        let bankruptcy = "BANKRUPTCY TECHNOLOGY CENTER LIMITED LIABILITY COMPANY";
        assert_eq!(t(bankruptcy), ["bankruptci", "technologi", "center"]);
        assert_eq!(
            t("AKTSIONERNOE OBSHCHESTVO 'CHERNOMORSKIE MAGISTRALNYE NEFTEPROVODY'"),
            t("CHERNOMORSKIE MAGISTRALNYE NEFTEPROVODY, AO")
        );
        assert_eq!(
            t("PROMOUTERSKAYA KOMPANIYA OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU"),
            t("PROMOUTERSKAYA KOMPANIYA OOO")
        );
        assert_eq!(t("OBSHCHESTVO S OGRANICHENNOY OTVETSTVENNOSTYU ALFA"), ["alfa"]);
        assert_eq!(
            t("OPEN JOINT-STOCK COMPANY 'BLACK SEA OIL TRUNK PIPELINES'"),
            t("BLACK SEA OIL TRUNK PIPELINES PJSC")
        );
        assert_eq!(t("COMERCIALIZADORA TRADE CLEAR, S.A. DE C.V."), ["comercializadora", "trade", "clear"]);
        assert_eq!(t("BEIJING HAILI LIANHE KEJI YOUXIAN GONGSI"), t("Beijing Haili Lianhe Keji"));
        assert_eq!(t("Drillage Trading FZE LLC"), ["drilage", "trading"]);
        // The first words of a form, without the rest, are a name's words.
        assert_eq!(t("JOINT STOCK BANK SOYUZ"), ["ioint", "stok", "bank", "soiuz"]);
    }

    #[test]
    fn names_are_written_as_one_word_and_as_initials() {
        let a = analyse("BANK OF INDUSTRY AND MINE");
        assert!(a.initials.contains(&"bim".to_owned()), "{:?}", a.initials);
        let a = analyse("IRAN ELECTRONIC DEVELOPMENT COMPANY");
        assert!(a.initials.contains(&"iedc".to_owned()), "{:?}", a.initials);
        assert!(a.initials.contains(&"ied".to_owned()), "{:?}", a.initials);
        // "JAA" is spelt `ia`: two letters, which match too many names.
        assert!(analyse("JUND AL-AQSA").initials.is_empty());
        assert_eq!(analyse("JUND AL-AQSA ORGANISATION").initials, ["iao"]);
        assert_eq!(analyse("Byte Dance Ltd").joined.as_deref(), Some("bitedance"));
        // One word, or CJK: neither.
        let a = analyse("华为 Technologies");
        assert!(a.joined.is_none() && a.initials.is_empty());
        assert!(analyse("ByteDance").joined.is_none());
        // Single letters in a row are one word, with "and" or "&" between.
        assert_eq!(t("I A C INTERNATIONAL"), ["iac", "international"]);
        assert_eq!(t("I AND S HOLDING"), t("I&S HOLDING"));
        assert_eq!(t("J & M"), ["im"]);
        assert_eq!(t("A AND"), ["a", "and"]);
        assert_eq!(t("BLACK AND WHITE"), ["blak", "and", "vhite"]);
    }
}

/// The spelling rules over generated words: every case of each rule, not
/// only the names the fixtures hold.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// A word of alternating consonants and vowels that no other spelling
    /// rule touches (no doubled letters, no `h`, `c`, `k`, `s`, `o`, `q`).
    fn plain_word() -> impl Strategy<Value = String> {
        "[bdfglmnprtv][aeiu][bdfglmnprtv][aeiu][bdfglmnprtv]?"
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        #[test]
        fn an_ordinal_is_its_number(n in 0u32..100_000, suffix in prop::sample::select(vec!["st", "nd", "rd", "th", "ST", "Th"])) {
            prop_assert_eq!(tokens(&format!("{n}{suffix} Institute")), tokens(&format!("{n} Institute")));
        }

        #[test]
        fn a_slavic_adjective_of_a_place_ends_as_the_place(
            stem in plain_word(),
            ending in prop::sample::select(vec![
                "skiy", "skii", "sky", "ski", "skaya", "skaja", "skoe", "skoye", "skogo", "skie", "skiye",
                "skikh", "skoi", "skoy", "skom", "ska", "ske", "sko",
            ]),
            upper in any::<bool>(),
        ) {
            let word = format!("{stem}{ending}");
            let word = if upper { word.to_uppercase() } else { word };
            prop_assert_eq!(tokens(&word), tokens(&format!("{stem}sk")));
        }

        #[test]
        fn q_is_k_and_ou_oo_are_u(word in "[a-z]{1,12}") {
            prop_assert_eq!(key(&word.replace('q', "k")), key(&word));
            prop_assert_eq!(key(&word.replace("oo", "u")), key(&word.replace("ou", "u")));
        }

        #[test]
        fn single_letters_are_one_word_with_or_without_and(letters in prop::collection::vec("[A-Z]", 2..6), rest in plain_word()) {
            let joined = tokens(&format!("{} {rest}", letters.concat()));
            prop_assert_eq!(tokens(&format!("{} {rest}", letters.join(" "))), joined.clone());
            prop_assert_eq!(tokens(&format!("{} {rest}", letters.join(" AND "))), joined.clone());
            prop_assert_eq!(tokens(&format!("{} {rest}", letters.join("&"))), joined);
        }

        #[test]
        fn every_beginning_of_every_word_run_together_abbreviates_the_name(
            words in prop::collection::vec(plain_word(), 2..6),
            cuts in prop::collection::vec(1usize..6, 6),
        ) {
            let short: String = words.iter().zip(&cuts).map(|(w, &n)| &w[..n.min(w.len())]).collect();
            let refs: Vec<&str> = words.iter().map(String::as_str).collect();
            prop_assert!(abbreviates(&short, &refs), "{short} for {refs:?}");
            // One word alone is never a name written short.
            prop_assert!(!abbreviates(&short, &refs[..1]));
        }
    }
}
