use shared_model::calendar::{CivilDay, Era, Wareki, tokyo_day};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::use_language;
use crate::i18n::kiosk::{Say, say, say_with};

/// Properties of [`DatePicker`].
#[derive(Properties, PartialEq)]
pub struct DatePickerProps {
    /// The DOM id prefix of the selects.
    pub dom_id: String,
    /// The visit's value (`YYYY-MM-DD`, or empty).
    pub value: String,
    /// Called with `YYYY-MM-DD` once era, year, month and day are all chosen and make a
    /// day that exists (and is not after today for a `past` date); with an empty string when
    /// a change makes the date incomplete or impossible, so the visit never keeps a date the
    /// screen no longer shows.
    pub on_change: Callback<String>,
    /// The date may not be after today (生年月日: the catalog item's `past`).
    #[prop_or_default]
    pub past: bool,
}

/// The calendar a year is counted in: 西暦 or one of the eras a living person's dates fall in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Count {
    Seireki,
    Era(Era),
}

impl Count {
    const ALL: [Count; 5] = [
        Count::Era(Era::Reiwa),
        Count::Era(Era::Heisei),
        Count::Era(Era::Showa),
        Count::Era(Era::Taisho),
        Count::Seireki,
    ];

    fn id(self) -> &'static str {
        match self {
            Count::Seireki => "AD",
            Count::Era(era) => era.kanji(),
        }
    }

    /// The years it offers, newest first: 西暦 from 1900, an era from 元年 to its last year
    /// (today's for 令和).
    fn years(self, today: CivilDay) -> Vec<u32> {
        let (first, last) = match self {
            Count::Seireki => (1900, today.year),
            Count::Era(era) => {
                let end = era.next().map(|n| n.first_day().year).unwrap_or(today.year);
                (era.first_day().year, end)
            }
        };
        let offset = match self {
            Count::Seireki => 0,
            Count::Era(era) => era.first_day().year - 1,
        };
        (first..=last).rev().map(|y| (y - offset) as u32).collect()
    }

    fn day(self, year: u32, month: u32, day: u32) -> Option<CivilDay> {
        match self {
            Count::Seireki => CivilDay::new(year as i32, month, day),
            Count::Era(era) => {
                let wareki = Wareki {
                    era,
                    year,
                    month,
                    day,
                };
                wareki.within_era().then(|| wareki.to_day()).flatten()
            }
        }
    }
}

/// A date chosen with four simple selects (年の数え方 — 令和/平成/昭和/大正/西暦 —, year, month,
/// day), never the browser's date widget: 和暦 or 西暦 as the citizen knows their birthday. The
/// visit gets `YYYY-MM-DD` once the date is whole and exists (昭和64年1月8日 does not: 平成元年
/// began that day); the date is said back in both calendars.
#[component(DatePicker)]
pub fn date_picker(props: &DatePickerProps) -> Html {
    let language = use_language();
    let today = tokyo_day(js_sys::Date::now() as i64);
    // What is chosen, part by part; starts from the visit's value.
    let chosen = use_state(|| parts_of(&props.value, language));
    // The value this picker last wrote (or started from): a different one arriving is
    // someone else's (the counter, a document read) and is shown at once.
    let written = use_mut_ref(|| props.value.clone());
    {
        let (chosen, written) = (chosen.clone(), written.clone());
        use_effect_with(props.value.clone(), move |value| {
            if *written.borrow() != *value {
                *written.borrow_mut() = value.clone();
                chosen.set(parts_of(value, language));
            }
        });
    }
    let (count, year, month, day) = *chosen;
    let past = props.past;
    let update = |part: usize| {
        let (chosen, on_change, written) =
            (chosen.clone(), props.on_change.clone(), written.clone());
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let value = select.value();
            let (mut c, mut y, mut m, mut d) = *chosen;
            match part {
                0 => {
                    c = Count::ALL.into_iter().find(|k| k.id() == value);
                    y = None;
                }
                1 => y = value.parse().ok(),
                2 => m = value.parse().ok(),
                _ => d = value.parse().ok(),
            }
            chosen.set((c, y, m, d));
            let value = match judge((c, y, m, d), past, today) {
                Judged::Day(day) => format!("{:04}-{:02}-{:02}", day.year, day.month, day.day),
                _ => String::new(),
            };
            if *written.borrow() != value {
                *written.borrow_mut() = value.clone();
                on_change.emit(value);
            }
        })
    };
    let option = |value: String, text: String, selected: bool| {
        html! { <option value={value} {selected}>{ text }</option> }
    };
    // <option> holds no <ruby>: やさしい日本語 gives the reading in brackets.
    let readable = |text: &str| match language {
        shared_model::language::Language::EasyJa => shared_model::language::with_readings(text),
        _ => shared_model::language::unruby(text),
    };
    let counts = Count::ALL.into_iter().map(|c| {
        let text = match c {
            Count::Seireki => readable(Say::Seireki.words().get(language)),
            Count::Era(era) if language == shared_model::language::Language::EasyJa => {
                format!("{}({})", era.kanji(), era_reading(era))
            }
            Count::Era(era) if language.is_japanese() => era.kanji().to_owned(),
            Count::Era(era) => format!("{} ({})", era.kanji(), era_romaji(era)),
        };
        option(c.id().to_owned(), text, count == Some(c))
    });
    let years = count.map(|c| c.years(today)).unwrap_or_default();
    let years = years.into_iter().map(|y| {
        let text = match count {
            Some(Count::Era(_))
                if y == 1 && language == shared_model::language::Language::EasyJa =>
            {
                "1 (元年(がんねん))".to_owned()
            }
            Some(Count::Era(_)) if y == 1 => "元年 (1)".to_owned(),
            _ => y.to_string(),
        };
        option(y.to_string(), text, year == Some(y))
    });
    let months = (1..=12).map(|m| option(m.to_string(), m.to_string(), month == Some(m)));
    let days = (1..=31).map(|d| option(d.to_string(), d.to_string(), day == Some(d)));
    let placeholder = |selected: bool| {
        html! { <option value="" selected={selected} disabled=true>{ "—" }</option> }
    };
    let judged = judge((count, year, month, day), past, today);
    let (echo, wrong) = match judged {
        Judged::Day(d) => {
            let japanese = shared_model::calendar::RecordedDate::known(d).to_japanese();
            let shown = format!("{japanese} ({:04}-{:02}-{:02})", d.year, d.month, d.day);
            (
                Some(say_with(language, Say::DateShown, &[("d", &shown)])),
                false,
            )
        }
        Judged::NoSuchDay => (Some(say(language, Say::NoSuchDay)), true),
        Judged::Future => (Some(say(language, Say::FutureDate)), true),
        Judged::Incomplete => (None, false),
    };
    let id = &props.dom_id;
    html! {
        <div class="date-picker">
            <label>
                <span>{ say(language, Say::Era) }</span>
                <select id={format!("{id}-era")} onchange={update(0)}>{ for counts }</select>
            </label>
            <label>
                <span>{ say(language, Say::Year) }</span>
                <select id={format!("{id}-year")} onchange={update(1)}>
                    { placeholder(year.is_none()) }{ for years }
                </select>
            </label>
            <label>
                <span>{ say(language, Say::Month) }</span>
                <select id={format!("{id}-month")} onchange={update(2)}>
                    { placeholder(month.is_none()) }{ for months }
                </select>
            </label>
            <label>
                <span>{ say(language, Say::Day) }</span>
                <select id={format!("{id}-day")} onchange={update(3)}>
                    { placeholder(day.is_none()) }{ for days }
                </select>
            </label>
            <p class={classes!("echo", wrong.then_some("finding"))} id={format!("{id}-echo")}
               aria-live="polite">{ for echo }</p>
        </div>
    }
}

/// An era's name in Latin letters (for the other languages' pickers).
fn era_romaji(era: Era) -> &'static str {
    match era {
        Era::Meiji => "Meiji",
        Era::Taisho => "Taisho",
        Era::Showa => "Showa",
        Era::Heisei => "Heisei",
        Era::Reiwa => "Reiwa",
    }
}

/// What the parts chosen make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Judged {
    /// A day that exists (and, for a past date, is not after today).
    Day(CivilDay),
    /// A part is not chosen yet.
    Incomplete,
    /// No such day (2月30日, 昭和64年1月8日: 平成 began that day).
    NoSuchDay,
    /// After today, for a date that may not be.
    Future,
}

type Parts = (Option<Count>, Option<u32>, Option<u32>, Option<u32>);

fn judge(parts: Parts, past: bool, today: CivilDay) -> Judged {
    let (Some(c), Some(y), Some(m), Some(d)) = parts else {
        return Judged::Incomplete;
    };
    match c.day(y, m, d) {
        None => Judged::NoSuchDay,
        Some(day) if past && day.days_since_epoch() > today.days_since_epoch() => Judged::Future,
        Some(day) => Judged::Day(day),
    }
}

/// The parts of a stored `YYYY-MM-DD` (in 和暦 for Japanese readers, 西暦 for the others);
/// only the calendar for an empty value.
fn parts_of(value: &str, language: shared_model::language::Language) -> Parts {
    let Ok(day) = shared_model::calendar::parse_date(value) else {
        let count = if language.is_japanese() {
            Count::Era(Era::Showa)
        } else {
            Count::Seireki
        };
        return (Some(count), None, None, None);
    };
    match Wareki::from_day(day) {
        Ok(w) if language.is_japanese() => (
            Some(Count::Era(w.era)),
            Some(w.year),
            Some(day.month),
            Some(day.day),
        ),
        _ => (
            Some(Count::Seireki),
            Some(day.year as u32),
            Some(day.month),
            Some(day.day),
        ),
    }
}

/// An era's name in hiragana (for やさしい日本語).
fn era_reading(era: Era) -> &'static str {
    match era {
        Era::Meiji => "めいじ",
        Era::Taisho => "たいしょう",
        Era::Showa => "しょうわ",
        Era::Heisei => "へいせい",
        Era::Reiwa => "れいわ",
    }
}
