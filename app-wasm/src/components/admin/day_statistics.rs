use gloo_timers::callback::Interval;
use shared_model::stats::DayStats;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::i18n::{Text, ja};

/// One bar of a chart.
#[derive(Debug, Clone, PartialEq)]
struct Bar {
    label: String,
    value: f64,
    shown: String,
}

#[derive(Properties, PartialEq)]
struct ChartProps {
    id: AttrValue,
    title: AttrValue,
    bars: Vec<Bar>,
}

/// A horizontal bar chart as inline SVG, readable by screen readers (its title, and each bar's
/// label and value as text).
#[component(BarChart)]
fn bar_chart(props: &ChartProps) -> Html {
    const ROW: f64 = 28.0;
    const LABEL: f64 = 150.0;
    const WIDTH: f64 = 560.0;
    let max = props
        .bars
        .iter()
        .map(|b| b.value)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let height = ROW * props.bars.len().max(1) as f64 + 8.0;
    let title_id = format!("{}-title", props.id);
    html! {
        <figure class="chart">
            <figcaption id={title_id.clone()}>{ &props.title }</figcaption>
            <svg id={props.id.clone()} role="img" aria-labelledby={title_id}
                 viewBox={format!("0 0 {WIDTH} {height}")} width={WIDTH.to_string()} height={height.to_string()}>
                { for props.bars.iter().enumerate().map(|(i, bar)| {
                    let y = 4.0 + i as f64 * ROW;
                    let w = ((WIDTH - LABEL - 70.0) * bar.value / max).max(1.0);
                    html! {
                        <g class="bar" data-label={bar.label.clone()} data-value={bar.value.to_string()}>
                            <text x={(LABEL - 8.0).to_string()} y={(y + 18.0).to_string()} text-anchor="end">{ &bar.label }</text>
                            <rect x={LABEL.to_string()} y={(y + 4.0).to_string()} width={w.to_string()} height={(ROW - 8.0).to_string()} />
                            <text x={(LABEL + w + 6.0).to_string()} y={(y + 18.0).to_string()}>{ &bar.shown }</text>
                        </g>
                    }
                }) }
            </svg>
        </figure>
    }
}

/// The day's operation statistics for administrators: visits per 課, waiting and handling
/// time per 課, visits per procedure (SVG), and the CSV download. Polls every 5 s.
#[component(DayStatistics)]
pub fn day_statistics() -> Html {
    let stats = use_state(|| None::<Result<DayStats, api::ApiError>>);
    {
        let stats = stats.clone();
        use_effect_with((), move |_| {
            let poll = move || {
                let stats = stats.clone();
                spawn_local(async move { stats.set(Some(api::day_stats().await)) });
            };
            poll();
            let interval = Interval::new(5_000, poll);
            move || drop(interval)
        });
    }
    let body = match &*stats {
        Some(Ok(day)) => {
            let minutes = |v: Option<f64>| {
                v.map(|m| format!("{m:.1} 分"))
                    .unwrap_or_else(|| "—".into())
            };
            let visits: Vec<Bar> = day
                .departments
                .iter()
                .map(|(name, d)| Bar {
                    label: name.clone(),
                    value: d.visits as f64,
                    shown: format!("{} 人", d.visits),
                })
                .collect();
            let waiting: Vec<Bar> = day
                .departments
                .iter()
                .map(|(name, d)| Bar {
                    label: name.clone(),
                    value: d.waiting_median_min.unwrap_or(0.0),
                    shown: minutes(d.waiting_median_min),
                })
                .collect();
            let handling: Vec<Bar> = day
                .departments
                .iter()
                .map(|(name, d)| Bar {
                    label: name.clone(),
                    value: d.handling_median_min.unwrap_or(0.0),
                    shown: minutes(d.handling_median_min),
                })
                .collect();
            let procedures_per_ka: Vec<Bar> = day
                .departments
                .iter()
                .map(|(name, d)| Bar {
                    label: name.clone(),
                    value: d.procedures as f64,
                    shown: format!("{} 件", d.procedures),
                })
                .collect();
            let procedures: Vec<Bar> = day
                .procedures
                .iter()
                .map(|(rule, n)| Bar {
                    label: crate::city::catalog()
                        .navi
                        .title(rule)
                        .map(|t| t.ja.clone())
                        .unwrap_or_else(|| rule.clone()),
                    value: *n as f64,
                    shown: format!("{n} 件"),
                })
                .collect();
            html! {
                <>
                    <p id="stats-summary">
                        { ja(Text::StatsSummary)
                            .replace("{day}", &day.day)
                            .replace("{n}", &day.visits.to_string())
                            .replace("{w}", &day.waiting_now.to_string()) }
                        { " " }
                        <a href={format!("/api/stats.csv?day={}", day.day)} download="" id="stats-csv">{ ja(Text::StatsCsv) }</a>
                    </p>
                    <div class="charts">
                        <BarChart id="chart-visits" title={ja(Text::StatsVisitsPerKa)} bars={visits} />
                        <BarChart id="chart-waiting" title={ja(Text::StatsWaiting)} bars={waiting} />
                        <BarChart id="chart-handling" title={ja(Text::StatsHandling)} bars={handling} />
                        <BarChart id="chart-procedures-per-ka" title={ja(Text::StatsProceduresPerKa)} bars={procedures_per_ka} />
                        <BarChart id="chart-procedures" title={ja(Text::StatsProcedures)} bars={procedures} />
                    </div>
                </>
            }
        }
        Some(Err(_)) => html! { <p role="alert">{ ja(Text::AdminUnreachable) }</p> },
        None => html! { <p>{ ja(Text::Loading) }</p> },
    };
    html! {
        <>
            <h2>{ ja(Text::StatsTitle) }</h2>
            { body }
        </>
    }
}
