//! Starting states: the programme a deal would apply to. From the record (the app
//! layer builds one from a report's figures) or named here with their sources.

use serde::Serialize;
use verity_agreement::{Offset, add_offset};
use verity_vocab::{Date, MachineType, Site};

/// A stock at the start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StartStock {
    pub assay_pct: f64,
    pub kg_u: f64,
}

/// Machines of a type at a site at the start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StartMachines {
    #[serde(serialize_with = "ser_machine")]
    pub machine: MachineType,
    #[serde(serialize_with = "ser_site")]
    pub site: Option<Site>,
    pub enriching: u32,
    /// Installed (≥ enriching): the machines a deal would store or remove.
    pub installed: u32,
}

fn ser_machine<S: serde::Serializer>(m: &MachineType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.label())
}

fn ser_date<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

fn ser_site<S: serde::Serializer>(m: &Option<Site>, s: S) -> Result<S::Ok, S::Error> {
    match m {
        Some(site) => s.serialize_str(site.as_str()),
        None => s.serialize_none(),
    }
}

/// The programme a deal starts from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StartState {
    /// A named state, or the report the figures come from.
    pub name: String,
    /// The date the figures describe; year 0 of the deal.
    #[serde(serialize_with = "ser_date")]
    pub date: Date,
    pub source: String,
    pub stocks: Vec<StartStock>,
    pub machines: Vec<StartMachines>,
    /// The pace at which the programme has shown it can install machines, where the
    /// record shows one: a floor on the reinstallation rate of a breakout from this
    /// state (a party that has installed N a month can reinstall stored machines at
    /// least as fast), whatever a proposal assumes.
    pub install_rate: Option<InstallRate>,
    /// What the figures leave out, or where they are carried forward.
    pub notes: Vec<String>,
}

/// A demonstrated installation pace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstallRate {
    /// Machines a month.
    pub per_month: f64,
    pub source: String,
}

/// Machines Iran installed from 27 May to 29 August 2024: 3,226 in 19 cascades (IAEA
/// figures as ISIS counts them, "Iranian Breakout Timelines Under JCPOA-Type Limits",
/// May 2025: "six cascades per month").
const INSTALLED_MAY_AUG_2024: f64 = 3226.0;
/// 27 May to 29 August 2024, days.
const MAY_AUG_2024_DAYS: f64 = 94.0;

/// The installation pace the record shows by `date`: from the IAEA report of 29
/// August 2024 on, the 3,226 machines installed in the 94 days before it (1,045 a
/// month, derived); none before.
pub fn demonstrated_install_rate(date: Date) -> Option<InstallRate> {
    (date >= Date::constant(2024, 8, 29)).then(|| InstallRate {
        per_month: INSTALLED_MAY_AUG_2024 / (MAY_AUG_2024_DAYS / crate::model::DAYS_PER_MONTH),
        source: "demonstrated installation pace: 3,226 centrifuges in 19 cascades from 27 May to 29 Aug 2024 (IAEA figures, ISIS, 'Iranian Breakout Timelines Under JCPOA-Type Limits', May 2025: 'six cascades per month'), derived 3,226 ÷ (94 days ÷ 30.44) = 1,045 machines a month".into(),
    })
}

impl StartState {
    /// The date `years` after the start.
    pub fn date_plus_years(&self, years: u32) -> String {
        let off = Offset {
            years: i32::try_from(years).unwrap_or(i32::MAX),
            months: 0,
            days: 0,
        };
        add_offset(self.date, off).map_or_else(
            || format!("{} + {years} years", self.date),
            |d| d.to_string(),
        )
    }
}

/// A named state and how to build it.
pub struct NamedState {
    pub name: &'static str,
    pub title: &'static str,
    pub build: fn() -> StartState,
}

/// The named starting states.
pub const NAMED: &[NamedState] = &[NamedState {
    name: "pre-deal-2015",
    title: "Iran's programme before the JCPOA (IAEA reports of 2015)",
    build: pre_deal_2015,
}];

/// Looks a named state up.
pub fn named(name: &str) -> Option<StartState> {
    NAMED.iter().find(|n| n.name == name).map(|n| (n.build)())
}

/// The programme under the Joint Plan of Action, before the JCPOA: the figures the
/// IAEA reported in 2015 and the US government's "two to three months" rested on.
fn pre_deal_2015() -> StartState {
    StartState {
        name: "pre-deal-2015".into(),
        date: Date::constant(2015, 7, 14),
        source: "IAEA reports under the Joint Plan of Action, 2015 (GOV/2015/15, February 2015: 7,952.9 kg UF6 enriched up to 5 %; GOV/2015/50, August 2015: about 15,420 IR-1 installed at Natanz FEP of which about 9,156 enriching, about 1,000 IR-2m installed and not enriching, 696 IR-1 enriching at Fordow of about 2,710 installed), as summarised by the Foundation for Defense of Democracies and the Arms Control Association; the White House 'Parameters' (2 Apr 2015): breakout 'currently assessed to be 2 to 3 months'".into(),
        stocks: vec![StartStock {
            assay_pct: 3.5,
            // 7,952.9 kg UF6 × 0.676 kg U / kg UF6.
            kg_u: 5376.2,
        }],
        machines: vec![
            StartMachines {
                machine: MachineType::Ir1,
                site: Some(Site::NatanzFep),
                enriching: 9156,
                installed: 15420,
            },
            StartMachines {
                machine: MachineType::Ir2m,
                site: Some(Site::NatanzFep),
                enriching: 0,
                installed: 1000,
            },
            StartMachines {
                machine: MachineType::Ir1,
                site: Some(Site::Fordow),
                enriching: 696,
                installed: 2710,
            },
        ],
        // The US estimate of 2015 counted no reinstallation in a breakout.
        install_rate: None,
        notes: vec![
            "the stock is counted at 3.5 %, the level of most of Iran's LEU product up to 5 % (IAEA)".into(),
            "the 1,000 IR-2m and the Fordow figures are secondary summaries' (FDD 2016; the 2,710 installed at Fordow is unconfirmed: the plant was built for 16 cascades of 174, 2,784 machines)".into(),
            "the 20 % stock had been down-blended or converted under the Joint Plan of Action and is left out".into(),
        ],
    }
}
