//! Calendar dates for exemption expiry: parsing `YYYY-MM-DD` and today's
//! date (UTC), without a date library.

use std::fmt;

/// A proleptic Gregorian date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl Date {
    /// `YYYY-MM-DD` (ISO 8601's calendar date), a real day of the year.
    pub fn parse(s: &str) -> Result<Date, String> {
        let err = || format!("invalid date {s:?}: expected YYYY-MM-DD");
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err());
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, String> {
            let part = &s[r];
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().map_err(|_| err())
            } else {
                Err(err())
            }
        };
        let (year, month, day) = (num(0..4)? as i32, num(5..7)?, num(8..10)?);
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(format!("invalid date {s:?}: no such day"));
        }
        Ok(Date { year, month, day })
    }

    /// The civil date `days` days after 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`).
    pub fn from_unix_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today in UTC, or the date in `PODSEC_TODAY` (`YYYY-MM-DD`): a fixed
    /// clock for tests and for "what will have expired by then".
    pub fn today() -> Result<Date, String> {
        if let Ok(s) = std::env::var("PODSEC_TODAY")
            && !s.is_empty()
        {
            return Date::parse(&s).map_err(|e| format!("PODSEC_TODAY: {e}"));
        }
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Ok(Date::from_unix_days((secs / 86_400) as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(11_016).to_string(), "2000-02-29");
        assert_eq!(Date::from_unix_days(20_788).to_string(), "2026-12-01");
        assert_eq!(Date::from_unix_days(-1).to_string(), "1969-12-31");
        assert_eq!(Date::parse("2024-02-29").unwrap().day, 29);
        assert!(Date::parse("2025-02-29").is_err());
        assert!(Date::parse("2025-13-01").is_err());
        assert!(Date::parse("2025-1-01").is_err());
        assert!(Date::parse("2025-01-01T00:00").is_err());
        assert!(Date::parse("2025-01-01").unwrap() < Date::parse("2025-01-02").unwrap());
    }
}
