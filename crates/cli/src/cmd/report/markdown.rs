//! The report as Markdown. Draws the [`ReportDoc`]; every status comes from it.

use std::fmt::Write as _;

use verity_app::policy::{status_label, symbol};
use verity_app::report::ReportDoc;
use verity_evidence::fmt_num;

use super::{LEGEND, first_breach_text, skipped_lines, span, times};

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

pub fn render(d: &ReportDoc) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Compliance report — {}\n", d.title);
    let _ = writeln!(o, "{}\n", d.header);
    let _ = writeln!(o, "## Summary\n\n{}\n", md_escape(&d.summary.text));
    if !d.summary.limits.is_empty() {
        let _ = writeln!(
            o,
            "| obligation | latest | as of | limit | × limit | status | source |\n|---|--:|---|---|--:|---|---|"
        );
        for l in &d.summary.limits {
            let _ = writeln!(
                o,
                "| `{}` | {} | {} | {} {} | {} | {} | {} |",
                l.obligation,
                md_escape(&l.shown),
                l.as_of,
                l.op,
                l.limit_shown,
                times(l.times_limit),
                status_label(l.status),
                md_escape(&l.source)
            );
        }
        o.push('\n');
    }
    if !d.summary.since_previous.is_empty() {
        let _ = writeln!(
            o,
            "Since the previous report:\n\n| stock | change (kg U) | per month | from | to |\n|---|--:|--:|---|---|"
        );
        for c in &d.summary.since_previous {
            let _ = writeln!(
                o,
                "| {} | {:+.1} | {:+.1} | {} | {} |",
                c.label, c.change, c.per_month, c.from, c.to
            );
        }
        o.push('\n');
    }
    for u in &d.summary.unverifiable {
        let _ = writeln!(
            o,
            "- **Cannot be verified since {}:** {} — {} ({})",
            u.since,
            md_escape(&u.what),
            md_escape(&u.why),
            md_escape(&u.source)
        );
    }
    if !d.summary.unverifiable.is_empty() {
        o.push('\n');
    }
    let _ = writeln!(o, "Legend: {LEGEND}\n");
    for section in &d.parties {
        if section.rows.is_empty() && section.silent.is_empty() {
            continue;
        }
        let _ = writeln!(o, "## {}\n", section.name);
        if !section.rows.is_empty() {
            let _ = write!(o, "| obligation | citation |");
            for y in &d.years {
                let _ = write!(o, " {y} |");
            }
            let _ = writeln!(o, " now | first breach |");
            let _ = write!(o, "|---|---|");
            for _ in &d.years {
                let _ = write!(o, ":-:|");
            }
            let _ = writeln!(o, "---|---|");
            let mut topic = "";
            for r in &section.rows {
                if r.topic != topic {
                    topic = &r.topic;
                    let _ = write!(o, "| **{}** | |", md_escape(&r.topic_label));
                    for _ in &d.years {
                        o.push_str(" |");
                    }
                    let _ = writeln!(o, " | |");
                }
                let _ = write!(o, "| `{}` | {} |", r.obligation, md_escape(&r.cite));
                for c in &r.cells {
                    let _ = write!(o, " {} |", symbol(*c));
                }
                let _ = writeln!(
                    o,
                    " {} | {} |",
                    status_label(r.now),
                    md_escape(&first_breach_text(r))
                );
            }
            o.push('\n');
            let read: Vec<String> = section
                .rows
                .iter()
                .flat_map(|r| {
                    r.readings.iter().map(move |x| {
                        format!(
                            "- `{}`: {} reads it {} from {} — {}",
                            r.obligation,
                            md_escape(&x.party),
                            status_label(x.status),
                            x.from,
                            md_escape(&x.cite)
                        )
                    })
                })
                .collect();
            if !read.is_empty() {
                let _ = writeln!(o, "Readings that differ:\n\n{}\n", read.join("\n"));
            }
        }
        if !section.silent.is_empty() {
            let ids: Vec<String> = section.silent.iter().map(|o| format!("`{o}`")).collect();
            let _ = writeln!(
                o,
                "In force with no evidence in the record: {}.\n",
                ids.join(", ")
            );
        }
    }
    if !d.stockpile.is_empty() {
        let _ = writeln!(o, "## Enriched-uranium stock against its limit\n");
        if let Some(l) = &d.stock_limit {
            let _ = writeln!(
                o,
                "Limit: {} kg U (`{}`, {}).\n",
                fmt_num(l.kg_u),
                l.obligation,
                l.cite
            );
        }
        let _ = writeln!(
            o,
            "| as of | kg U | × limit | ≤ 5 % | 20 % | 60 % | source |\n|---|--:|--:|--:|--:|--:|---|"
        );
        let opt = |v: Option<f64>| v.map_or(String::new(), fmt_num);
        for s in &d.stockpile {
            let ratio = s.ratio_to_limit.map_or(String::new(), |r| {
                format!("{}{r:.1}", s.bound.unwrap_or(""))
            });
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                s.date,
                s.shown,
                ratio,
                opt(s.le_5pct),
                opt(s.u20pct),
                opt(s.u60pct),
                md_escape(&s.source)
            );
        }
        o.push('\n');
    }
    if !d.breakout.is_empty() {
        let _ = writeln!(o, "## Breakout time\n\n{}\n", d.breakout_method);
        let _ = writeln!(
            o,
            "| as of | days | p05–p95 | lower bound | ≈ | route | basis |\n|---|--:|--:|--:|---|---|---|"
        );
        for b in &d.breakout {
            let _ = writeln!(
                o,
                "| {} | {:.1} | {:.1}–{:.1} | {:.1} | {} | {} | {} |",
                b.date,
                b.days,
                b.days_p05,
                b.days_p95,
                b.lower_bound_days,
                span(b.days),
                b.route,
                md_escape(&b.basis)
            );
        }
        o.push('\n');
        for line in skipped_lines(d) {
            let _ = writeln!(o, "- {}", md_escape(&line));
        }
        o.push('\n');
    }
    if !d.disputes.is_empty() {
        let _ = writeln!(
            o,
            "## Disputes\n\n| notified | mechanism | raised by | stages to | outcome |\n|---|---|---|---|---|"
        );
        for x in &d.disputes {
            let last = x.stages.iter().map(|s| s.end).max();
            let out = x.outcome_cell();
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                x.notified,
                x.mechanism,
                md_escape(&x.raised_by),
                last.map_or("-".to_owned(), |d| d.to_string()),
                md_escape(&out)
            );
        }
        o.push('\n');
    }
    if !d.events.is_empty() {
        let _ = writeln!(
            o,
            "## Timeline\n\n| date | party | what | source |\n|---|---|---|---|"
        );
        for e in &d.events {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                e.date,
                md_escape(&e.party),
                md_escape(&e.what),
                md_escape(&e.source)
            );
        }
        o.push('\n');
    }
    if !d.knowledge_gaps.is_empty() {
        let _ = writeln!(
            o,
            "## Knowledge gaps\n\n| from | to | party | what was lost | source |\n|---|---|---|---|---|"
        );
        for g in &d.knowledge_gaps {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                g.from,
                g.to.map_or("not restored".to_owned(), |t| t.to_string()),
                md_escape(&g.party),
                md_escape(&g.scope),
                md_escape(&g.source)
            );
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## Sources\n");
    for (s, date) in &d.source_dates {
        match date {
            Some(date) => {
                let _ = writeln!(o, "- {} ({date})", md_escape(s));
            }
            None => {
                let _ = writeln!(o, "- {}", md_escape(s));
            }
        }
    }
    o
}
