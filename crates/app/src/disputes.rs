//! Dispute resolution and snapback as records: every invocation of a procedure of the
//! agreement (its trigger event in the record — JCPOA para. 36, UNSCR 2231 paras.
//! 11–12), with who raised it and when, the stages the procedure's steps give from the
//! notification, and the outcome the record shows. [`DisputesDoc`] is the
//! `verity disputes --json` document and `GET /api/v1/disputes`.

use serde::Serialize;
use verity_agreement::{Agreement, ObligationKind};
use verity_evidence::EvidenceSet;
use verity_vocab::Date;

/// Days within which a re-imposition is the outcome of a snapback notification: the 30
/// of UNSCR 2231 para. 12 and the days the Council's record takes to state it.
const SNAPBACK_OUTCOME_DAYS: i32 = 45;

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub name: String,
    pub start: Date,
    pub end: Date,
    /// The procedure (obligation id) the stage is a step of, and its citation.
    pub procedure: String,
    pub cite: String,
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
    /// What the record shows came of it, if anything.
    pub outcome: Option<String>,
    pub outcome_date: Option<Date>,
    /// Parties that contest the invoking party's standing, where the record holds their
    /// statements (none is recorded yet).
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

#[derive(Debug, Clone, Serialize)]
pub struct DisputesDoc {
    pub agreement: String,
    pub disputes: Vec<Dispute>,
}

fn mechanism(trigger: &str) -> String {
    match trigger {
        "dispute_mechanism_invoked" => "para36".to_owned(),
        "snapback_notified" => "snapback".to_owned(),
        other => other.to_owned(),
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
        let mech = mechanism(e.event.id);
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
                });
                start = end;
            }
        }
        let mut sources = vec![e.source.to_string()];
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
                None => (None, None),
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
            outcome,
            outcome_date,
            standing_contested_by: Vec::new(),
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
        // The Joint Commission's own review of the same referral is listed beside it.
        assert!(
            e3.stages
                .iter()
                .any(|s| s.procedure == "joint_commission.dispute_review")
        );
        // The E3 notified snapback on 28 August 2025; the old resolutions applied
        // again after the 30th day (27–28 September 2025).
        let snap = doc
            .disputes
            .iter()
            .find(|d| d.mechanism == "snapback")
            .expect("the 2025 snapback");
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
