//! Dispute resolution and snapback as records: every invocation of a procedure of the
//! agreement (its trigger event in the record — JCPOA para. 36, UNSCR 2231 paras.
//! 11–12), with who raised it and when, the stages the procedure's steps give from the
//! notification, and the outcome the record shows. [`DisputesDoc`] is the
//! `verity disputes --json` document and `GET /api/v1/disputes`.

use serde::Serialize;
use verity_agreement::{Agreement, ObligationKind};
use verity_evidence::EvidenceSet;
use verity_vocab::Date;

/// Days within which a re-imposition is the outcome of a snapback notification: the
/// compliance engine's own rule (the 30 of UNSCR 2231 para. 12 and the days the
/// Council's record takes to state it), so a verdict and a dispute never disagree.
use verity_compliance::SNAPBACK_DAYS as SNAPBACK_OUTCOME_DAYS;

/// Days after a notification within which a statement contesting the notifying party's
/// standing is taken to answer it: the 30 days of UNSCR 2231 para. 11.
const STANDING_DAYS: i32 = 30;

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub name: String,
    pub start: Date,
    pub end: Date,
    /// The procedure (obligation id) the stage is a step of, and its citation.
    pub procedure: String,
    pub cite: String,
    /// The participants extended the periods by consensus before this stage ended: `end`
    /// is the end the procedure's own days give, no longer a deadline.
    pub extended: bool,
}

/// An extension of a procedure's periods by consensus, as the record shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Extension {
    pub date: Date,
    pub by: String,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dispute {
    /// `MECHANISM-DATE-PARTY`, e.g. `para36-2020-01-14-e3`.
    pub id: String,
    /// `para36` (JCPOA dispute resolution), `snapback` (UNSCR 2231 paras. 11–12), or
    /// the trigger event of another procedure.
    pub mechanism: String,
    /// The party that invoked it, as the record names it.
    pub raised_by: String,
    pub notified: Date,
    pub stages: Vec<Stage>,
    /// Extensions of the periods by consensus (`dispute_period_extended` events while
    /// the stages ran).
    pub extensions: Vec<Extension>,
    /// What the record shows came of it, if anything.
    pub outcome: Option<String>,
    pub outcome_date: Option<Date>,
    /// Parties that stated, within 30 days of the notification, that the invoking party
    /// had no standing to make it (`standing_contested` events; their sources are in
    /// `sources`).
    pub standing_contested_by: Vec<String>,
    pub sources: Vec<String>,
}

impl Dispute {
    /// `DATE: OUTCOME`, when the record shows one.
    pub fn outcome_line(&self) -> Option<String> {
        match (&self.outcome, self.outcome_date) {
            (Some(out), Some(date)) => Some(format!("{date}: {out}")),
            _ => None,
        }
    }
}

impl Dispute {
    /// `standing contested by A, B`, when any party contested it.
    pub fn standing_line(&self) -> Option<String> {
        (!self.standing_contested_by.is_empty()).then(|| {
            format!(
                "standing contested by {}",
                self.standing_contested_by.join(", ")
            )
        })
    }

    /// The outcome (or "none recorded"), any extension and any contest of standing, for
    /// one cell.
    pub fn outcome_cell(&self) -> String {
        let mut out = self
            .outcome_line()
            .unwrap_or_else(|| "none recorded".to_owned());
        for x in &self.extensions {
            out.push_str(&format!("; periods extended by consensus on {}", x.date));
        }
        match self.standing_line() {
            Some(st) => format!("{out} ({st})"),
            None => out,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DisputesDoc {
    pub agreement: String,
    pub disputes: Vec<Dispute>,
}

/// The mechanism's name: `snapback` for a snapback notification; for a referral under a
/// dispute clause, `para` and the clause's paragraph (`para36` in the JCPOA); else the
/// trigger event.
fn mechanism(trigger: &str, clause: Option<&verity_agreement::Citation>) -> String {
    match (trigger, clause) {
        ("snapback_notified", _) => "snapback".to_owned(),
        ("dispute_mechanism_invoked", Some(c)) => {
            let para: String = c
                .paragraph
                .chars()
                .filter(|ch| ch.is_ascii_alphanumeric())
                .collect();
            format!("para{}", para.to_lowercase())
        }
        (other, _) => other.to_owned(),
    }
}

/// Every invocation of a procedure of `agreement` in `evidence`, in date order.
pub fn list(agreement: &Agreement, evidence: &EvidenceSet) -> DisputesDoc {
    let procedures: Vec<_> = agreement
        .obligations
        .iter()
        .filter_map(|o| match &o.kind {
            ObligationKind::Procedure {
                trigger: Some(t),
                steps,
            } if !steps.is_empty() => Some((o, t.id, steps)),
            _ => None,
        })
        .collect();
    let mut triggers: Vec<&str> = procedures.iter().map(|(_, t, _)| *t).collect();
    triggers.sort_unstable();
    triggers.dedup();
    let mut disputes = Vec::new();
    for e in evidence
        .events
        .iter()
        .filter(|e| triggers.contains(&e.event.id))
    {
        let clause = procedures
            .iter()
            .find(|(_, t, _)| *t == e.event.id)
            .map(|(o, _, _)| &o.cite);
        let mech = mechanism(e.event.id, clause);
        let mut stages = Vec::new();
        for (ob, _, steps) in procedures.iter().filter(|(_, t, _)| *t == e.event.id) {
            let mut start = e.date;
            for s in steps.iter() {
                let end = start
                    .checked_add(jiff::Span::new().days(i64::from(s.days)))
                    .unwrap_or(start);
                stages.push(Stage {
                    name: s.name.clone(),
                    start,
                    end,
                    procedure: ob.id.clone(),
                    cite: ob.cite.to_string(),
                    extended: false,
                });
                start = end;
            }
        }
        let mut sources = vec![e.source.to_string()];
        let mut standing_contested_by: Vec<String> = Vec::new();
        for c in evidence.events.iter().filter(|c| {
            c.event.id == "standing_contested"
                && c.date >= e.date
                && (c.date - e.date).get_days() <= STANDING_DAYS
                && !c.party.eq_ignore_ascii_case(&e.party)
        }) {
            if !standing_contested_by
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&c.party))
            {
                standing_contested_by.push(c.party.clone());
            }
            let s = c.source.to_string();
            if !sources.contains(&s) {
                sources.push(s);
            }
        }
        let last_stage_end = stages.iter().map(|s| s.end).max();
        let extensions: Vec<Extension> = evidence
            .events
            .iter()
            .filter(|x| {
                x.event.id == "dispute_period_extended"
                    && x.date >= e.date
                    && last_stage_end.is_some_and(|end| x.date <= end)
            })
            .map(|x| Extension {
                date: x.date,
                by: x.party.clone(),
                source: x.source.to_string(),
            })
            .collect();
        for x in &extensions {
            if !sources.contains(&x.source) {
                sources.push(x.source.clone());
            }
        }
        if let Some(first) = extensions.first() {
            for s in &mut stages {
                s.extended = s.end > first.date;
            }
        }
        let (outcome, outcome_date) = match e.event.id {
            "snapback_notified" => match evidence.events.iter().find(|o| {
                o.event.id == "un_sanctions_reimposed"
                    && o.date >= e.date
                    && (o.date - e.date).get_days() <= SNAPBACK_OUTCOME_DAYS
            }) {
                Some(o) => {
                    sources.push(o.source.to_string());
                    (
                        Some(
                            "no resolution continuing the terminations adopted: the terminated resolutions apply again (UNSCR 2231 para. 12)"
                                .to_owned(),
                        ),
                        Some(o.date),
                    )
                }
                // The 30 days passed with no re-imposition in the record.
                None => match last_stage_end {
                    Some(end) if evidence.events.iter().any(|o| o.date > end) => {
                        let council = standing_contested_by
                            .iter()
                            .any(|p| p.eq_ignore_ascii_case("UNSC"));
                        (
                            Some(format!(
                                "no re-imposition recorded after the 30th day{}",
                                if council {
                                    ": the Council took no action on the notification, whose standing was contested"
                                } else {
                                    ""
                                }
                            )),
                            Some(end),
                        )
                    }
                    _ => (None, None),
                },
            },
            "dispute_mechanism_invoked" => match evidence.events.iter().find(|o| {
                o.event.id == "snapback_notified"
                    && o.date > e.date
                    && o.party.eq_ignore_ascii_case(&e.party)
            }) {
                Some(o) => {
                    sources.push(o.source.to_string());
                    (
                        Some("referred to the Security Council: snapback notified".to_owned()),
                        Some(o.date),
                    )
                }
                None => (None, None),
            },
            _ => (None, None),
        };
        disputes.push(Dispute {
            id: format!("{mech}-{}-{}", e.date, e.party.trim().to_lowercase()),
            mechanism: mech,
            raised_by: e.party.clone(),
            notified: e.date,
            stages,
            extensions,
            outcome,
            outcome_date,
            standing_contested_by,
            sources,
        });
    }
    disputes.sort_by(|a, b| (a.notified, &a.id).cmp(&(b.notified, &b.id)));
    DisputesDoc {
        agreement: agreement.id.clone(),
        disputes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_record_holds_the_2020_referral_and_the_2025_snapback() {
        let a = crate::assess::shipped_agreement().unwrap();
        let ev = verity_evidence::shipped::load().unwrap();
        let doc = list(&a, &ev);
        // The E3 invoked para. 36 on 14 January 2020: Joint Commission 15 days,
        // Ministers / Advisory Board 15, Joint Commission on the opinion 5.
        let e3 = doc
            .disputes
            .iter()
            .find(|d| d.id == "para36-2020-01-14-e3")
            .expect("the E3's referral");
        let ends: Vec<String> = e3
            .stages
            .iter()
            .filter(|s| s.procedure == "participants.dispute_resolution")
            .map(|s| s.end.to_string())
            .collect();
        assert_eq!(ends, ["2020-01-29", "2020-02-13", "2020-02-18"]);
        // The coordinator extended the periods by consensus on 24 January 2020, inside
        // the first 15 days: every stage is open-ended from then.
        assert_eq!(e3.extensions.len(), 1);
        assert_eq!(e3.extensions[0].date.to_string(), "2020-01-24");
        assert!(e3.stages.iter().all(|s| s.extended));
        // The Joint Commission's own review of the same referral is listed beside it.
        assert!(
            e3.stages
                .iter()
                .any(|s| s.procedure == "joint_commission.dispute_review")
        );
        // The US notified on 20 August 2020; 13 of 15 Council members, the E3 among
        // them, held it had no standing, and the Council President took no further action
        // (25 August 2020, TASS). The 30 days ran to 19 September 2020 without
        // re-imposition.
        let us = doc
            .disputes
            .iter()
            .find(|d| d.id == "snapback-2020-08-20-us")
            .expect("the US notification of 2020");
        assert_eq!(us.stages.len(), 3, "{:?}", us.stages);
        assert!(us.stages.iter().all(|s| s.end.to_string() == "2020-09-19"));
        for p in ["E3", "Russia", "UNSC"] {
            assert!(us.standing_contested_by.iter().any(|x| x == p), "{p}");
        }
        assert_eq!(
            us.outcome_date.map(|d| d.to_string()).as_deref(),
            Some("2020-09-19")
        );
        assert!(
            us.outcome
                .as_deref()
                .is_some_and(|o| o.starts_with("no re-imposition"))
        );
        // The E3 notified snapback on 28 August 2025; the old resolutions applied
        // again after the 30th day (27–28 September 2025).
        let snap = doc
            .disputes
            .iter()
            .find(|d| d.id == "snapback-2025-08-28-e3")
            .expect("the 2025 snapback");
        let mut against = snap.standing_contested_by.clone();
        against.sort();
        assert_eq!(against, ["China", "Iran", "Russia"]);
        assert_eq!(snap.notified.to_string(), "2025-08-28");
        assert!(
            snap.stages
                .iter()
                .all(|s| s.end.to_string() == "2025-09-27")
        );
        let out = snap.outcome_date.expect("an outcome").to_string();
        assert!(
            out.as_str() >= "2025-09-27" && out.as_str() <= "2025-09-28",
            "{out}"
        );
        assert!(
            doc.disputes
                .windows(2)
                .all(|w| w[0].notified <= w[1].notified)
        );
        // Iran's referrals (2016–2020) are recorded with their stages and no outcome.
        let iran = doc
            .disputes
            .iter()
            .filter(|d| d.raised_by == "Iran")
            .count();
        assert!(iran >= 5, "{iran}");
    }
}
