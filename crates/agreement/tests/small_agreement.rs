//! A second agreement, written from scratch, shows the language is not JCPOA-specific:
//! two states and a verifier, entry into force on the later of two ratifications,
//! month-end arithmetic, an early end on withdrawal by any member of a group.

use std::collections::BTreeSet;

use verity_agreement::{Agreement, KeyDays, ObligationKind, Occurrence, parse};
use verity_vocab::Date;

const ACCORD: &str = r#"
# A fictional bilateral accord on highly enriched uranium.
[agreement]
id = "heu-accord"
title = "Accord between Atlantis and Lemuria on Highly Enriched Uranium"

[[party]]
id = "atlantis"
name = "Atlantis"

[[party]]
id = "lemuria"
name = "Lemuria"

[[party]]
id = "parties"
name = "The Parties"
members = ["atlantis", "lemuria"]

[[party]]
id = "verifier"
name = "Joint Verification Office"

[[key_day]]
id = "signature"
name = "Signature"
cite = { document = "Accord", paragraph = "Final clauses" }
when = 2030-01-31

[[key_day]]
id = "entry_into_force"
name = "Entry into force"
cite = { document = "Accord", section = "Final", paragraph = "21" }
# Thirty days after the later of the two ratifications (recorded as agreement_finalised).
when = { latest_of = [
  { event = "agreement_finalised", party = "atlantis", plus = "30 days" },
  { event = "agreement_finalised", party = "lemuria", plus = "30 days" },
] }

[[key_day]]
id = "first_review"
name = "First review"
when = "entry_into_force + 1 month"

[[key_day]]
id = "expiry"
name = "Expiry"
when = { earliest_of = [
  "entry_into_force + 5 years",
  { event = "withdrawal", party = "parties" },
] }

[[obligation]]
id = "atlantis.no_heu"
party = "atlantis"
cite = { document = "Accord", annex = "A", paragraph = "3" }
text = "One year after entry into force Atlantis holds no uranium enriched above 20 %."
kind = "limit"
metric = "enriched_uranium_stock_60pct"
op = "<="
limit = 0
unit = "kg_u"
from = "entry_into_force + 1 year"
until = "expiry"

[[obligation]]
id = "lemuria.level"
party = "lemuria"
cite = { document = "Accord", annex = "A", paragraph = "4" }
text = "Lemuria enriches uranium to less than 20 %."
kind = "limit"
metric = "max_enrichment_level"
op = "<"
limit = 20
unit = "pct_u235"
from = "entry_into_force"
until = "expiry"

[[obligation]]
id = "parties.no_reprocessing"
party = "parties"
cite = { document = "Accord", paragraph = "5" }
text = "Neither Party reprocesses spent fuel."
kind = "prohibition"
event = "reprocessing"
from = "entry_into_force"
until = "expiry"

[[obligation]]
id = "verifier.first_report"
party = "verifier"
cite = { document = "Accord", paragraph = "9" }
text = "The Office reports on the Parties' initial declarations by the first review."
kind = "undertaking"
event = "iaea_verified_implementation"
by = "first_review"
from = "entry_into_force"
until = "first_review + 1 day"

[[obligation]]
id = "parties.consultation"
party = "parties"
cite = { document = "Accord", paragraph = "12" }
text = "A Party may request consultations; the Parties meet within 10 days and report within 20 more."
kind = "procedure"
trigger = "dispute_mechanism_invoked"
steps = [
  { name = "Meeting", days = 10 },
  { name = "Report", days = 20 },
]
from = "signature"
"#;

fn d(s: &str) -> Date {
    s.parse().expect("test date")
}

fn occ(event: &str, party: &str, date: &str) -> Occurrence {
    Occurrence {
        event: event.into(),
        party: party.into(),
        date: d(date),
    }
}

fn accord() -> Agreement {
    parse(ACCORD, "accord.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn in_force(a: &Agreement, kd: &KeyDays, date: &str) -> BTreeSet<&'static str> {
    a.obligations_in_force(d(date), kd)
        .into_iter()
        .map(|o| match o.id.as_str() {
            "atlantis.no_heu" => "atlantis.no_heu",
            "lemuria.level" => "lemuria.level",
            "parties.no_reprocessing" => "parties.no_reprocessing",
            "verifier.first_report" => "verifier.first_report",
            "parties.consultation" => "parties.consultation",
            other => panic!("unexpected {other}"),
        })
        .collect()
}

const RATIFIED: [(&str, &str, &str); 2] = [
    ("agreement_finalised", "atlantis", "2030-02-10"),
    ("agreement_finalised", "Lemuria", "2030-03-01"),
];

fn ratified() -> Vec<Occurrence> {
    RATIFIED.iter().map(|(e, p, t)| occ(e, p, t)).collect()
}

#[test]
fn key_days_follow_the_later_ratification_and_clamp_month_ends() {
    let a = accord();
    let kd = a.resolve_key_days(&ratified());
    // max(2030-02-10 + 30 d, 2030-03-01 + 30 d) = 2030-03-31; + 1 month = 2030-04-30.
    assert_eq!(kd.get("signature"), Some(d("2030-01-31")));
    assert_eq!(kd.get("entry_into_force"), Some(d("2030-03-31")));
    assert_eq!(kd.get("first_review"), Some(d("2030-04-30")));
    assert_eq!(kd.get("expiry"), Some(d("2035-03-31")));
}

#[test]
fn one_ratification_is_not_enough() {
    let a = accord();
    let kd = a.resolve_key_days(&ratified()[..1]);
    assert_eq!(kd.get("entry_into_force"), None);
    assert_eq!(kd.get("first_review"), None);
    assert_eq!(kd.get("expiry"), None);
    // Only the consultation procedure, which runs from signature, is in force.
    assert_eq!(
        in_force(&a, &kd, "2031-01-01"),
        ["parties.consultation"].into()
    );
}

#[test]
fn withdrawal_by_any_member_ends_the_accord_early() {
    let a = accord();
    let mut ev = ratified();
    ev.push(occ("withdrawal", "lemuria", "2032-06-01"));
    let kd = a.resolve_key_days(&ev);
    assert_eq!(kd.get("expiry"), Some(d("2032-06-01")));
    assert!(in_force(&a, &kd, "2032-05-31").contains("lemuria.level"));
    assert_eq!(
        in_force(&a, &kd, "2032-06-01"),
        ["parties.consultation"].into()
    );
    // A withdrawal by a non-party does not count.
    let mut ev = ratified();
    ev.push(occ("withdrawal", "verifier", "2032-06-01"));
    assert_eq!(a.resolve_key_days(&ev).get("expiry"), Some(d("2035-03-31")));
}

#[test]
fn obligations_in_force_on_sample_dates() {
    let a = accord();
    let kd = a.resolve_key_days(&ratified());
    assert_eq!(in_force(&a, &kd, "2030-01-30"), [].into());
    assert_eq!(
        in_force(&a, &kd, "2030-01-31"),
        ["parties.consultation"].into()
    );
    assert_eq!(
        in_force(&a, &kd, "2030-04-30"),
        [
            "lemuria.level",
            "parties.consultation",
            "parties.no_reprocessing",
            "verifier.first_report"
        ]
        .into()
    );
    assert_eq!(
        in_force(&a, &kd, "2031-03-30"),
        [
            "lemuria.level",
            "parties.consultation",
            "parties.no_reprocessing"
        ]
        .into()
    );
    assert_eq!(
        in_force(&a, &kd, "2031-03-31"),
        [
            "atlantis.no_heu",
            "lemuria.level",
            "parties.consultation",
            "parties.no_reprocessing"
        ]
        .into()
    );
    assert_eq!(
        in_force(&a, &kd, "2035-03-31"),
        ["parties.consultation"].into()
    );
}

#[test]
fn parties_and_kinds() {
    let a = accord();
    let ids = |p: &str| -> Vec<String> {
        a.obligations_of(p)
            .unwrap_or_default()
            .into_iter()
            .map(|o| o.id.clone())
            .collect()
    };
    assert_eq!(
        ids("lemuria"),
        [
            "lemuria.level",
            "parties.no_reprocessing",
            "parties.consultation"
        ]
    );
    assert_eq!(
        ids("The Parties"),
        ["parties.no_reprocessing", "parties.consultation"]
    );
    assert_eq!(ids("verifier"), ["verifier.first_report"]);
    let level = a.obligation("lemuria.level").map(|o| &o.kind);
    match level {
        Some(ObligationKind::Limit { op, value, .. }) => {
            assert!(op.holds(19.75, *value));
            assert!(!op.holds(20.0, *value));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        a.obligation("parties.consultation")
            .and_then(|o| o.kind.total_days()),
        Some(30)
    );
    assert_eq!(
        a.obligation("atlantis.no_heu").map(|o| o.cite.to_string()),
        Some("Accord Annex A, para. 3".into())
    );
}
