//! The compliance engine: evaluates every obligation of an agreement against the
//! evidence, on every date the evidence speaks of, for every party.
//!
//! A verdict is one of [`Status`]: compliant, breach, indeterminate (the figure is
//! within k·σ of the limit, or an interval straddles it), cannot_verify (the inspectors
//! had lost continuity of knowledge over that metric: never "compliant" there) or
//! no_evidence. Each verdict carries the figures and sources behind it and the
//! obligation's citation, so every line of a report traces back to a paragraph.
//!
//! Limits are tested by measurements of their metric; prohibitions and undertakings are
//! tested by recorded events, for every party alike (the US and the EU as much as Iran).
//! Breakout time per report date is in [`breakout`].

pub mod breakout;
pub use breakout::{BreakoutOptions, BreakoutPoint, Skipped};
mod engine;

pub use engine::{
    Assessment, Options, ReadingView, SNAPBACK_DAYS, Status, Step, Verdict, assess, check_key_days,
    check_parties, first_breaches, party_id, resolve_party, steps,
};
