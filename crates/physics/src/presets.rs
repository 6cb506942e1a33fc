//! Named breakout scenarios: stocks and centrifuges read from the JCPOA and from IAEA
//! reports, each figure with its source.

use serde::Serialize;

use crate::breakout::{BreakoutInput, Capacity, MachineCount, Stock};
use crate::{Assay, KgU, PhysicsError};

/// A stock of a preset and where the figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PresetStock {
    pub assay_pct: f64,
    pub kg_u: f64,
    pub source: &'static str,
}

/// Machines of a preset and where the count comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PresetMachines {
    pub kind: &'static str,
    pub count: u32,
    /// Where they are: `natanz_fep`, `natanz_pfep` or `fordow` (the vocabulary's site
    /// ids).
    pub site: &'static str,
    pub source: &'static str,
}

/// A named scenario.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Preset {
    pub name: &'static str,
    pub title: &'static str,
    /// The date the figures describe (ISO 8601).
    pub as_of: &'static str,
    pub stocks: &'static [PresetStock],
    pub machines: &'static [PresetMachines],
    /// What the scenario leaves out or assumes.
    pub notes: &'static str,
}

impl Preset {
    /// The breakout input of this scenario with the crate's defaults (central machine
    /// figures, 0.3 % tails, 1 SQ at 90 %, natural uranium available).
    pub fn input(&self) -> Result<BreakoutInput, PhysicsError> {
        self.input_at(None)
    }

    /// The sites this scenario has machines at.
    pub fn sites(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self.machines.iter().map(|m| m.site).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Like [`Preset::input`], with only the machines at `site` (all stocks: material
    /// can be moved between sites, as published single-site estimates assume).
    pub fn input_at(&self, site: Option<&str>) -> Result<BreakoutInput, PhysicsError> {
        if let Some(site) = site
            && !self.machines.iter().any(|m| m.site == site)
        {
            return Err(PhysicsError::InvalidParameter {
                field: "site".into(),
                reason: format!(
                    "preset {} has machines only at {}",
                    self.name,
                    self.sites().join(", ")
                ),
            });
        }
        let stocks = self
            .stocks
            .iter()
            .map(|s| {
                Ok(Stock {
                    assay: Assay::from_pct(s.assay_pct)?,
                    kg_u: KgU::new(s.kg_u)?,
                })
            })
            .collect::<Result<Vec<_>, PhysicsError>>()?;
        let machines = self
            .machines
            .iter()
            .filter(|m| site.is_none_or(|s| s == m.site))
            .map(|m| MachineCount {
                kind: m.kind.to_owned(),
                count: m.count,
            })
            .collect();
        Ok(BreakoutInput::new(stocks, Capacity::Centrifuges(machines)))
    }
}

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "jcpoa-limits",
        title: "Iran at the JCPOA limits",
        as_of: "2016-01-16",
        stocks: &[PresetStock {
            assay_pct: 3.67,
            kg_u: 202.8,
            source: "JCPOA Annex I §J para 56 (300 kg UF6 of up to 3.67 %); 202.8 kg U is the IAEA's equivalent mass of uranium (GOV/2016/8 onwards)",
        }],
        machines: &[PresetMachines {
            kind: "IR-1",
            count: 5060,
            site: "natanz_fep",
            source: "JCPOA main text para 2 and Annex I §F para 27: up to 5,060 IR-1 enriching at Natanz FEP for 10 years",
        }],
        notes: "The 1,044 IR-1 kept at Fordow are not enriching under the JCPOA and are left out.",
    },
    Preset {
        name: "iaea-2021-02",
        title: "Iran in February 2021 (IAEA GOV/2021/10)",
        as_of: "2021-02-16",
        stocks: &[
            PresetStock {
                assay_pct: 19.75,
                kg_u: 17.6,
                source: "GOV/2021/10 (23 Feb 2021): 17.6 kg U enriched up to 20 % as of 16 Feb 2021 (reported by Reuters; ISIS analysis 25 Feb 2021)",
            },
            PresetStock {
                assay_pct: 4.5,
                kg_u: 2950.2,
                source: "GOV/2021/10: total enriched uranium 2,967.8 kg U less the 17.6 kg at 20 %; counted at 4.5 %, the highest level Iran then produced below 20 % (an upper bound: part of it was enriched only up to 2 %)",
            },
        ],
        machines: &[
            PresetMachines {
                kind: "IR-1",
                count: 5060,
                site: "natanz_fep",
                source: "5,060 IR-1 in 30 cascades enriching at Natanz FEP (IAEA report of 1 Mar 2021 as quoted by Reuters)",
            },
            PresetMachines {
                kind: "IR-1",
                count: 1044,
                site: "fordow",
                source: "1,044 IR-1 enriching to 20 % at Fordow since 4 Jan 2021 (ISIS analysis of GOV/2021/10, 25 Feb 2021, item 1)",
            },
            PresetMachines {
                kind: "IR-2m",
                count: 348,
                site: "natanz_fep",
                source: "two cascades of 174 IR-2m enriching at Natanz FEP before the third was fed on 7 Mar 2021 (IAEA report quoted by Reuters, 8 Mar 2021)",
            },
        ],
        notes: "IR-4 and further IR-2m cascades started only in March 2021 and are left out; R&D machines at the PFEP are left out.",
    },
    Preset {
        name: "iaea-2025-05",
        title: "Iran in May 2025 (IAEA GOV/2025/24)",
        as_of: "2025-05-17",
        stocks: &[PresetStock {
            assay_pct: 60.0,
            kg_u: 408.6,
            source: "GOV/2025/24 (31 May 2025; id per Iran's explanatory note on it): 408.6 kg U enriched up to 60 % as of 17 May 2025 (reported by AP, 31 May 2025)",
        }],
        machines: &[PresetMachines {
            kind: "IR-6",
            count: 1392,
            site: "fordow",
            source: "eight cascades of 174 IR-6 in Fordow FFEP Unit 1 (IAEA report of 13 Jun 2024 as quoted by Reuters; installation completed by Aug 2024, AP 29 Aug 2024)",
        }],
        notes: "A deliberately low capacity: only the Fordow Unit 1 IR-6 cascades (ISIS counted 13,555 advanced machines installed in Feb 2025), so the time is an upper bound. The other 8,839 kg of the 9,247.6 kg total are below 60 % and are left out: for 1 SQ the least-SWU plan does not use them.",
    },
];

/// Looks a preset up by name.
pub fn find(name: &str) -> Result<&'static Preset, PhysicsError> {
    PRESETS
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| PhysicsError::UnknownPreset {
            name: name.to_owned(),
            known: PRESETS
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_sourced() {
        for p in PRESETS {
            let input = p.input().unwrap();
            assert!(!input.stocks.is_empty());
            for s in p.stocks {
                assert!(s.source.len() > 20, "{}", p.name);
            }
            for m in p.machines {
                crate::centrifuge::find(m.kind).unwrap();
                assert!(m.source.len() > 20, "{}", p.name);
            }
        }
        assert!(
            find("nope")
                .unwrap_err()
                .to_string()
                .contains("jcpoa-limits")
        );
    }

    #[test]
    fn jcpoa_preset_is_300_kg_uf6() {
        let p = find("jcpoa-limits").unwrap();
        // 300 kg UF6 / 1.4790 kg UF6 per kg U = 202.84 kg U.
        assert!((p.stocks[0].kg_u - 300.0 / 1.4790).abs() < 0.1);
    }
}
