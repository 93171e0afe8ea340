//! Counts, sizes and dates as an artist reads them, for the command line and the app alike.

/// "2,062".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "2.4 MB", "830 KB", "512 bytes".
pub fn file_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.1} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{} KB", b / 1_000),
        b => format!("{b} bytes"),
    }
}

/// "3 May 2024" for seconds since 1970 (UTC), by the days-to-civil algorithm (H. Hinnant).
pub fn date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!("{day} {} {year}", MONTHS[(month - 1) as usize])
}

/// A calibrated score ([`crate::calibration`]) as "93% alike": more alike than 93 % of the
/// library's pairs. Above 99 % a decimal tells the best matches apart; the share is rounded down,
/// so only a score no pair beats reads 100 %.
pub fn alike(share: f32) -> String {
    let share = if share.is_nan() { 0.0 } else { f64::from(share.clamp(0.0, 1.0)) };
    if (0.99..1.0).contains(&share) {
        format!("{:.1}% alike", (share * 1000.0).floor() / 10.0)
    } else {
        format!("{:.0}% alike", (share * 100.0).floor())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibrated_scores_read_as_percentages() {
        assert_eq!(alike(0.934), "93% alike");
        assert_eq!(alike(0.99961), "99.9% alike");
        assert_eq!(alike(1.0), "100% alike");
        assert_eq!(alike(0.0), "0% alike");
        assert_eq!(alike(f32::NAN), "0% alike");
    }

    #[test]
    fn sizes_and_dates_read_as_an_artist_would() {
        assert_eq!(file_size(512), "512 bytes");
        assert_eq!(file_size(830_400), "830 KB");
        assert_eq!(file_size(2_400_000), "2.4 MB");
        assert_eq!(date(0), "1 Jan 1970");
        assert_eq!(date(1_714_694_400), "3 May 2024");
        assert_eq!(date(951_782_400), "29 Feb 2000");
        assert_eq!(date(-86_400), "31 Dec 1969");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2062), "2,062");
        assert_eq!(thousands(100_000), "100,000");
    }
}
