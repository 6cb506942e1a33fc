//! Reading a proposal file (`[proposal]`, `[reinstall]`, `[sneakout]`, `[[term]]`) with
//! the agreement parser's located diagnostics: all or nothing.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use verity_vocab::{MachineType, Site};

use super::{Cx, Fields, Val, type_name};
use crate::diag::{DiagKind, Diagnostics};
use crate::proposal::{
    MachineFate, Measure, Proposal, ProposalStatus, Reinstall, Sneakout, StockFate, Term, TermKind,
};

/// kg U per kg UF6 (238.03 / 352.02).
const U_PER_UF6: f64 = 0.676;

/// Parses and validates a proposal. `file` only labels diagnostics.
pub fn parse_proposal(src: &str, file: &str) -> Result<Proposal, Diagnostics> {
    let mut cx = Cx::new(src, file);
    let root = match DeTable::parse(src) {
        Ok(t) => t,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let msg = e.message().trim().replace('\n', " ");
            cx.err(span, DiagKind::Syntax, format!("invalid TOML: {msg}"));
            return Err(cx.finish());
        }
    };
    let p = cx.proposal(root.get_ref(), root.span());
    let diags = cx.finish();
    match p {
        Some(p) if diags.0.is_empty() => Ok(p),
        _ => Err(diags),
    }
}

impl Cx<'_> {
    fn table<'a, 'i>(&mut self, v: &'a Val<'i>, key: &str) -> Option<&'a DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.err(
                    v.span(),
                    DiagKind::BadValue,
                    format!("`{key}` must be a table, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A number in `[lo, hi]` (or `[lo, hi)` when `open_hi`), or a located error.
    fn ranged(
        &mut self,
        f: &mut Fields<'_, '_>,
        key: &'static str,
        lo: f64,
        hi: f64,
        expected: &str,
        required: bool,
    ) -> Option<f64> {
        let Some(v) = f.get(key) else {
            if required {
                self.missing(f, key, expected);
            }
            return None;
        };
        let x = self.number(v, key)?;
        if !(lo..=hi).contains(&x) {
            self.err(
                v.span(),
                DiagKind::BadValue,
                format!("`{key}` is {x}; expected {expected}"),
            );
            return None;
        }
        Some(x)
    }

    fn count(&mut self, f: &mut Fields<'_, '_>, key: &'static str) -> Option<u32> {
        let x = self.ranged(
            f,
            key,
            0.0,
            1.0e6,
            "a whole number of machines from 0 to 1,000,000",
            true,
        )?;
        if x.fract() != 0.0 {
            let span = f.get(key).map(|v| v.span()).unwrap_or(0..0);
            self.err(
                span,
                DiagKind::BadValue,
                format!("`{key}` is {x}; expected a whole number of machines"),
            );
            return None;
        }
        Some(x as u32)
    }

    fn choice<T>(
        &mut self,
        f: &mut Fields<'_, '_>,
        key: &'static str,
        expected: &str,
        pick: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let (s, span) = self.req_string(f, key, expected)?;
        let r = pick(&s);
        if r.is_none() {
            self.err(
                span,
                DiagKind::BadValue,
                format!("`{s}` is not a valid {key}; expected {expected}"),
            );
        }
        r
    }

    fn machine(&mut self, f: &mut Fields<'_, '_>) -> Option<MachineType> {
        self.choice(
            f,
            "machine",
            "a centrifuge type (IR-1, IR-2m, IR-4, IR-5, IR-6, IR-6s, IR-s, IR-8, IR-8B, IR-9)",
            MachineType::parse,
        )
    }

    fn proposal(&mut self, root: &DeTable<'_>, span: Range<usize>) -> Option<Proposal> {
        let mut f = Fields::new(root, span, "the file");
        let head = match f.get("proposal") {
            Some(v) => self.table(v, "proposal").map(|t| (t, v.span())),
            None => {
                self.err(
                    0..0,
                    DiagKind::MissingField,
                    "the file has no [proposal] table; expected one with `id`, `title`, `status`, `source` and `duration_years`",
                );
                None
            }
        };
        let head = head.and_then(|(t, sp)| self.head_of_proposal(t, sp));
        let reinstall = match f.get("reinstall") {
            Some(v) => self.table(v, "reinstall").and_then(|t| {
                let mut g = Fields::new(t, v.span(), "[reinstall]");
                let per_month = self.ranged(
                    &mut g,
                    "per_month",
                    0.0,
                    1.0e5,
                    "machines per month from 0 to 100,000",
                    true,
                );
                let after = self.ranged(
                    &mut g,
                    "after_lapse_per_month",
                    0.0,
                    1.0e5,
                    "machines per month from 0 to 100,000",
                    false,
                );
                let source = self.req_string(&mut g, "source", "where the rate comes from");
                g.finish(self, &["per_month", "after_lapse_per_month", "source"]);
                let per_month = per_month?;
                Some(Reinstall {
                    per_month,
                    after_lapse_per_month: after.unwrap_or(per_month),
                    source: source?.0,
                })
            }),
            None => {
                self.err(
                    0..0,
                    DiagKind::MissingField,
                    "the file has no [reinstall] table; expected `per_month` (machines a month that could be reinstalled from storage in a breakout; 0 for none) and `source`",
                );
                None
            }
        };
        let sneakout = match f.get("sneakout") {
            Some(v) => self.table(v, "sneakout").and_then(|t| {
                let mut g = Fields::new(t, v.span(), "[sneakout]");
                let machine = self.machine(&mut g);
                let count = self.count(&mut g, "count");
                let source = self.req_string(&mut g, "source", "where the plant's size comes from");
                g.finish(self, &["machine", "count", "source"]);
                Some(Sneakout {
                    machine: machine?,
                    count: count?,
                    source: source?.0,
                })
            }),
            None => {
                self.err(
                    0..0,
                    DiagKind::MissingField,
                    "the file has no [sneakout] table; expected the covert plant's `machine`, `count` and `source`",
                );
                None
            }
        };
        let mut terms = Vec::new();
        if let Some(v) = f.get("term") {
            for (t, sp) in self.array_of_tables(v, "term") {
                if let Some(term) = self.term(t, sp) {
                    terms.push(term);
                }
            }
        }
        f.finish(self, &["proposal", "reinstall", "sneakout", "term"]);
        let (id, title, status, source, summary, duration_years, from) = head?;
        let p = Proposal {
            id,
            title,
            status,
            source,
            summary,
            duration_years,
            from,
            reinstall: reinstall?,
            sneakout: sneakout?,
            terms,
        };
        for t in &p.terms {
            if t.from_year > f64::from(p.duration_years) {
                let loc = t.loc;
                self.diags.push(crate::diag::Diagnostic {
                    file: self.file.to_owned(),
                    loc,
                    kind: DiagKind::BadValue,
                    message: format!(
                        "the {} term starts in year {}, after the deal's {} years",
                        t.kind.name(),
                        t.from_year,
                        p.duration_years
                    ),
                });
            }
        }
        Some(p)
    }

    #[allow(clippy::type_complexity)]
    fn head_of_proposal(
        &mut self,
        t: &DeTable<'_>,
        span: Range<usize>,
    ) -> Option<(
        String,
        String,
        ProposalStatus,
        String,
        Option<String>,
        u32,
        Option<String>,
    )> {
        let mut f = Fields::new(t, span, "[proposal]");
        let id = self.ident(&mut f, "id");
        let title = self.req_string(&mut f, "title", "the proposal's title");
        let status = self.choice(
            &mut f,
            "status",
            "`agreed`, `reported` or `hypothetical`",
            |s| match s {
                "agreed" => Some(ProposalStatus::Agreed),
                "reported" => Some(ProposalStatus::Reported),
                "hypothetical" => Some(ProposalStatus::Hypothetical),
                _ => None,
            },
        );
        let source = self.req_string(&mut f, "source", "where the terms come from");
        let summary = self.opt_string(&mut f, "summary");
        let years = self.ranged(
            &mut f,
            "duration_years",
            1.0,
            100.0,
            "the deal's life, a whole number of years from 1 to 100",
            true,
        );
        // A record date, or the name of a starting state.
        let from = self.opt_string(&mut f, "from");
        f.finish(
            self,
            &[
                "id",
                "title",
                "status",
                "source",
                "summary",
                "duration_years",
                "from",
            ],
        );
        Some((
            id?.0,
            title?.0,
            status?,
            source?.0,
            summary,
            years?.round() as u32,
            from,
        ))
    }

    fn term(&mut self, t: &DeTable<'_>, span: Range<usize>) -> Option<Term> {
        let loc = self.loc(span.clone());
        let mut f = Fields::new(t, span, "a [[term]]");
        const COMMON: &[&str] = &["term", "from_year", "until_year", "source", "text"];
        let (name, name_span) = self.req_string(
            &mut f,
            "term",
            "one of enrichment_cap, stock_cap, machines, rd, excess_machines, existing_stock, verification",
        )?;
        let mut accepted: Vec<&str> = COMMON.to_vec();
        let kind = match name.as_str() {
            "enrichment_cap" => {
                accepted.push("pct");
                self.ranged(
                    &mut f,
                    "pct",
                    0.0,
                    93.0,
                    "the highest enrichment allowed, percent U-235, from 0 (none) to 93",
                    true,
                )
                .map(|pct| TermKind::EnrichmentCap { pct })
            }
            "stock_cap" => {
                accepted.extend(["kg_u", "kg_uf6"]);
                let expected = "a stock in kg, ≥ 0";
                let u = self.ranged(&mut f, "kg_u", 0.0, 1.0e7, expected, false);
                let uf6 = self.ranged(&mut f, "kg_uf6", 0.0, 1.0e7, expected, false);
                match (u, uf6, f.has("kg_u"), f.has("kg_uf6")) {
                    (Some(_), Some(_), ..) => {
                        let sp = f.get("kg_uf6").map(|v| v.span()).unwrap_or(0..0);
                        self.err(
                            sp,
                            DiagKind::BadValue,
                            "a stock cap gives `kg_u` or `kg_uf6`, not both",
                        );
                        None
                    }
                    (Some(kg_u), None, _, false) => Some(TermKind::StockCap { kg_u }),
                    (None, Some(x), false, _) => Some(TermKind::StockCap {
                        kg_u: x * U_PER_UF6,
                    }),
                    (None, None, false, false) => {
                        self.missing(&f, "kg_u", "the cap in kg U (or `kg_uf6`)");
                        None
                    }
                    _ => None,
                }
            }
            "machines" => {
                accepted.extend(["machine", "site", "count"]);
                let machine = self.machine(&mut f);
                let site = if f.has("site") {
                    self.choice(
                        &mut f,
                        "site",
                        "natanz_fep, natanz_pfep or fordow",
                        Site::parse,
                    )
                    .map(Some)
                } else {
                    Some(None)
                };
                let count = self.count(&mut f, "count");
                match (machine, site, count) {
                    (Some(machine), Some(site), Some(count)) => Some(TermKind::Machines {
                        machine,
                        site,
                        count,
                    }),
                    _ => None,
                }
            }
            "rd" => {
                accepted.extend(["machine", "count"]);
                let machine = self.machine(&mut f);
                let count = self.count(&mut f, "count");
                Some(TermKind::Rd {
                    machine: machine?,
                    count: count?,
                })
            }
            "excess_machines" => {
                accepted.push("fate");
                self.choice(&mut f, "fate", "`stored` or `removed`", |s| match s {
                    "stored" => Some(MachineFate::Stored),
                    "removed" => Some(MachineFate::Removed),
                    _ => None,
                })
                .map(|fate| TermKind::ExcessMachines { fate })
            }
            "existing_stock" => {
                accepted.extend(["fate", "above_pct", "within_months"]);
                let fate =
                    self.choice(
                        &mut f,
                        "fate",
                        "`export`, `downblend` or `convert`",
                        |s| match s {
                            "export" => Some(StockFate::Export),
                            "downblend" => Some(StockFate::Downblend),
                            "convert" => Some(StockFate::Convert),
                            _ => None,
                        },
                    );
                let above = self.ranged(
                    &mut f,
                    "above_pct",
                    0.0,
                    93.0,
                    "the level above which the stock goes, percent",
                    false,
                );
                let within = self.ranged(
                    &mut f,
                    "within_months",
                    0.0,
                    120.0,
                    "months from the start, 0 to 120",
                    true,
                );
                Some(TermKind::ExistingStock {
                    above_pct: above,
                    fate: fate?,
                    within_months: within?,
                })
            }
            "verification" => {
                accepted.push("measure");
                let names: Vec<&str> = Measure::ALL.iter().map(|m| m.as_str()).collect();
                let expected = format!("one of {}", names.join(", "));
                self.choice(&mut f, "measure", &expected, Measure::parse)
                    .map(|measure| TermKind::Verification { measure })
            }
            other => {
                self.err(
                    name_span,
                    DiagKind::BadValue,
                    format!(
                        "`{other}` is not a term; expected one of enrichment_cap, stock_cap, machines, rd, excess_machines, existing_stock, verification"
                    ),
                );
                None
            }
        };
        let from_year = self
            .ranged(
                &mut f,
                "from_year",
                0.0,
                100.0,
                "years from the deal's start, 0 to 100",
                false,
            )
            .unwrap_or(0.0);
        let until_year = self.ranged(
            &mut f,
            "until_year",
            0.0,
            100.0,
            "years from the deal's start, 0 to 100",
            false,
        );
        if let (Some(u), Some(v)) = (until_year, f.get("until_year"))
            && u <= from_year
        {
            self.err(
                v.span(),
                DiagKind::WindowEndsBeforeStart,
                format!("`until_year` {u} is not after `from_year` {from_year}"),
            );
        }
        let source = self.req_string(&mut f, "source", "where the term comes from");
        let text = self.opt_string(&mut f, "text");
        f.finish(self, &accepted);
        Some(Term {
            kind: kind?,
            from_year,
            until_year,
            source: source?.0,
            text,
            loc,
        })
    }
}
