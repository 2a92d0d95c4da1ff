//! Go's `time.Time` methods for templates: `{{.Created.Year}}`, `{{.Created.Format
//! "2006-01-02"}}`, as the docker CLI runs them on the `time.Time` it decodes `Created` into.
//!
//! A time arrives as the daemon's RFC 3339 text (`2026-12-03T17:53:48.61079303Z`). Methods:
//! `Year Month Day Hour Minute Second Nanosecond YearDay Weekday Unix UnixMilli UnixMicro
//! UnixNano IsZero String UTC Local Format LAYOUT`. `Local` is `UTC` (the CLI would use the
//! machine's zone). `Format` takes Go's reference layout (`Mon Jan 2 15:04:05 MST 2006`) with
//! its elements: `2006 06 01 1 Jan January 02 2 _2 002 __2 15 03 3 04 4 05 5 PM pm Mon Monday MST
//! Z07:00 Z0700 Z07 -07:00 -0700 -07 .000 .999 ,000 ,999` (any run of 0s or 9s).

/// A wall-clock time with its zone offset, from RFC 3339 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoTime {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    nanos: u32,
    /// Seconds east of UTC.
    offset: i32,
}

const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// What a method gives: an integer, a text (also a `time.Month` or `time.Weekday`, which print
/// as their names), a bool, or another time.
#[derive(Debug, PartialEq)]
pub enum Out {
    /// An `int`/`int64`.
    Int(i64),
    /// A string (or a named value that prints as one).
    Text(String),
    /// A bool.
    Bool(bool),
    /// A `time.Time`.
    Time(GoTime),
}

impl GoTime {
    /// Reads RFC 3339 (`Z` or `±hh:mm`, any fraction); `None` when it is not.
    pub fn parse(s: &str) -> Option<GoTime> {
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let t = s.get(r)?;
            t.bytes().all(|c| c.is_ascii_digit()).then(|| t.parse().ok())?
        };
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':'
        {
            return None;
        }
        let mut t = GoTime {
            year: i64::from(num(0..4)?),
            month: num(5..7)?,
            day: num(8..10)?,
            hour: num(11..13)?,
            min: num(14..16)?,
            sec: num(17..19)?,
            nanos: 0,
            offset: 0,
        };
        let mut i = 19;
        if b.get(i) == Some(&b'.') {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            let frac = &s[i + 1..i + 1 + digits];
            let padded = format!("{:0<9}", &frac[..digits.min(9)]);
            t.nanos = padded.parse().ok()?;
            i += 1 + digits;
        }
        match &s[i..] {
            "Z" | "z" => {}
            z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) && &z[3..4] == ":" => {
                let h: i32 = z[1..3].parse().ok()?;
                let m: i32 = z[4..6].parse().ok()?;
                t.offset = (h * 3600 + m * 60) * if z.starts_with('-') { -1 } else { 1 };
            }
            _ => return None,
        }
        (1..=12).contains(&t.month).then_some(t)
    }

    fn days(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    fn unix(&self) -> i64 {
        self.days() * 86_400 + i64::from(self.hour * 3600 + self.min * 60 + self.sec) - i64::from(self.offset)
    }

    /// The same instant in UTC.
    pub fn utc(&self) -> GoTime {
        let secs = self.unix();
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400) as u32;
        GoTime { year, month, day, hour: rem / 3600, min: rem / 60 % 60, sec: rem % 60, nanos: self.nanos, offset: 0 }
    }

    fn zone_name(&self) -> String {
        if self.offset == 0 {
            "UTC".into()
        } else {
            self.offset_text(false, false)
        }
    }

    /// `-0700`, `-07:00` (`colon`) or `-07` (`short`, when there are no minutes).
    fn offset_text(&self, colon: bool, short: bool) -> String {
        let sign = if self.offset < 0 { '-' } else { '+' };
        let o = self.offset.unsigned_abs();
        let (h, m) = (o / 3600, o / 60 % 60);
        if short {
            format!("{sign}{h:02}")
        } else if colon {
            format!("{sign}{h:02}:{m:02}")
        } else {
            format!("{sign}{h:02}{m:02}")
        }
    }

    /// Go's `Time.String`: `2006-01-02 15:04:05.999999999 -0700 MST`.
    pub fn string(&self) -> String {
        self.format("2006-01-02 15:04:05.999999999 -0700 MST")
    }

    /// Go's `Time.Format` with a reference layout.
    pub fn format(&self, layout: &str) -> String {
        let weekday = (self.days() + 4).rem_euclid(7) as usize;
        let yday = self.days() - days_from_civil(self.year, 1, 1) + 1;
        let hour12 = match self.hour % 12 {
            0 => 12,
            h => h,
        };
        let mut out = String::new();
        let mut rest = layout;
        while !rest.is_empty() {
            // Longest elements first, as Go's nextStdChunk tells them apart.
            let elems: [(&str, String); 29] = [
                ("January", MONTHS[self.month as usize - 1].to_string()),
                ("Monday", DAYS[weekday].to_string()),
                ("Z07:00", if self.offset == 0 { "Z".into() } else { self.offset_text(true, false) }),
                ("-07:00", self.offset_text(true, false)),
                ("Z0700", if self.offset == 0 { "Z".into() } else { self.offset_text(false, false) }),
                ("-0700", self.offset_text(false, false)),
                ("2006", format!("{:04}", self.year)),
                ("Jan", MONTHS[self.month as usize - 1][..3].to_string()),
                ("Mon", DAYS[weekday][..3].to_string()),
                ("MST", self.zone_name()),
                ("Z07", if self.offset == 0 { "Z".into() } else { self.offset_text(false, true) }),
                ("-07", self.offset_text(false, true)),
                ("002", format!("{yday:03}")),
                ("__2", format!("{yday:>3}")),
                ("_2", format!("{:>2}", self.day)),
                ("01", format!("{:02}", self.month)),
                ("02", format!("{:02}", self.day)),
                ("03", format!("{hour12:02}")),
                ("04", format!("{:02}", self.min)),
                ("05", format!("{:02}", self.sec)),
                ("06", format!("{:02}", self.year.rem_euclid(100))),
                ("15", format!("{:02}", self.hour)),
                ("PM", if self.hour >= 12 { "PM" } else { "AM" }.into()),
                ("pm", if self.hour >= 12 { "pm" } else { "am" }.into()),
                ("1", self.month.to_string()),
                ("2", self.day.to_string()),
                ("3", hour12.to_string()),
                ("4", self.min.to_string()),
                ("5", self.sec.to_string()),
            ];
            // A fraction: `.` or `,` then a run of 0s (fixed width) or 9s (trailing zeros cut),
            // only when no digit follows the run.
            if let Some(sep @ ('.' | ',')) = rest.chars().next() {
                let run = rest[1..].chars().next().filter(|c| *c == '0' || *c == '9');
                if let Some(d) = run {
                    let n = rest[1..].chars().take_while(|c| *c == d).count();
                    if !rest[1 + n..].starts_with(|c: char| c.is_ascii_digit()) {
                        let digits = format!("{:09}", self.nanos);
                        let digits = &digits[..n.min(9)];
                        if d == '0' {
                            out.push(sep);
                            out.push_str(digits);
                        } else {
                            let cut = digits.trim_end_matches('0');
                            if !cut.is_empty() {
                                out.push(sep);
                                out.push_str(cut);
                            }
                        }
                        rest = &rest[1 + n..];
                        continue;
                    }
                }
            }
            match elems.iter().find(|(k, _)| rest.starts_with(k)) {
                // Go reads `Jan`/`Mon` only when no lower-case letter follows (`Janet` is text).
                Some((k, _)) if (*k == "Jan" || *k == "Mon") && rest[3..].starts_with(|c: char| c.is_ascii_lowercase()) => {
                    out.push_str(&rest[..1]);
                    rest = &rest[1..];
                }
                Some((k, v)) => {
                    out.push_str(v);
                    rest = &rest[k.len()..];
                }
                None => {
                    let c = rest.chars().next().unwrap_or(' ');
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        out
    }

    /// Method `name` with `args` (strings; only `Format` takes one). `None` when a time has no
    /// such method.
    pub fn call(&self, name: &str, args: &[String]) -> Option<Result<Out, String>> {
        let want = usize::from(name == "Format");
        if args.len() != want && self.method(name, "").is_some() {
            return Some(Err(format!("wrong number of args for {name}: want {want} got {}", args.len())));
        }
        self.method(name, args.first().map(String::as_str).unwrap_or_default()).map(Ok)
    }

    fn method(&self, name: &str, layout: &str) -> Option<Out> {
        let u = self.unix();
        Some(match name {
            "Year" => Out::Int(self.year),
            "Month" => Out::Text(MONTHS[self.month as usize - 1].into()),
            "Day" => Out::Int(self.day.into()),
            "Hour" => Out::Int(self.hour.into()),
            "Minute" => Out::Int(self.min.into()),
            "Second" => Out::Int(self.sec.into()),
            "Nanosecond" => Out::Int(self.nanos.into()),
            "YearDay" => Out::Int(self.days() - days_from_civil(self.year, 1, 1) + 1),
            "Weekday" => Out::Text(DAYS[(self.days() + 4).rem_euclid(7) as usize].into()),
            "Unix" => Out::Int(u),
            "UnixMilli" => Out::Int(u * 1000 + i64::from(self.nanos / 1_000_000)),
            "UnixMicro" => Out::Int(u * 1_000_000 + i64::from(self.nanos / 1000)),
            "UnixNano" => Out::Int(u.saturating_mul(1_000_000_000).saturating_add(i64::from(self.nanos))),
            "IsZero" => Out::Bool(self.utc() == GoTime::parse("0001-01-01T00:00:00Z")?),
            "String" => Out::Text(self.string()),
            "UTC" | "Local" => Out::Time(self.utc()),
            "Format" => Out::Text(self.format(layout)),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Methods and layouts give what the docker CLI printed for the same `Created`.
    #[test]
    fn like_go() {
        let t = GoTime::parse("2026-12-03T17:53:48.61079303Z").unwrap();
        assert_eq!(t.call("Year", &[]), Some(Ok(Out::Int(2026))));
        assert_eq!(t.call("Month", &[]), Some(Ok(Out::Text("December".into()))));
        assert_eq!(t.call("Weekday", &[]), Some(Ok(Out::Text("Thursday".into()))));
        assert_eq!(t.call("YearDay", &[]), Some(Ok(Out::Int(337))));
        assert_eq!(t.call("Unix", &[]), Some(Ok(Out::Int(1_796_320_428))));
        assert_eq!(t.format("2006-01-02"), "2026-12-03");
        assert_eq!(t.format("Jan 2, 2006 at 3:04pm (MST) .000 Z07:00"), "Dec 3, 2026 at 5:53pm (UTC) .610 Z");
        assert_eq!(t.string(), "2026-12-03 17:53:48.61079303 +0000 UTC");
        assert_eq!(t.format("Monday _2 002 15:04:05.999 PM -07:00"), "Thursday  3 337 17:53:48.61 PM +00:00");
        let z = GoTime::parse("2026-01-01T01:00:00+02:00").unwrap();
        assert_eq!(z.utc().string(), "2025-12-31 23:00:00 +0000 UTC");
        assert_eq!(z.format(time_rfc3339()), "2026-01-01T01:00:00+02:00");
        assert!(t.call("Nope", &[]).is_none());
        assert!(t.call("Format", &[]).unwrap().is_err());
        assert!(GoTime::parse("yesterday").is_none());
    }

    fn time_rfc3339() -> &'static str {
        "2006-01-02T15:04:05Z07:00"
    }
}
