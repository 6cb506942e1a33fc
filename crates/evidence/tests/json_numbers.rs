//! Numbers in JSON evidence are read exactly as written (correctly rounded), so a set
//! printed with `to_json` imports back to the same figures. (The fuzz target found
//! 3.7999999999999996e24 coming back as 3.8e24 through serde_json's own float parse.)

use verity_evidence::{Input, import, to_json};

#[test]
fn json_numbers_round_trip_exactly() {
    for v in [
        "3.7999999999999996e24",
        "202.8",
        "0.1",
        "1e-300",
        "123456789.12345678",
    ] {
        let text = format!(
            r#"{{"measurements":[{{"date":"2020-01-01","party":"Iran","metric":"enriched_uranium_stock","value":{v},"unit":"kg_u","basis":"verified","source":"GOV/X","report_date":"2020-01-02","grade":"primary"}}]}}"#
        );
        let set = import(&[Input::new("n.json", &text)]).expect("imports");
        let want: f64 = v.parse().expect("number");
        assert_eq!(set.measurements[0].quantity.value, Some(want), "{v}");
        let again = import(&[Input::new("again.json", &to_json(&set).to_string())]).expect("again");
        assert_eq!(to_json(&again), to_json(&set), "{v}");
    }
}
