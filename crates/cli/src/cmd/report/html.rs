//! The report as one self-contained HTML file: tables and inline SVG plots, no
//! external assets. Draws the [`ReportDoc`]; every status comes from it.

use std::fmt::Write as _;

use verity_app::Status;
use verity_app::policy::{status_label, symbol};
use verity_app::report::{ReportDoc, StockPoint};
use verity_evidence::fmt_num;
use verity_vocab::Date;

use super::svg::Plot;
use super::{first_breach_text, short, skipped_lines, span, times};

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn css_class(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Compliant) => "ok",
        Some(Status::Breach) => "breach",
        Some(Status::Indeterminate) => "indet",
        Some(Status::CannotVerify) => "cv",
        Some(Status::NoEvidence) => "ne",
        Some(Status::Remedial) => "rem",
        Some(Status::Contested) => "cont",
        None => "off",
    }
}

const CSS: &str = "
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#1d2330}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccd}
table{border-collapse:collapse;margin:.5em 0;font-size:13px}th,td{border:1px solid #dde;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f4f8}td.c{text-align:center;width:2.6em;font-weight:bold}
.ok{background:#dff3e4;color:#17612e}.breach{background:#fbdcdc;color:#9d1c1c}.indet{background:#fff1c9;color:#7a5a00}
.cv{background:#ecdff7;color:#5c2a85}.ne{background:#f4f4f6;color:#888}.reading{font-size:.8em;color:#555}tr.topic th{background:#eef0f3;text-align:left;font-weight:600}svg.steps{display:inline;margin:0;width:160px}svg.steps rect.ok{fill:#2e7d32}svg.steps rect.breach{fill:#c62828}svg.steps rect.indet{fill:#f9a825}svg.steps rect.cv{fill:#6d4c9f}svg.steps rect.ne{fill:#c8ccd2}svg.steps rect.rem{fill:#3b6ea8}svg.steps rect.cont{fill:#c7671a}.rem{background:#dbe9f7;color:#1f4f82}.cont{background:#ffe3c4;color:#8a4300}.off{background:#fff}
.cite{color:#556;font-size:12px}.muted{color:#667}
svg{width:100%;max-width:760px;height:auto;display:block;margin:1em 0;font:11px system-ui,sans-serif}
.grid{stroke:#e4e6ee}.ax{fill:#556}.pt{font-weight:bold;fill:#1d2330;font-size:13px}
.limit{stroke:#c62828;stroke-dasharray:6 4;stroke-width:1.5}.lim{fill:#c62828}.band{fill:#90caf9;opacity:.45}
";

/// The step periods of a row as a small SVG: a span per status between the dates it
/// holds, over the report's years, each named on hover.
fn step_bar(r: &verity_app::report::ObligationRow, years: &[i16]) -> String {
    let (Some(&y0), Some(&y1)) = (years.first(), years.last()) else {
        return String::new();
    };
    let day = |d: verity_vocab::Date| -> f64 {
        f64::from(d.year()) + f64::from(d.day_of_year() - 1) / verity_app::policy::ONE_YEAR_DAYS
    };
    let (t0, t1) = (f64::from(y0), f64::from(y1) + 1.0);
    let w = 160.0;
    let x = |t: f64| ((t - t0) / (t1 - t0) * w).clamp(0.0, w);
    let mut out = format!(
        "<svg class=\"steps\" viewBox=\"0 0 {w} 10\" width=\"{w}\" height=\"10\" role=\"img\" aria-label=\"step periods\">"
    );
    for (i, s) in r.steps.iter().enumerate() {
        let from = day(s.from);
        let to = r.steps.get(i + 1).map_or(t1, |n| day(n.from));
        let _ = write!(
            out,
            "<rect class=\"{}\" x=\"{:.1}\" y=\"0\" width=\"{:.1}\" height=\"10\"><title>from {}: {}</title></rect>",
            css_class(Some(s.status)),
            x(from),
            (x(to) - x(from)).max(0.5),
            s.from,
            status_label(s.status)
        );
    }
    out.push_str("</svg>");
    out
}

pub fn render(d: &ReportDoc) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>Compliance report — {}</title><style>{CSS}</style></head><body>\n",
        esc(&d.agreement)
    );
    let _ = writeln!(o, "<h1>Compliance report — {}</h1>", esc(&d.title));
    let _ = writeln!(o, "<p class=\"muted\">{}</p>", esc(&d.header));
    let mut toc: Vec<String> = vec!["<a href=\"#summary\">Summary</a>".to_owned()];
    if !d.stockpile.is_empty() {
        toc.push("<a href=\"#stock\">Stock</a>".into());
    }
    if !d.breakout.is_empty() {
        toc.push("<a href=\"#breakout\">Breakout</a>".into());
    }
    toc.extend(
        d.parties
            .iter()
            .filter(|p| !p.rows.is_empty())
            .map(|p| format!("<a href=\"#party-{}\">{}</a>", esc(&p.id), esc(&p.name))),
    );
    toc.push("<a href=\"#timeline\">Timeline</a>".into());
    toc.push("<a href=\"#sources\">Sources</a>".into());
    let _ = writeln!(o, "<nav>{}</nav>", toc.join(" · "));
    let _ = writeln!(
        o,
        "<h2 id=\"summary\">Summary</h2><p class=\"summary\">{}</p>",
        esc(&d.summary.text)
    );
    if !d.summary.limits.is_empty() {
        let _ = writeln!(
            o,
            "<table id=\"limits\"><tr><th>obligation</th><th>latest</th><th>as of</th><th>limit</th><th>× limit</th><th>status</th><th>source</th></tr>"
        );
        for l in &d.summary.limits {
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code><div class=\"cite\">{}</div></td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
                esc(&l.obligation),
                esc(&l.what),
                esc(&l.shown),
                l.as_of,
                esc(l.op),
                esc(&l.limit_shown),
                times(l.times_limit),
                css_class(Some(l.status)),
                status_label(l.status),
                esc(&l.source)
            );
        }
        let _ = writeln!(o, "</table>");
    }
    if !d.summary.since_previous.is_empty() {
        let _ = writeln!(
            o,
            "<table id=\"since-previous\"><tr><th>stock since the previous report</th><th>change (kg U)</th><th>per month</th><th>from</th><th>to</th></tr>"
        );
        for c in &d.summary.since_previous {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{:+.1}</td><td>{:+.1}</td><td>{}</td><td>{}</td></tr>",
                esc(c.label),
                c.change,
                c.per_month,
                c.from,
                c.to
            );
        }
        let _ = writeln!(o, "</table>");
    }
    for u in &d.summary.unverifiable {
        let _ = writeln!(
            o,
            "<p class=\"cv\"><strong>Cannot be verified since {}:</strong> {} — {} ({})</p>",
            u.since,
            esc(&u.what),
            esc(&u.why),
            esc(&u.source)
        );
    }
    if !d.stockpile.is_empty() {
        let _ = writeln!(
            o,
            "<h2 id=\"stock\">Enriched-uranium stock against its limit</h2>"
        );
        let limit = d.stock_limit.as_ref().map(|l| {
            (
                l.kg_u,
                format!("limit {} kg U ({})", fmt_num(l.kg_u), l.cite),
            )
        });
        let band_series = |f: fn(&StockPoint) -> Option<f64>| -> Vec<(Date, f64)> {
            d.stockpile
                .iter()
                .filter_map(|s| f(s).filter(|v| *v > 0.0).map(|v| (s.date, v)))
                .collect()
        };
        let plot = Plot {
            title: "Enriched uranium stock (kg U, log scale)",
            y_label: "kg U",
            series: vec![
                (
                    "total",
                    "#1565c0",
                    d.stockpile.iter().map(|s| (s.date, s.kg_u)).collect(),
                ),
                ("up to 20 %", "#ef6c00", band_series(|s| s.u20pct)),
                ("up to 60 %", "#b71c1c", band_series(|s| s.u60pct)),
            ]
            .into_iter()
            .filter(|s| !s.2.is_empty())
            .collect(),
            band: Vec::new(),
            hline: limit.clone(),
        };
        o.push_str(&plot.svg());
        let _ = writeln!(
            o,
            "<table><tr><th>as of</th><th>kg U</th><th>kg UF6</th><th>× limit</th><th>≤ 5 %</th><th>20 %</th><th>60 %</th><th>source</th></tr>"
        );
        let opt = |v: Option<f64>| v.map_or(String::new(), fmt_num);
        for s in &d.stockpile {
            let ratio = s.ratio_to_limit.map_or(String::new(), |r| {
                format!("{}{r:.1}", s.bound.unwrap_or(""))
            });
            // The engine's verdict on the limit for this date, not a comparison here.
            let cls = css_class(s.status);
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}{}</td><td class=\"{cls}\">{ratio}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                s.date,
                esc(&s.shown),
                esc(s.bound.unwrap_or("")),
                opt(s.kg_uf6.map(|v| (v * 10.0).round() / 10.0)),
                opt(s.le_5pct),
                opt(s.u20pct),
                opt(s.u60pct),
                esc(&s.source)
            );
        }
        let _ = writeln!(o, "</table>");
    }
    if !d.breakout.is_empty() {
        let _ = writeln!(
            o,
            "<h2 id=\"breakout\">Breakout time</h2><p>{} Shaded: the 5th–95th percentile.</p>",
            esc(d.breakout_method)
        );
        let plot = Plot {
            title: "Breakout time (days, log scale)",
            y_label: "days",
            series: vec![
                (
                    "days",
                    "#1565c0",
                    d.breakout.iter().map(|b| (b.date, b.days)).collect(),
                ),
                (
                    "lower bound (one pooled cascade)",
                    "#6d4c41",
                    d.breakout
                        .iter()
                        .map(|b| (b.date, b.lower_bound_days))
                        .collect(),
                ),
            ],
            band: d
                .breakout
                .iter()
                .map(|b| (b.date, b.days_p05, b.days_p95))
                .collect(),
            hline: Some((d.one_year_days, "one year".into())),
        };
        o.push_str(&plot.svg());
        let _ = writeln!(
            o,
            "<table><tr><th>as of</th><th>days</th><th>p05–p95</th><th>lower bound</th><th>≈</th><th>route</th><th>basis</th></tr>"
        );
        for b in &d.breakout {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{:.1}</td><td>{:.1}–{:.1}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                b.date,
                b.days,
                b.days_p05,
                b.days_p95,
                b.lower_bound_days,
                span(b.days),
                b.route,
                esc(&b.basis)
            );
        }
        let _ = writeln!(o, "</table>");
        for line in skipped_lines(d) {
            let _ = writeln!(o, "<p class=\"muted\">{}</p>", esc(&line));
        }
    }
    let _ = writeln!(
        o,
        "<p class=\"muted\">Each cell is the most severe verdict of the year: <span class=\"ok\">✔ compliant</span> <span class=\"breach\">✖ breach</span> <span class=\"cont\">≠ contested</span> <span class=\"rem\">R remedial</span> <span class=\"indet\">~ indeterminate</span> <span class=\"cv\">? cannot be verified</span> <span class=\"ne\">· no evidence</span>; blank: not in force. Hover a cell for the step function.</p>"
    );
    for section in &d.parties {
        if section.rows.is_empty() && section.silent.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "<h2 id=\"party-{}\">{}</h2>",
            esc(&section.id),
            esc(&section.name)
        );
        if !section.rows.is_empty() {
            let _ = write!(o, "<table><tr><th>obligation</th>");
            for y in &d.years {
                let _ = write!(o, "<th>{y}</th>");
            }
            let _ = writeln!(
                o,
                "<th>now</th><th>first breach</th><th>step periods</th></tr>"
            );
            let cols = d.years.len() + 4;
            let mut topic = "";
            for r in &section.rows {
                if r.topic != topic {
                    topic = &r.topic;
                    let _ = writeln!(
                        o,
                        "<tr class=\"topic\"><th colspan=\"{cols}\">{}</th></tr>",
                        esc(&r.topic_label)
                    );
                }
                let steps: Vec<String> = r
                    .steps
                    .iter()
                    .map(|s| format!("from {}: {}", s.from, status_label(s.status)))
                    .collect();
                let readings: String = r
                    .readings
                    .iter()
                    .map(|x| {
                        format!(
                            "<div class=\"reading\">{} reads it <span class=\"{}\">{}</span> from {}: {}</div>",
                            esc(&x.party),
                            css_class(Some(x.status)),
                            status_label(x.status),
                            x.from,
                            esc(&x.cite)
                        )
                    })
                    .collect();
                let _ = write!(
                    o,
                    "<tr><td><code>{}</code><div class=\"cite\">{} — {}</div>{readings}</td>",
                    esc(&r.obligation),
                    esc(&r.cite),
                    esc(&short(&r.text, 140))
                );
                for (i, c) in r.cells.iter().enumerate() {
                    let _ = write!(
                        o,
                        "<td class=\"c {}\" title=\"{} {}: {}\">{}</td>",
                        css_class(*c),
                        d.years[i],
                        esc(&r.obligation),
                        esc(&steps.join("; ")),
                        symbol(*c)
                    );
                }
                let _ = writeln!(
                    o,
                    "<td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
                    css_class(Some(r.now)),
                    status_label(r.now),
                    esc(&first_breach_text(r)),
                    step_bar(r, &d.years)
                );
            }
            let _ = writeln!(o, "</table>");
        }
        if !section.silent.is_empty() {
            let ids: Vec<String> = section
                .silent
                .iter()
                .map(|o| format!("<code>{}</code>", esc(o)))
                .collect();
            let _ = writeln!(
                o,
                "<p class=\"muted\">In force with no evidence in the record: {}.</p>",
                ids.join(", ")
            );
        }
    }
    if !d.events.is_empty() {
        let _ = writeln!(
            o,
            "<h2 id=\"timeline\">Timeline</h2><table><tr><th>date</th><th>party</th><th>what</th><th>source</th></tr>"
        );
        for e in &d.events {
            let _ = writeln!(
                o,
                "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e.kind,
                e.date,
                esc(&e.party),
                esc(&e.what),
                esc(&e.source)
            );
        }
        let _ = writeln!(o, "</table>");
    }
    if !d.knowledge_gaps.is_empty() {
        let _ = writeln!(
            o,
            "<h2 id=\"gaps\">Knowledge gaps</h2><table><tr><th>from</th><th>to</th><th>party</th><th>what was lost</th><th>source</th></tr>"
        );
        for g in &d.knowledge_gaps {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                g.from,
                g.to.map_or("not restored".to_owned(), |t| t.to_string()),
                esc(&g.party),
                esc(&g.scope),
                esc(&g.source)
            );
        }
        let _ = writeln!(o, "</table>");
    }
    if !d.disputes.is_empty() {
        let _ = writeln!(
            o,
            "<h2 id=\"disputes\">Disputes</h2><table><tr><th>notified</th><th>mechanism</th><th>raised by</th><th>stages</th><th>outcome</th></tr>"
        );
        for x in &d.disputes {
            let stages: Vec<String> = x
                .stages
                .iter()
                .map(|s| format!("{} – {}: {} ({})", s.start, s.end, s.name, s.cite))
                .collect();
            let out = x.outcome_cell();
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                x.notified,
                esc(&x.mechanism),
                esc(&x.raised_by),
                esc(&stages.join("; ")),
                esc(&out)
            );
        }
        let _ = writeln!(o, "</table>");
    }
    let _ = writeln!(o, "<h2 id=\"sources\">Sources</h2><ul>");
    for (s, date) in &d.source_dates {
        let _ = writeln!(
            o,
            "<li>{}{}</li>",
            esc(s),
            date.map_or(String::new(), |d| format!(" ({d})"))
        );
    }
    let _ = writeln!(
        o,
        "</ul><p class=\"muted\">Generated by Verity from the agreement file and the evidence record; every verdict with its figures and sources: <code>verity assess --json</code>.</p></body></html>"
    );
    o
}
