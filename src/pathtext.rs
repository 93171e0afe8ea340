//! Paths as text. File names are OS bytes: they need not be UTF-8 and may hold newlines or
//! terminal escape sequences. In JSON a path is always a string (lossy where it must be), with
//! its exact bytes beside it when they are not UTF-8; on a terminal control characters are
//! escaped, so a name can neither split a line nor drive the terminal.

use std::path::{Path, PathBuf};

use serde::Serializer;
use serde::ser::SerializeSeq;

/// Serialises a path as a string, replacing bytes that are not UTF-8 (`serialize_with`).
pub fn lossy<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

/// [`lossy`] for an optional path.
pub fn lossy_option<S: Serializer>(path: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    match path {
        Some(p) => lossy(p, s),
        None => s.serialize_none(),
    }
}

/// A list of lossy paths.
pub fn lossy_vec<S: Serializer>(paths: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(paths.len()))?;
    for path in paths {
        seq.serialize_element(&path.to_string_lossy())?;
    }
    seq.end()
}

/// `[path, text]` pairs with lossy paths (import errors).
pub fn lossy_pairs<S: Serializer>(pairs: &[(PathBuf, String)], s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(pairs.len()))?;
    for (path, text) in pairs {
        seq.serialize_element(&(path.to_string_lossy(), text))?;
    }
    seq.end()
}

/// The exact bytes of a path whose name is not UTF-8 (`None` when the string form is exact).
pub fn bytes_if_not_utf8(path: &Path) -> Option<Vec<u8>> {
    path.to_str().is_none().then(|| path.as_os_str().as_encoded_bytes().to_vec())
}

/// A path for a terminal line: see [`printable`].
pub fn printable_path(path: &Path) -> String {
    printable(path.as_os_str().as_encoded_bytes())
}

/// Text for a terminal line: control characters (newline, ESC, …) and bidirectional overrides are
/// escaped (`\n`, `\t`, `\x1b`, `\u{202e}`), bytes that are not UTF-8 shown as `\xff`, and a
/// backslash as `\\` so every escape is unambiguous. Everything else is kept.
pub fn printable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x80 && c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                c if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') => {
                    out.push_str(&format!("\\u{{{:x}}}", c as u32))
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_invalid_bytes_are_escaped() {
        assert_eq!(printable(b"plain/\xc3\xa9t\xc3\xa9 \xf0\x9f\x8e\xa8.png"), "plain/été 🎨.png");
        assert_eq!(printable(b"a\nb\tc\x1b[31mred\x7f"), "a\\nb\\tc\\x1b[31mred\\x7f");
        assert_eq!(printable(b"bad\xff\xfe.png"), "bad\\xff\\xfe.png");
        assert_eq!(printable("\u{202e}gnp.exe\u{85}".as_bytes()), "\\u{202e}gnp.exe\\u{85}");
        assert_eq!(printable(b"back\\slash"), "back\\\\slash");
    }

    #[cfg(unix)]
    #[test]
    fn only_paths_that_are_not_utf8_carry_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let odd = Path::new(std::ffi::OsStr::from_bytes(b"/a/\xff.png"));
        assert_eq!(bytes_if_not_utf8(odd), Some(b"/a/\xff.png".to_vec()));
        assert_eq!(bytes_if_not_utf8(Path::new("/a/é.png")), None);
        let json = serde_json::to_string(&Wrapper(odd.to_path_buf())).unwrap();
        assert_eq!(json, "\"/a/\u{fffd}.png\"");
    }

    #[derive(serde::Serialize)]
    struct Wrapper(#[serde(serialize_with = "lossy")] PathBuf);
}
