//! Word lists the generator draws names, sources and attributes from. Every
//! string is plain ASCII without quotes, so lines need no escaping.

pub(crate) const SYLLABLES: [&str; 24] = [
    "Vol", "Tera", "Nex", "Quan", "Sil", "Astra", "Hel", "Cor", "Lum", "Opti", "Zen", "Kry", "Neo", "Vec", "Ar", "Cyr",
    "Mag", "Pho", "Syn", "Tor", "Ori", "Vel", "Xan", "Bri",
];
pub(crate) const ENDINGS: [&str; 12] = ["ara", "ion", "ex", "ix", "on", "us", "is", "ia", "or", "um", "ent", "ada"];
pub(crate) const COMPANY_SUFFIXES: [&str; 12] = [
    "Systems",
    "Semiconductor",
    "Technologies",
    "AI",
    "Labs",
    "Computing",
    "Cloud",
    "Robotics",
    "Holdings",
    "Microelectronics",
    "Networks",
    "Foundry",
];
pub(crate) const INVESTOR_SUFFIXES: [&str; 5] = ["Capital", "Ventures", "Partners", "Fund", "Investment Group"];
pub(crate) const FIRST_NAMES: [&str; 24] = [
    "Wei", "Li", "Jensen", "Lisa", "Ana", "Omar", "Priya", "Kenji", "Sofia", "Lars", "Amara", "Chen", "Ming", "David",
    "Elena", "Hiro", "Fatima", "Jonas", "Mei", "Ravi", "Sara", "Tomas", "Yuki", "Zhang",
];
pub(crate) const LAST_NAMES: [&str; 24] = [
    "Zhang", "Wang", "Huang", "Su", "Kim", "Tanaka", "Muller", "Rossi", "Garcia", "Smith", "Chen", "Liu", "Sato",
    "Park", "Novak", "Okafor", "Singh", "Cohen", "Silva", "Berg", "Ito", "Moreau", "Khan", "Lopez",
];
/// (code, name) of the countries agencies and companies belong to.
pub(crate) const COUNTRIES: [(&str, &str); 16] = [
    ("US", "United States"),
    ("CN", "China"),
    ("TW", "Taiwan"),
    ("JP", "Japan"),
    ("KR", "South Korea"),
    ("NL", "Netherlands"),
    ("DE", "Germany"),
    ("GB", "United Kingdom"),
    ("FR", "France"),
    ("IN", "India"),
    ("SG", "Singapore"),
    ("IL", "Israel"),
    ("CA", "Canada"),
    ("AE", "United Arab Emirates"),
    ("SA", "Saudi Arabia"),
    ("MY", "Malaysia"),
];
pub(crate) const AGENCY_KINDS: [&str; 12] = [
    "Government",
    "Ministry of Commerce",
    "Ministry of Industry",
    "Export Control Bureau",
    "Competition Authority",
    "Parliament",
    "Cyberspace Administration",
    "Customs Administration",
    "Science Ministry",
    "Trade Representative",
    "Security Council",
    "Investment Review Board",
];
pub(crate) const CHIP_CLASSES: [&str; 6] =
    ["AI accelerator", "data-center GPU", "NPU", "edge inference chip", "HBM stack", "FPGA"];
pub(crate) const CHIP_SERIES: [&str; 8] = ["X", "H", "M", "A", "Pro ", "Ultra ", "Z", "R"];
pub(crate) const PUBLISHERS: [(&str, &str); 16] = [
    ("Wire Service One", "wire-one"),
    ("Chip Daily", "chip-daily"),
    ("The Trade Ledger", "trade-ledger"),
    ("Asia Tech Review", "asia-tech-review"),
    ("Policy Monitor", "policy-monitor"),
    ("Silicon Briefing", "silicon-briefing"),
    ("Market Journal", "market-journal"),
    ("Beijing Business Post", "beijing-business-post"),
    ("Capital Times", "capital-times"),
    ("Euro Industry Report", "euro-industry-report"),
    ("Semiconductor Weekly", "semi-weekly"),
    ("Taipei Tech Herald", "taipei-tech-herald"),
    ("Global Regulation Watch", "regulation-watch"),
    ("Investor Letter", "investor-letter"),
    ("Seoul Economic", "seoul-economic"),
    ("Analyst Notes", "analyst-notes"),
];
pub(crate) const ROLES: [&str; 9] =
    ["CEO", "CTO", "CFO", "Chair", "Board member", "Minister", "Director", "Chief Scientist", "General Counsel"];
pub(crate) const QUOTES: [&str; 10] = [
    "We expect demand to keep growing",
    "The rules are clear and will be enforced",
    "We are reviewing the decision",
    "Supply remains tight through next year",
    "This is a matter of national security",
    "We welcome the approval",
    "Our customers need these chips",
    "The ban is unjustified",
    "We will comply with every regulation",
    "Talks are constructive",
];
pub(crate) const DIRECTIVES: [&str; 6] = [
    "pause new GPU orders",
    "report all chip imports",
    "prefer domestic accelerators",
    "halt shipments pending review",
    "submit an export licence application",
    "disclose data-center capacity",
];
pub(crate) const REASONS: [&str; 5] = [
    "the source corrected its report",
    "duplicate of an earlier report",
    "misattributed quote",
    "the date was wrong in the source",
    "could not be confirmed",
];
pub(crate) const STATUSES: [&str; 5] = ["active", "renamed", "acquired", "restructured", "listed"];
pub(crate) const MODELS: [&str; 6] = ["Atlas", "Orion", "Sage", "Lumen", "Nimbus", "Pioneer"];

/// Appends `n` in base 36, the suffix that keeps generated ids unique.
pub(crate) fn push_base36(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 13];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize];
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.extend(buf[i..].iter().map(|&b| b as char));
}

/// A lowercase slug of a name: letters and digits kept, runs of anything else one dash.
pub(crate) fn push_slug(out: &mut String, name: &str) {
    let mut dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_suffixes_make_valid_ids() {
        let mut id = String::new();
        push_slug(&mut id, "Pro Ultra  X-900 (AI)");
        id.push('-');
        push_base36(&mut id, 36 * 36 + 35);
        assert_eq!(id, "pro-ultra-x-900-ai-10z");
        for list in [&SYLLABLES[..], &COMPANY_SUFFIXES, &FIRST_NAMES, &LAST_NAMES, &QUOTES, &DIRECTIVES, &REASONS] {
            assert!(list.iter().all(|s| !s.contains(['"', '\\'])));
        }
    }
}
