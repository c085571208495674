//! The pipeline schedule as Image Builder checks it.
//! - "Use cron expressions in Image Builder": six required fields (minutes, hours, day of month,
//!   month, day of week, year); the values and wildcards of each field's row in its table; `?`
//!   in exactly one of the two day fields ("you can't specify both"); `#` only in the day of
//!   week, followed by 1 to 5. Fields are separated by whitespace (the page asks for single
//!   spaces; being lenient there costs nothing).
//! - `Schedule.scheduleExpression` (Image Builder API reference) also takes "a rate expression
//!   such as `rate(1 day)`", so a well-formed `rate(N unit)` passes.
//! - `Schedule.timezone` (Image Builder API reference): an IANA time zone such as `Etc/UTC` or
//!   `America/Los_Angeles`, 3-100 characters of the API's pattern
//!   `[a-zA-Z0-9]{2,}(?:\/[a-zA-Z0-9-_+]+)*`; UTC when omitted.

/// The page every cron message cites.
pub(crate) const CRON_PAGE: &str = "Use cron expressions in Image Builder";

/// One row of the page's table of fields.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// The row's wildcards, as the page lists them.
    wildcards: &'static str,
}

impl Field {
    /// Whether the field takes the wildcard `c`.
    fn takes(&self, c: char) -> bool {
        self.wildcards.contains(c)
    }
}

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: &[&str] = &["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const fn field(
    name: &'static str,
    (min, max): (u32, u32),
    names: &'static [&'static str],
    wildcards: &'static str,
) -> Field {
    Field {
        name,
        min,
        max,
        names,
        wildcards,
    }
}

const FIELDS: [Field; 6] = [
    field("minutes", (0, 59), &[], ", - * /"),
    field("hours", (0, 23), &[], ", - * /"),
    field("day of month", (1, 31), &[], ", - * ? / L W"),
    field("month", (1, 12), MONTHS, ", - * /"),
    field("day of week", (1, 7), DAYS, ", - * ? L #"),
    field("year", (1970, 2199), &[], ", - * /"),
];

/// Checks a schedule expression; the error says what Image Builder expects.
pub(crate) fn check_expression(expression: &str) -> Result<(), String> {
    if let Some(inner) = expression
        .strip_prefix("rate(")
        .and_then(|s| s.strip_suffix(')'))
    {
        return check_rate(inner);
    }
    let Some(inner) = expression
        .strip_prefix("cron(")
        .and_then(|s| s.strip_suffix(')'))
    else {
        return Err(
            "expected `cron(MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR)`, e.g. `cron(0 4 ? * SUN *)`"
                .to_owned(),
        );
    };
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != FIELDS.len() {
        return Err(format!(
            "expected six fields (minutes, hours, day of month, month, day of week, year), found {}; Image Builder's cron has a year field, e.g. `cron(0 4 ? * SUN *)`",
            fields.len()
        ));
    }
    for (text, field) in fields.iter().zip(&FIELDS) {
        check_field(text, field).map_err(|why| format!("{}: {why}", field.name))?;
    }
    let (day, weekday) = (fields[2], fields[4]);
    if (day == "?") == (weekday == "?") {
        return Err(format!(
            "expected `?` in exactly one of day of month and day of week, found `{day}` and `{weekday}`; e.g. `? * SUN` for Sundays or `1 * ?` for the first of the month"
        ));
    }
    Ok(())
}

fn check_rate(inner: &str) -> Result<(), String> {
    let expected =
        "expected `rate(VALUE UNIT)` with a positive VALUE and UNIT minute(s), hour(s) or day(s)";
    let mut parts = inner.split_whitespace();
    let (Some(value), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(expected.to_owned());
    };
    let value: u32 = value.parse().map_err(|_| expected.to_owned())?;
    let ok = value > 0
        && matches!(
            (value == 1, unit),
            (true, "minute" | "hour" | "day") | (false, "minutes" | "hours" | "days")
        );
    if ok { Ok(()) } else { Err(expected.to_owned()) }
}

fn check_field(text: &str, field: &Field) -> Result<(), String> {
    let range = if field.names.is_empty() {
        format!("{}-{}", field.min, field.max)
    } else {
        format!(
            "{}-{} or {}-{}",
            field.min,
            field.max,
            field.names[0],
            field.names[field.names.len() - 1]
        )
    };
    if text == "?" {
        return if field.takes('?') {
            Ok(())
        } else {
            Err(format!(
                "expected {range}, found `?`, which only the day fields take"
            ))
        };
    }
    for item in text.split(',') {
        check_item(item, field, &range)?;
    }
    Ok(())
}

fn check_item(item: &str, field: &Field, range: &str) -> Result<(), String> {
    let found = || format!("expected {range}, found `{item}`");
    if let Some((base, step)) = item.split_once('/') {
        if !field.takes('/') {
            return Err(format!("{}; `/` is not allowed here", found()));
        }
        if !step.parse::<u32>().is_ok_and(|n| n > 0) {
            return Err(found());
        }
        return if base == "*" {
            Ok(())
        } else {
            check_range(base, field).ok_or_else(found)
        };
    }
    if item == "*" {
        return Ok(());
    }
    let upper = item.to_ascii_uppercase();
    if field.takes('L') && upper == "L" {
        return Ok(());
    }
    if field.takes('W') {
        if upper == "LW" {
            return Ok(());
        }
        if let Some(day) = upper.strip_suffix('W') {
            return value(day, field).map(drop).ok_or_else(found);
        }
    }
    if field.takes('#')
        && let Some((day, nth)) = item.split_once('#')
    {
        let nth_ok = nth.parse::<u32>().is_ok_and(|n| (1..=5).contains(&n));
        return (value(day, field).is_some() && nth_ok)
            .then_some(())
            .ok_or_else(|| format!("{}; `#` takes a day and a week from 1 to 5", found()));
    }
    if field.takes('L')
        && field.takes('#')
        && let Some(day) = upper.strip_suffix('L')
    {
        return value(day, field).map(drop).ok_or_else(found);
    }
    check_range(item, field).ok_or_else(found)
}

/// A value or a `low-high` range of the field.
fn check_range(text: &str, field: &Field) -> Option<()> {
    match text.split_once('-') {
        Some((low, high)) => {
            value(low, field)?;
            value(high, field)?;
            Some(())
        }
        None => value(text, field).map(drop),
    }
}

fn value(text: &str, field: &Field) -> Option<u32> {
    if let Ok(number) = text.parse::<u32>() {
        return (field.min..=field.max).contains(&number).then_some(number);
    }
    let lower = text.to_ascii_lowercase();
    field
        .names
        .iter()
        .position(|name| *name == lower)
        .and_then(|i| u32::try_from(i).ok())
        .map(|i| i + field.min)
}

/// Checks a schedule time zone against `Schedule.timezone`'s constraints.
pub(crate) fn check_timezone(zone: &str) -> Result<(), String> {
    let expected = "expected an IANA time zone such as `Etc/UTC` or `America/Los_Angeles`";
    let mut parts = zone.split('/');
    let first = parts.next().unwrap_or_default();
    let first_ok = first.len() >= 2 && first.chars().all(|c| c.is_ascii_alphanumeric());
    let rest_ok = parts.all(|part| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_+".contains(c))
    });
    if (3..=100).contains(&zone.len()) && first_ok && rest_ok {
        Ok(())
    } else {
        Err(format!("{expected}, found {zone:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guide_examples_pass() {
        for ok in [
            "cron(0 0 * * ? *)",
            "cron(0 3 ? * MON *)",
            "cron(0 10 ? * fri#2 *)",
            "cron(15 10 ? * 6L 2026-2030)",
            "cron(0/15 * 3W * ? *)",
            "cron(0 8 L jan,jul ? *)",
            "cron(0 0 */2 * ? *)",
            "rate(1 day)",
            "rate(12 hours)",
        ] {
            assert_eq!(check_expression(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn the_issue_cases_fail_with_what_was_expected() {
        let five = check_expression("cron(0 4 * * 0)").unwrap_err();
        assert!(five.starts_with("expected six fields"), "{five}");
        let both = check_expression("cron(0 4 * * SUN *)").unwrap_err();
        assert!(
            both.contains("exactly one of day of month and day of week"),
            "{both}"
        );
        let hour = check_expression("cron(0 25 ? * SUN *)").unwrap_err();
        assert_eq!(hour, "hours: expected 0-23, found `25`");
        assert!(check_expression("cron(0 4 ? * 2#6 *)").is_err());
        assert!(check_expression("cron(0 4 ? * */2 *)").is_err());
        assert!(check_expression("rate(0 days)").is_err());
        assert!(check_expression("rate(1 days)").is_err());
    }

    #[test]
    fn time_zones_follow_the_api_pattern() {
        for ok in [
            "Etc/UTC",
            "America/Los_Angeles",
            "UTC",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+9",
        ] {
            assert_eq!(check_timezone(ok), Ok(()), "{ok}");
        }
        for bad in ["", "A", "Asia Tokyo", "Asia//Tokyo", "/UTC"] {
            assert!(check_timezone(bad).is_err(), "{bad}");
        }
    }
}
