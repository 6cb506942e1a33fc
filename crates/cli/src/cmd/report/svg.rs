//! A small plotter: time series on a log-y, date-x axis as inline SVG, so an HTML
//! report needs no external assets. It draws what it is given.

use std::fmt::Write as _;

use verity_evidence::fmt_num;
use verity_vocab::Date;

use super::html::esc;

/// Days since 1970-01-01, for plotting dates on a linear axis.
fn day_number(d: Date) -> f64 {
    let epoch = Date::constant(1970, 1, 1);
    (d - epoch).get_days() as f64
}

/// One line of a plot: label, colour, points.
pub type Series<'p> = (&'p str, &'p str, Vec<(Date, f64)>);

/// A plot of one or more series on a log-y, date-x axis, as inline SVG.
pub struct Plot<'p> {
    pub title: &'p str,
    pub y_label: &'p str,
    pub series: Vec<Series<'p>>,
    /// (low, high) band under the first series.
    pub band: Vec<(Date, f64, f64)>,
    /// A horizontal line: (value, label).
    pub hline: Option<(f64, String)>,
}

impl Plot<'_> {
    pub fn svg(&self) -> String {
        let (w, h, ml, mr, mt, mb) = (760.0, 300.0, 64.0, 16.0, 28.0, 36.0);
        let all_x: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.2.iter().map(|(d, _)| day_number(*d)))
            .chain(self.band.iter().map(|(d, _, _)| day_number(*d)))
            .collect();
        let all_y: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.2.iter().map(|(_, v)| *v))
            .chain(self.band.iter().flat_map(|(_, a, b)| [*a, *b]))
            .chain(self.hline.iter().map(|(v, _)| *v))
            .filter(|v| *v > 0.0)
            .collect();
        if all_x.is_empty() || all_y.is_empty() {
            return String::new();
        }
        let (x0, x1) = all_x
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
        let (x0, x1) = (x0 - 30.0, x1 + 30.0);
        let ymin = all_y.iter().copied().fold(f64::MAX, f64::min);
        let ymax = all_y.iter().copied().fold(f64::MIN, f64::max);
        let (l0, l1) = (
            ymin.log10().floor(),
            ymax.log10().ceil().max(ymin.log10().floor() + 1.0),
        );
        let px = |x: f64| ml + (x - x0) / (x1 - x0) * (w - ml - mr);
        let py = |y: f64| mt + (1.0 - (y.max(1e-9).log10() - l0) / (l1 - l0)) * (h - mt - mb);
        let mut s = String::new();
        let _ = write!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-label="{t}"><title>{t}</title><text x="{ml}" y="18" class="pt">{t}</text>"##,
            t = esc(self.title)
        );
        // Decades.
        let mut e = l0;
        while e <= l1 {
            let y = py(10f64.powf(e));
            let _ = write!(
                s,
                r##"<line x1="{ml}" x2="{}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{}" y="{:.1}" class="ax" text-anchor="end">{}</text>"##,
                w - mr,
                ml - 6.0,
                y + 4.0,
                fmt_num(10f64.powf(e))
            );
            e += 1.0;
        }
        // Years.
        let dates = self
            .series
            .iter()
            .flat_map(|s| s.2.iter().map(|(d, _)| *d))
            .chain(self.band.iter().map(|(d, _, _)| *d));
        let first_year = dates.clone().min().map_or(2015, |d| d.year());
        let last_year = dates.max().map_or(2026, |d| d.year() + 1);
        for y in first_year..=last_year {
            let Ok(d) = Date::new(y, 1, 1) else { continue };
            let x = day_number(d);
            if x < x0 || x > x1 {
                continue;
            }
            let _ = write!(
                s,
                r##"<line x1="{0:.1}" x2="{0:.1}" y1="{mt}" y2="{1}" class="grid"/><text x="{0:.1}" y="{2}" class="ax" text-anchor="middle">{y}</text>"##,
                px(x),
                h - mb,
                h - mb + 16.0
            );
        }
        let _ = write!(
            s,
            r##"<text x="14" y="{:.1}" class="ax" transform="rotate(-90 14 {:.1})" text-anchor="middle">{}</text>"##,
            (h - mb + mt) / 2.0,
            (h - mb + mt) / 2.0,
            esc(self.y_label)
        );
        if !self.band.is_empty() {
            let mut pts: Vec<String> = self
                .band
                .iter()
                .map(|(d, _, hi)| format!("{:.1},{:.1}", px(day_number(*d)), py(*hi)))
                .collect();
            pts.extend(
                self.band
                    .iter()
                    .rev()
                    .map(|(d, lo, _)| format!("{:.1},{:.1}", px(day_number(*d)), py(*lo))),
            );
            let _ = write!(s, r##"<polygon points="{}" class="band"/>"##, pts.join(" "));
        }
        if let Some((v, label)) = &self.hline {
            let y = py(*v);
            let _ = write!(
                s,
                r##"<line x1="{ml}" x2="{}" y1="{y:.1}" y2="{y:.1}" class="limit"/><text x="{}" y="{:.1}" class="lim" text-anchor="end">{}</text>"##,
                w - mr,
                w - mr - 4.0,
                y - 5.0,
                esc(label)
            );
        }
        for (i, (label, colour, pts)) in self.series.iter().enumerate() {
            let path: Vec<String> = pts
                .iter()
                .map(|(d, v)| format!("{:.1},{:.1}", px(day_number(*d)), py(*v)))
                .collect();
            let _ = write!(
                s,
                r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"##,
                path.join(" ")
            );
            for (d, v) in pts {
                let _ = write!(
                    s,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{} {}: {}</title></circle>"##,
                    px(day_number(*d)),
                    py(*v),
                    d,
                    esc(label),
                    fmt_num(*v)
                );
            }
            let _ = write!(
                s,
                r##"<rect x="{}" y="{}" width="10" height="10" fill="{colour}"/><text x="{}" y="{}" class="ax">{}</text>"##,
                ml + 10.0 + 170.0 * i as f64,
                mt + 6.0,
                ml + 24.0 + 170.0 * i as f64,
                mt + 15.0,
                esc(label)
            );
        }
        s.push_str("</svg>");
        s
    }
}
