//! The centrifuge catalogue: separative capacity per machine-year (kg-SWU/yr) of the
//! types that matter for breakout estimates, as a low / central / high triple, each
//! figure with the published source it comes from.
//!
//! These are *effective* figures for machines operating in cascades (what analysts use
//! for breakout estimates), not ideal single-machine values.

use serde::Serialize;

use crate::PhysicsError;

/// One figure of the catalogue and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Figure {
    /// kg-SWU per machine-year.
    pub swu_per_year: f64,
    /// The publication (and, where known, the place in it) the figure comes from.
    pub source: &'static str,
}

/// One centrifuge type.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Centrifuge {
    /// Catalogue name, as typed on the command line (`IR-1`, `IR-2m`, …).
    pub name: &'static str,
    pub description: &'static str,
    pub low: Figure,
    pub central: Figure,
    pub high: Figure,
}

/// Which figure of the catalogue to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Performance {
    Low,
    Central,
    High,
}

impl Centrifuge {
    pub fn figure(&self, p: Performance) -> f64 {
        match p {
            Performance::Low => self.low.swu_per_year,
            Performance::Central => self.central.swu_per_year,
            Performance::High => self.high.swu_per_year,
        }
    }
}

const HEINONEN_2015: &str = "O. Heinonen, \"Iran's Nuclear Breakout Time: A Fact Sheet\", Washington Institute PolicyWatch 2394 (Mar 2015)";

/// The catalogue, in a stable order.
pub const CATALOGUE: &[Centrifuge] = &[
    Centrifuge {
        name: "IR-1",
        description: "Iran's first-generation machine, a copy of the P-1 (aluminium rotor, ~1.8 m)",
        low: Figure {
            swu_per_year: 0.75,
            source: HEINONEN_2015,
        },
        central: Figure {
            swu_per_year: 0.9,
            source: "midpoint of the 0.75–1.0 operational range in Heinonen 2015 (PolicyWatch 2394)",
        },
        high: Figure {
            // 150 kg/month of 3.5 % LEU from ~5,860 IR-1 at 0.4 % tails: 6,545 SWU/yr.
            swu_per_year: 1.12,
            source: "derived from D. Albright & C. Walrond, \"Performance of the IR-1 Centrifuge at Natanz\", ISIS, 19 Oct 2011 (150 kg/month of 3.5 % LEU from ~5,860 machines at 0.4 % tails)",
        },
    },
    Centrifuge {
        name: "IR-2m",
        description: "carbon-fibre rotor derived from the P-2 design",
        low: Figure {
            swu_per_year: 3.0,
            source: "ISIS, \"Iran's Advanced Centrifuges\", 19 Oct 2011 (3–5 SWU/yr range)",
        },
        central: Figure {
            swu_per_year: 3.75,
            source: "ISIS breakout estimates (Albright & Burkhard, \"Iranian Breakout Estimates and Enriched Uranium Stocks\", 21 Apr 2020): ~3.5–4 in practice",
        },
        high: Figure {
            swu_per_year: 5.0,
            source: "Heinonen 2015 (PolicyWatch 2394): IR-2m \"rated at 5 SWU/yr\"",
        },
    },
    Centrifuge {
        name: "IR-4",
        description: "carbon-fibre rotor with carbon-fibre bellows, same size as the IR-2m",
        low: Figure {
            swu_per_year: 3.0,
            source: "ISIS, \"Iran's Advanced Centrifuges\", 19 Oct 2011; D. Albright, ISIS IR-8 technical note, 23 Sep 2014: IR-2m and IR-4 similar in output",
        },
        central: Figure {
            swu_per_year: 3.75,
            source: "as IR-2m (ISIS IR-8 technical note, 23 Sep 2014: \"IR-2m and IR-4 are similar in output\")",
        },
        high: Figure {
            swu_per_year: 5.0,
            source: "as IR-2m rating (Heinonen 2015, PolicyWatch 2394)",
        },
    },
    Centrifuge {
        name: "IR-6",
        description: "Iran's most deployed advanced machine in 2024–25, cascades of 174",
        low: Figure {
            // "More than fourfold" the IR-1 central figure of 0.9.
            swu_per_year: 3.6,
            source: "ISIS via Homeland Security Newswire, \"Iranian Breakout Timelines Under JCPOA-Type Limits\", May 2025: each advanced type exceeds the IR-1 output more than fourfold",
        },
        central: Figure {
            swu_per_year: 5.0,
            source: "D. Albright & S. Burkhard, \"The IR-6 Centrifuge Needs Further Development\", ISIS, 14 Jul 2022: about half of its ~10 SWU/yr single-machine theoretical value",
        },
        high: Figure {
            swu_per_year: 6.7,
            source: "same ISIS note (14 Jul 2022): about two thirds of the expected value",
        },
    },
    Centrifuge {
        name: "P-1",
        description: "Pakistan's first-generation design (from the Dutch CNOR/SNOR), aluminium rotor",
        low: Figure {
            swu_per_year: 1.0,
            source: "H. G. Wood, A. Glaser, R. S. Kemp, \"The gas centrifuge and nuclear weapons proliferation\", Physics Today 61(9):40 (2008): P-1 class 1–3 SWU/yr",
        },
        central: Figure {
            swu_per_year: 2.0,
            source: "midpoint of the 1–3 SWU/yr range of Wood, Glaser & Kemp 2008",
        },
        high: Figure {
            swu_per_year: 3.0,
            source: "Wood, Glaser & Kemp 2008 (Physics Today 61(9):40), upper end for P-1 class",
        },
    },
    Centrifuge {
        name: "P-2",
        description: "Pakistan's second-generation design (maraging-steel rotor, from the German G-2)",
        low: Figure {
            swu_per_year: 5.0,
            source: "Wood, Glaser & Kemp 2008 (Physics Today 61(9):40): P-2 class ~5 SWU/yr",
        },
        central: Figure {
            swu_per_year: 5.0,
            source: "Wood, Glaser & Kemp 2008; Heinonen 2015 rates the P-2-derived IR-2m at 5",
        },
        high: Figure {
            swu_per_year: 6.0,
            source: "A. Glaser, Science & Global Security 16:1–25 (2008), P-2-type design ~5–6 SWU/yr",
        },
    },
];

/// Looks a type up by name (case-insensitive: `ir-2m`, `IR-2M` and `IR-2m` are one).
pub fn find(name: &str) -> Result<&'static Centrifuge, PhysicsError> {
    CATALOGUE
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| PhysicsError::UnknownCentrifuge {
            name: name.to_owned(),
            known: CATALOGUE
                .iter()
                .map(|c| c.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_ordered_and_sourced() {
        for c in CATALOGUE {
            assert!(c.low.swu_per_year > 0.0, "{}", c.name);
            assert!(c.low.swu_per_year <= c.central.swu_per_year, "{}", c.name);
            assert!(c.central.swu_per_year <= c.high.swu_per_year, "{}", c.name);
            for f in [c.low, c.central, c.high] {
                assert!(f.source.len() > 20, "{} needs a source", c.name);
            }
        }
        let names: Vec<_> = CATALOGUE.iter().map(|c| c.name).collect();
        assert_eq!(names, ["IR-1", "IR-2m", "IR-4", "IR-6", "P-1", "P-2"]);
    }

    #[test]
    fn lookup_is_case_insensitive_and_names_the_known_types() {
        assert_eq!(find("ir-2M").unwrap().name, "IR-2m");
        let err = find("IR-9").unwrap_err().to_string();
        assert!(err.contains("IR-9") && err.contains("IR-6"), "{err}");
    }
}
