//! How a name becomes the tokens search compares: what "forgiving case,
//! accents, punctuation, word order and corporate suffixes" means, in one
//! place, for the index and the query alike.
//!
//! - Unicode compatibility decomposition (NFKD, `unicode-normalization`),
//!   combining marks dropped and the rest lowercased: "Société" and
//!   "SOCIETE" are both `societe`, full-width letters are plain ones.
//!   A few letters NFKD leaves whole are spelled out (`ø` → `o`, `ß` → `ss`).
//! - Dots and apostrophes join what they separate ("S.A." is `sa`,
//!   "O'Brien" is `obrien`); every other character that is not a letter or
//!   a digit separates tokens.
//! - CJK characters (Han, kana, Hangul) are a token each, so a name matches
//!   its own characters in any order and "华为" finds "华为技术有限公司".
//! - Corporate suffixes ("Co., Ltd.", "Corporation", "Inc.", "GmbH",
//!   "有限公司", ...) are dropped, unless nothing else is left.
//!
//! Word order is forgiven by the scorer, which compares token sets.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Words that say what legal form a company has, not which company it is.
const SUFFIXES: &[&str] = &[
    "ab",
    "ag",
    "as",
    "asa",
    "bhd",
    "bv",
    "co",
    "company",
    "corp",
    "corporation",
    "cjsc",
    "gmbh",
    "inc",
    "incorporated",
    "jsc",
    "kk",
    "llc",
    "llp",
    "lp",
    "ltd",
    "ltda",
    "lda",
    "limited",
    "nv",
    "oao",
    "ojsc",
    "ooo",
    "oy",
    "oyj",
    "pjsc",
    "plc",
    "pte",
    "pty",
    "pvt",
    "sa",
    "sarl",
    "sas",
    "sdn",
    "spa",
    "srl",
    "the",
    "zao",
];

/// The CJK spellings of the same, stripped from the end (or, for 株式会社,
/// the start) of a run of CJK text before it is cut into characters.
const CJK_SUFFIXES: &[&str] =
    &["股份有限公司", "有限责任公司", "有限責任公司", "有限公司", "株式会社", "公司", "集团", "集團"];

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

/// The tokens of a name or a query, in the order they appear, each once.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut all: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut cjk = String::new();
    let flush_word = |word: &mut String, all: &mut Vec<String>| {
        if !word.is_empty() {
            all.push(std::mem::take(word));
        }
    };
    let flush_cjk = |cjk: &mut String, all: &mut Vec<String>| {
        if !cjk.is_empty() {
            all.extend(strip_cjk(cjk).chars().map(String::from));
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
    let mut seen: Vec<String> = Vec::with_capacity(all.len());
    for t in all {
        if !seen.contains(&t) {
            seen.push(t);
        }
    }
    let kept: Vec<String> = seen.iter().filter(|t| !SUFFIXES.contains(&t.as_str())).cloned().collect();
    if kept.is_empty() {
        seen
    } else {
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<String> {
        tokens(s)
    }

    #[test]
    fn case_accents_punctuation_and_suffixes_are_forgiven() {
        assert_eq!(t("HUAWEI TECHNOLOGIES CO., LTD."), ["huawei", "technologies"]);
        assert_eq!(t("Huawei Technologies"), ["huawei", "technologies"]);
        assert_eq!(t("Société Générale S.A."), ["societe", "generale"]);
        assert_eq!(t("ＡＢＣ　Ｃｏｒｐ"), ["abc"]);
        assert_eq!(t("O'Brien & Sons, Inc."), ["obrien", "sons"]);
        assert_eq!(t("Øresund Straße"), ["oresund", "strasse"]);
        // Only suffixes: they are the name.
        assert_eq!(t("The Company"), ["the", "company"]);
        assert_eq!(t("  "), Vec::<String>::new());
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
}
