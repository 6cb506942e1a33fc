//! Malformed input of any shape is rejected with a diagnostic, never a panic.

use proptest::prelude::*;
use verity_evidence::{Input, import};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_csv_never_panics(body in "[a-z0-9_,.\"\n -]{0,200}") {
        let text = format!(
            "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,via,note\n{body}"
        );
        // Either outcome is fine; a panic fails the test.
        let _ = import(&[Input::new("p.csv", &text)]);
    }

    #[test]
    fn arbitrary_json_never_panics(body in "[\\[\\]{}:,\"a-z0-9 \n.-]{0,200}") {
        let _ = import(&[Input::new("p.json", &body)]);
    }

    #[test]
    fn every_diagnostic_is_located(v in "[a-z0-9.-]{0,8}", u in "[a-z_0-9]{0,8}") {
        let text = format!(
            "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,via,note\n\
             2019-05-20,Iran,enriched_uranium_stock,{v},,,,{u},verified,GOV/2019/21,8,2019-05-31,,\n"
        );
        if let Err(e) = import(&[Input::new("p.csv", &text)]) {
            for d in &e.diagnostics {
                prop_assert_eq!(d.line, 2);
                prop_assert!(d.col >= 1);
            }
        }
    }
}
