//! A palette typed by the user, `#rrggbb[:share],…`, to search the colour aspect by
//! ([`crate::query::Query::Palette`]).

use crate::colour::Swatch;
use crate::error::{Error, Result};

/// Parses `#1e3a8a,#fbbf24` or `#1e3a8a:0.7,#fbbf24:0.3` (the `#` is optional). Swatches without
/// a share split what the given shares leave; the shares are then scaled to sum to 1.
pub fn parse(text: &str) -> Result<Vec<Swatch>> {
    let bad = |why: String| Error::Usage(format!("palette `{text}`: {why} (expected #rrggbb[:share],…, e.g. #1e3a8a:0.7,#fbbf24)"));
    let mut colours = Vec::new();
    for item in text.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(bad("an empty colour".into()));
        }
        let (hex, share) = match item.split_once(':') {
            Some((hex, share)) => {
                let value: f32 = share.trim().parse().map_err(|_| bad(format!("share `{share}` is not a number")))?;
                if !(value.is_finite() && value > 0.0) {
                    return Err(bad(format!("share `{share}` must be a positive number")));
                }
                (hex.trim(), Some(value))
            }
            None => (item, None),
        };
        colours.push((rgb(hex).ok_or_else(|| bad(format!("`{hex}` is not a colour #rrggbb")))?, share));
    }
    let given: f32 = colours.iter().filter_map(|c| c.1).sum();
    let unshared = colours.iter().filter(|c| c.1.is_none()).count();
    let rest = if unshared == 0 {
        0.0
    } else if given < 1.0 {
        (1.0 - given) / unshared as f32
    } else {
        return Err(bad(format!("the shares already sum to {given}, nothing is left for the colours without one")));
    };
    let total = given + rest * unshared as f32;
    Ok(colours.into_iter().map(|(rgb, share)| Swatch { rgb, weight: share.unwrap_or(rest) / total }).collect())
}

/// `#rrggbb` (or `rrggbb`) as sRGB.
pub fn rgb(hex: &str) -> Option<[u8; 3]> {
    let hex = hex.strip_prefix('#').unwrap_or(hex);
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// `#rrggbb` of an sRGB colour.
pub fn hex(rgb: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_default_to_what_is_left_and_sum_to_one() {
        let p = parse("#1e3a8a,#FBBF24").unwrap();
        assert_eq!(p[0].rgb, [0x1e, 0x3a, 0x8a]);
        assert_eq!(p[1].rgb, [0xfb, 0xbf, 0x24]);
        assert!((p[0].weight - 0.5).abs() < 1e-6);
        let p = parse("#1e3a8a:0.7, fbbf24").unwrap();
        assert!((p[0].weight - 0.7).abs() < 1e-6 && (p[1].weight - 0.3).abs() < 1e-6);
        let p = parse("#000000:2,#ffffff:6").unwrap();
        assert!((p[0].weight - 0.25).abs() < 1e-6);
        assert_eq!(hex([0x1e, 0x3a, 0x8a]), "#1e3a8a");
    }

    #[test]
    fn bad_palettes_say_what_is_wrong() {
        for (text, why) in [
            ("", "empty"),
            ("#12345", "not a colour"),
            ("#gggggg", "not a colour"),
            ("#123456:x", "not a number"),
            ("#123456:-1", "positive"),
            ("#123456:NaN", "positive"),
            ("#123456,,#ffffff", "empty"),
            ("#123456:1,#ffffff", "nothing is left"),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
