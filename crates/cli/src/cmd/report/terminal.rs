//! The report as a terminal table: colour only when writing to a terminal and
//! `NO_COLOR` is unset. Draws the [`ReportDoc`]; every status comes from it.

use std::fmt::Write as _;

use verity_app::Status;
use verity_app::policy::{status_label, symbol};
use verity_app::report::ReportDoc;
use verity_evidence::fmt_num;

use super::{LEGEND, band_colour, first_breach_text, short, skipped_lines, span, times, wrap};

struct Paint(bool);

// Every piece of text the terminal report prints passes through `Paint`, which escapes
// control characters in it (stored text may carry them) before adding its own colours.
impl Paint {
    fn status(&self, s: Option<Status>, text: &str) -> String {
        let text = verity_app::text::field(text);
        if !self.0 {
            return text.into_owned();
        }
        let code = match s {
            Some(Status::Compliant) => "32",
            Some(Status::Breach) => "1;31",
            Some(Status::Indeterminate) => "33",
            Some(Status::CannotVerify) => "35",
            Some(Status::Remedial) => "34",
            Some(Status::Contested) => "1;33",
            Some(Status::NoEvidence) | None => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
    fn bold(&self, text: &str) -> String {
        let text = verity_app::text::field(text);
        if self.0 {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.into_owned()
        }
    }
    fn dim(&self, text: &str) -> String {
        let text = verity_app::text::field(text);
        if self.0 {
            format!("\x1b[2m{text}\x1b[0m")
        } else {
            text.into_owned()
        }
    }
}

/// A bar of `width` cells for `v` on a log scale from `lo` to `hi`.
fn log_bar(v: f64, lo: f64, hi: f64, width: usize) -> String {
    if v <= 0.0 || hi <= lo {
        return String::new();
    }
    let f = ((v.max(lo).ln() - lo.ln()) / (hi.ln() - lo.ln())).clamp(0.0, 1.0);
    let n = (f * width as f64).round() as usize;
    "█".repeat(n.max(1))
}

/// `width` is the terminal's width in columns: long texts are cut to fit it.
pub fn render(d: &ReportDoc, colour: bool, width: usize) -> String {
    let p = Paint(colour);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}",
        p.bold(&format!("Verity compliance report — {}", d.title))
    );
    let _ = writeln!(o, "{}", d.header);
    let _ = writeln!(o, "Legend: {LEGEND}");

    let text_w = width.saturating_sub(4).max(40);
    let _ = writeln!(o, "\n{}", p.bold("SUMMARY"));
    for line in wrap(&verity_app::text::field(&d.summary.text), text_w) {
        let _ = writeln!(o, "  {line}");
    }
    if !d.summary.limits.is_empty() {
        let _ = writeln!(o, "\n{}", p.bold("LATEST FIGURE AGAINST EACH LIMIT"));
        let ob_w = d
            .summary
            .limits
            .iter()
            .map(|l| l.obligation.chars().count())
            .max()
            .unwrap_or(10);
        for l in &d.summary.limits {
            let line = format!(
                "  {:<ob_w$}  {:>16}  {}  limit {} {:<14} {:>8}  {:<13}",
                l.obligation,
                l.shown,
                l.as_of,
                l.op,
                l.limit_shown,
                times(l.times_limit),
                status_label(l.status),
            );
            let used = line.chars().count();
            let _ = writeln!(
                o,
                "{} {}",
                p.status(Some(l.status), &line),
                p.dim(&short(&l.source, width.saturating_sub(used + 1).max(20)))
            );
        }
    }
    if !d.summary.since_previous.is_empty() {
        let _ = writeln!(o, "\n{}", p.bold("SINCE THE PREVIOUS REPORT"));
        for c in &d.summary.since_previous {
            let _ = writeln!(
                o,
                "  {:<44} {:>+10.1} kg U  ({:+.1} kg U a month; {} → {})",
                c.label, c.change, c.per_month, c.from, c.to
            );
        }
    }
    if !d.summary.unverifiable.is_empty() {
        let _ = writeln!(o, "\n{}", p.bold("CANNOT BE VERIFIED"));
        for u in &d.summary.unverifiable {
            let line = format!("since {}: {} — {} ({})", u.since, u.what, u.why, u.source);
            let _ = writeln!(o, "  {}", short(&line, width.saturating_sub(2)));
        }
    }

    let id_w = d
        .parties
        .iter()
        .flat_map(|s| s.rows.iter().map(|r| r.obligation.chars().count()))
        .max()
        .unwrap_or(10)
        .max(10);
    for section in &d.parties {
        if section.rows.is_empty() && section.silent.is_empty() {
            continue;
        }
        let _ = writeln!(o, "\n{}", p.bold(&section.name.to_uppercase()));
        let mut head = format!("  {:<id_w$} ", "obligation");
        for y in &d.years {
            let _ = write!(head, " {y:>4}");
        }
        let _ = write!(head, "   now            first breach");
        if !section.rows.is_empty() {
            let _ = writeln!(o, "{}", p.dim(&head));
        }
        let mut topic = "";
        for r in &section.rows {
            if r.topic != topic {
                topic = &r.topic;
                let _ = writeln!(o, "  {}", p.bold(&format!("· {}", r.topic_label)));
            }
            let mut line = format!("  {:<id_w$} ", r.obligation);
            for c in &r.cells {
                let _ = write!(line, "    {}", p.status(*c, symbol(*c)));
            }
            let now = r.now;
            let _ = write!(
                line,
                "   {}",
                p.status(Some(now), &format!("{:<14}", status_label(now)))
            );
            // What the columns before it take: indent, id, a year cell each, "now".
            let used = 2 + id_w + 1 + 5 * d.years.len() + 3 + 15;
            let _ = write!(
                line,
                " {}",
                short(&first_breach_text(r), width.saturating_sub(used).max(24))
            );
            let _ = writeln!(o, "{line}");
            let _ = writeln!(
                o,
                "  {}",
                p.dim(&format!(
                    "  {} — {}",
                    r.cite,
                    short(
                        &r.text,
                        width.saturating_sub(r.cite.chars().count() + 7).max(30)
                    )
                ))
            );
            if r.steps.len() > 1 {
                // The step periods: each status from the date it holds.
                let steps: Vec<String> = r
                    .steps
                    .iter()
                    .map(|st| format!("{} {}", st.from, status_label(st.status)))
                    .collect();
                let line = format!("steps: {}", steps.join(" → "));
                let _ = writeln!(o, "    {}", p.dim(&short(&line, width.saturating_sub(4))));
            }
            for x in &r.readings {
                let line = format!(
                    "{} reads it {} from {}: {}",
                    x.party,
                    status_label(x.status),
                    x.from,
                    x.cite
                );
                let _ = writeln!(o, "    {}", p.dim(&short(&line, width.saturating_sub(4))));
            }
        }
        if !section.silent.is_empty() {
            let ids: Vec<&str> = section.silent.iter().map(String::as_str).collect();
            let _ = writeln!(
                o,
                "  {}",
                p.dim(&format!(
                    "{} more in force with no evidence in the record: {}",
                    ids.len(),
                    short(&ids.join(", "), width.saturating_sub(50).max(40))
                ))
            );
        }
    }

    if !d.stockpile.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            p.bold("ENRICHED-URANIUM STOCK AGAINST ITS LIMIT")
        );
        if let Some(l) = &d.stock_limit {
            let _ = writeln!(
                o,
                "limit {} kg U ({}; {})",
                fmt_num(l.kg_u),
                l.obligation,
                l.cite
            );
        }
        let hi = d.stockpile.iter().map(|s| s.kg_u).fold(1.0, f64::max);
        let _ = writeln!(
            o,
            "{}",
            p.dim("  as of        kg U        × limit  (log scale)                      source")
        );
        for s in &d.stockpile {
            let ratio = match s.ratio_to_limit {
                Some(r) => format!("{:>7}", format!("{}{r:.1}", s.bound.unwrap_or(""))),
                None => "      -".into(),
            };
            // The engine's verdict on the limit for this date, not a comparison here.
            let status = s.status;
            let bar = log_bar(s.kg_u, 10.0, hi, 30);
            let _ = writeln!(
                o,
                "  {}  {:>10}  {}  {}  {}",
                s.date,
                s.shown,
                p.status(status, &ratio),
                p.status(status, &format!("{bar:<30}")),
                p.dim(&s.source)
            );
        }
    }

    if !d.breakout.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            p.bold("BREAKOUT TIME (1 SQ = 25 kg U-235 at 90 %, from each report's stocks and centrifuges)")
        );
        let _ = writeln!(
            o,
            "{}",
            p.dim(&short(d.breakout_method, width.saturating_sub(2).max(40)))
        );
        let _ = writeln!(o, "{}", p.dim("  as of        days   (p05–p95)        ≥ bound  ≈               (log scale)                    route; stocks / machines from"));
        let hi = d.breakout.iter().map(|b| b.days).fold(2.0, f64::max);
        for b in &d.breakout {
            let st = Some(band_colour(b.band));
            let bar = log_bar(b.days, 1.0, hi, 30);
            let _ = writeln!(
                o,
                "  {}  {:>6.1}  ({:>6.1}–{:<6.1})  {:>6.1}  {:<13}  {}  {}",
                b.date,
                b.days,
                b.days_p05,
                b.days_p95,
                b.lower_bound_days,
                span(b.days),
                p.status(st, &format!("{bar:<30}")),
                p.dim(&format!("{}; {}", b.route, b.basis))
            );
        }
        for line in skipped_lines(d) {
            let _ = writeln!(o, "  {}", p.dim(&line));
        }
    }

    if !d.disputes.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            p.bold("DISPUTES (JCPOA para. 36, UNSCR 2231 snapback)")
        );
        for x in &d.disputes {
            let last = x.stages.iter().map(|s| s.end).max();
            let _ = writeln!(
                o,
                "  {}  {:<8} by {:<6} stages to {}  {}",
                x.notified,
                verity_app::text::field(&x.mechanism),
                verity_app::text::field(&x.raised_by),
                last.map_or("-".to_owned(), |d| d.to_string()),
                p.dim(&short(&x.outcome_cell(), width.saturating_sub(60).max(30)))
            );
        }
    }

    if !d.events.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            p.bold("TIMELINE (key days and events of the record)")
        );
        for e in &d.events {
            let who = if e.party.is_empty() {
                "—".to_owned()
            } else {
                e.party.clone()
            };
            let line = format!(
                "  {}  {:<17} {}",
                e.date,
                short(&who, 17),
                verity_app::text::field(&e.what)
            );
            let used = line.chars().count();
            let _ = writeln!(
                o,
                "{} {}",
                line,
                p.dim(&short(&e.source, width.saturating_sub(used + 1).max(20)))
            );
        }
    }
    if !d.knowledge_gaps.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            p.bold("KNOWLEDGE GAPS (continuity of knowledge lost)")
        );
        for g in &d.knowledge_gaps {
            let line = format!(
                "{} – {}  {}: {} — {}",
                g.from,
                g.to.map_or("not restored".to_owned(), |t| t.to_string()),
                g.party,
                g.scope,
                g.source
            );
            let _ = writeln!(o, "  {}", short(&line, width.saturating_sub(2)));
        }
    }

    let _ = writeln!(o, "\n{}", p.bold("SOURCES"));
    for (s, date) in &d.source_dates {
        match date {
            Some(date) => {
                let _ = writeln!(o, "  {} ({date})", verity_app::text::field(s));
            }
            None => {
                let _ = writeln!(o, "  {}", verity_app::text::field(s));
            }
        }
    }
    let _ = writeln!(
        o,
        "\n{}",
        p.dim("Every verdict with its figures and sources: verity assess --json. Formats: --format markdown|html|json.")
    );
    o
}
