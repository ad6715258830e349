//! The citizen's handwritten signature on a tablet or signature pad: [`Signature`], its
//! strokes as vectors in a fixed box, and the binding that ties it to one form of one visit.
//!
//! **Units.** Points lie in a box of [`WIDTH`] × [`HEIGHT`] units (1000 × 300, the shape of
//! a paper sheet's 署名 box, about 60 mm × 18 mm: 1 unit ≈ 0.06 mm on paper), integers, origin
//! at the top left. `t` is ms since the signature's first point; pressure is in thousandths
//! (0–1000) when the pointer reports one (pen, most touch screens), absent for a mouse. The
//! pad scales what the screen gives into the box, whatever its size in pixels.
//!
//! **Stored form.** A signature's strokes are one string ([`encode_strokes`]), not one
//! Automerge object per point: a signature of a few hundred points stays a few kilobytes and
//! one operation, and is never merged point by point with another. Each stroke is a list of
//! points separated by `;`, strokes by `/`; the first point of a stroke is `x,y,t[,p]`, each
//! next one the difference from the one before (`dx,dy,dt[,dp]`), so most numbers are one or
//! two digits. Either every point of a stroke has a pressure or none has.
//!
//! **Binding.** A signature carries the visit's document id, the form, the role, the time and
//! the terminal, and is stored under its [`Signature::digest`], a SHA-256 over all of them
//! and the strokes. A copy into another visit's document says the other visit (refused as
//! [`SignatureError::Foreign`]); a copy whose visit id was rewritten no longer matches the
//! key it is stored under (refused as [`SignatureError::Altered`]). The digest is integrity,
//! not authenticity: whoever can write the document can compute one. What makes a signature
//! count is that the server pins its digest when it confirms the form
//! ([`crate::VisitDoc::signature`]) and that its capture is in the audit log
//! (`signature_captured`).
//!
//! ```
//! use shared_model::signature::{Point, Stroke, decode_strokes, encode_strokes};
//!
//! let strokes = vec![Stroke { points: vec![
//!     Point { x: 100, y: 150, t: 0, pressure: Some(400) },
//!     Point { x: 104, y: 149, t: 8, pressure: Some(420) },
//! ] }];
//! let text = encode_strokes(&strokes);
//! assert_eq!(text, "100,150,0,400;4,-1,8,20");
//! assert_eq!(decode_strokes(&text).unwrap(), strokes);
//! ```

use sha2::{Digest, Sha256};

/// Width of the signature box, in units (x runs 0..=WIDTH).
pub const WIDTH: u16 = 1000;
/// Height of the signature box, in units (y runs 0..=HEIGHT).
pub const HEIGHT: u16 = 300;
/// At most this many strokes in one signature (a long 氏名 in kanji has some 40).
pub const MAX_STROKES: usize = 200;
/// At most this many points in one signature (some 20 kB stored; a pad keeps a few hundred).
pub const MAX_POINTS: usize = 6_000;
/// A point closer than this (in units, on both axes) to the last one kept in its stroke is
/// dropped by [`SignatureDraft::extend`] unless its pressure moved: finer than a pen's line.
pub const MIN_STEP: u16 = 2;

/// Who signs. The 届出人 (or 請求者, 申請者: whoever files the form at the counter) now;
/// 代理人 and 保証人 sign boxes of their own on some sheets (印鑑登録申請書's 保証人).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum SignerRole {
    /// 届出人 / 請求者 / 申請者: the person filing the form.
    #[serde(rename = "todokedenin")]
    Notifier,
    /// 代理人: an agent filing for them.
    #[serde(rename = "dairinin")]
    Agent,
    /// 保証人: a guarantor (印鑑登録).
    #[serde(rename = "hoshounin")]
    Guarantor,
}

impl SignerRole {
    /// Every role.
    pub const ALL: [SignerRole; 3] = [
        SignerRole::Notifier,
        SignerRole::Agent,
        SignerRole::Guarantor,
    ];

    /// The stable name stored in the document and the catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            SignerRole::Notifier => "todokedenin",
            SignerRole::Agent => "dairinin",
            SignerRole::Guarantor => "hoshounin",
        }
    }

    /// The role named `name`.
    pub fn from_name(name: &str) -> Option<SignerRole> {
        SignerRole::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The role in Japanese (届出人, 代理人, 保証人).
    pub fn ja(self) -> &'static str {
        match self {
            SignerRole::Notifier => "届出人",
            SignerRole::Agent => "代理人",
            SignerRole::Guarantor => "保証人",
        }
    }
}

/// One sampled point of a stroke (units: see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Point {
    /// 0..=[`WIDTH`], left to right.
    pub x: u16,
    /// 0..=[`HEIGHT`], top to bottom.
    pub y: u16,
    /// ms since the signature's first point.
    pub t: u32,
    /// Pressure in thousandths (0–1000), when the pointer reports one.
    pub pressure: Option<u16>,
}

/// One stroke: the points from pen down to pen up.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Stroke {
    /// In the order drawn.
    pub points: Vec<Point>,
}

/// Why a signature (or its strokes) is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No stroke with a point: nothing was signed.
    #[error("the signature has no strokes")]
    Empty,
    /// More strokes or points than a signature has ([`MAX_STROKES`], [`MAX_POINTS`]).
    #[error("the signature has {strokes} strokes and {points} points, more than a signature has")]
    TooLarge {
        /// Strokes.
        strokes: usize,
        /// Points.
        points: usize,
    },
    /// A point outside the box, a pressure above 1000 or a time going back.
    #[error("stroke {stroke}, point {point}: {what}")]
    BadPoint {
        /// The stroke (0 for the first).
        stroke: usize,
        /// The point in it (0 for the first).
        point: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// The stored strokes are not in the format of [`encode_strokes`].
    #[error("stored strokes unreadable at stroke {stroke}, point {point}")]
    Malformed {
        /// The stroke.
        stroke: usize,
        /// The point.
        point: usize,
    },
    /// The signature was made on another visit (a copy from another visit's document).
    #[error("the signature belongs to visit {bound}, not {visit}")]
    Foreign {
        /// The visit it names.
        bound: String,
        /// The visit it was found in.
        visit: String,
    },
    /// The signature does not match the digest it is stored under (changed after signing).
    #[error("the signature does not match its digest (changed after it was made)")]
    Altered,
    /// The terminal id is empty, too long, or not ASCII letters, digits and `-`.
    #[error("terminal id must be 1–64 ASCII letters, digits or -")]
    BadTerminal,
    /// The form's values are not the ones signed (changed after signing), or the signature
    /// was made before signatures recorded the values they cover.
    #[error("the form's values changed after it was signed")]
    Stale,
}

impl SignatureError {
    /// What the counter is told, in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            SignatureError::Empty => "署名がありません。".into(),
            SignatureError::TooLarge { .. } => "署名の線が多すぎます。書き直してください。".into(),
            SignatureError::BadPoint { .. } | SignatureError::Malformed { .. } => {
                "署名のデータが読めません。書き直してください。".into()
            }
            SignatureError::Foreign { .. } => {
                "署名が別の受付のものです。この受付で署名し直してください。".into()
            }
            SignatureError::Altered => {
                "署名が記録後に変更されています。署名し直してください。".into()
            }
            SignatureError::BadTerminal => "端末IDが不正です。".into(),
            SignatureError::Stale => {
                "署名後に内容が変わりました。もう一度署名してください。".into()
            }
        }
    }
}

/// Checks strokes against the box and the limits. Errors: [`SignatureError::Empty`],
/// [`SignatureError::TooLarge`], [`SignatureError::BadPoint`].
pub fn check_strokes(strokes: &[Stroke]) -> Result<(), SignatureError> {
    let points: usize = strokes.iter().map(|s| s.points.len()).sum();
    if points == 0 {
        return Err(SignatureError::Empty);
    }
    if strokes.len() > MAX_STROKES || points > MAX_POINTS {
        return Err(SignatureError::TooLarge {
            strokes: strokes.len(),
            points,
        });
    }
    let mut last_t = 0u32;
    for (s, stroke) in strokes.iter().enumerate() {
        let with_pressure = stroke.points.first().is_some_and(|p| p.pressure.is_some());
        for (i, p) in stroke.points.iter().enumerate() {
            let bad = |what| SignatureError::BadPoint {
                stroke: s,
                point: i,
                what,
            };
            if p.x > WIDTH || p.y > HEIGHT {
                return Err(bad("outside the box"));
            }
            if p.pressure.is_some_and(|v| v > 1000) {
                return Err(bad("pressure above 1000"));
            }
            if p.pressure.is_some() != with_pressure {
                return Err(bad("pressure on some points of the stroke only"));
            }
            if p.t < last_t {
                return Err(bad("time goes back"));
            }
            last_t = p.t;
        }
    }
    Ok(())
}

/// The strokes as stored (see the module documentation). Empty strokes are left out.
pub fn encode_strokes(strokes: &[Stroke]) -> String {
    let mut out = String::new();
    for stroke in strokes.iter().filter(|s| !s.points.is_empty()) {
        if !out.is_empty() {
            out.push('/');
        }
        let mut prev: Option<&Point> = None;
        for p in &stroke.points {
            if prev.is_some() {
                out.push(';');
            }
            let (x, y, t, pr) = match prev {
                None => (
                    i64::from(p.x),
                    i64::from(p.y),
                    i64::from(p.t),
                    p.pressure.map(i64::from),
                ),
                Some(q) => (
                    i64::from(p.x) - i64::from(q.x),
                    i64::from(p.y) - i64::from(q.y),
                    i64::from(p.t) - i64::from(q.t),
                    p.pressure
                        .map(|v| i64::from(v) - i64::from(q.pressure.unwrap_or(0))),
                ),
            };
            out.push_str(&format!("{x},{y},{t}"));
            if let Some(pr) = pr {
                out.push_str(&format!(",{pr}"));
            }
            prev = Some(p);
        }
    }
    out
}

/// Reads strokes stored by [`encode_strokes`] and checks them ([`check_strokes`]).
/// Errors: [`SignatureError::Malformed`] for text not in the format (or too long to be a
/// signature), and the errors of [`check_strokes`].
pub fn decode_strokes(text: &str) -> Result<Vec<Stroke>, SignatureError> {
    // Some 12 bytes a point at most: longer text is not a signature, and is not parsed.
    if text.len() > MAX_POINTS * 24 {
        return Err(SignatureError::TooLarge {
            strokes: text.matches('/').count() + 1,
            points: text.matches(';').count() + 1,
        });
    }
    let mut strokes = Vec::new();
    for (s, part) in text.split('/').enumerate() {
        let mut points: Vec<Point> = Vec::new();
        for (i, point) in part.split(';').enumerate() {
            let bad = SignatureError::Malformed {
                stroke: s,
                point: i,
            };
            let numbers: Vec<i64> = point
                .split(',')
                .map(|n| n.parse::<i64>())
                .collect::<Result<_, _>>()
                .map_err(|_| bad.clone())?;
            let (x, y, t, pr) = match numbers.as_slice() {
                [x, y, t] => (*x, *y, *t, None),
                [x, y, t, p] => (*x, *y, *t, Some(*p)),
                _ => return Err(bad),
            };
            let (x, y, t, pr) = match points.last() {
                None => (x, y, t, pr),
                Some(q) => (
                    i64::from(q.x).saturating_add(x),
                    i64::from(q.y).saturating_add(y),
                    i64::from(q.t).saturating_add(t),
                    pr.map(|p| i64::from(q.pressure.unwrap_or(0)).saturating_add(p)),
                ),
            };
            let in_range = |v: i64, max: i64| (0..=max).contains(&v);
            if !in_range(x, WIDTH.into())
                || !in_range(y, HEIGHT.into())
                || !in_range(t, u32::MAX.into())
                || pr.is_some_and(|p| !in_range(p, 1000))
            {
                return Err(SignatureError::BadPoint {
                    stroke: s,
                    point: i,
                    what: "outside the box, the time or the pressure range",
                });
            }
            points.push(Point {
                x: x as u16,
                y: y as u16,
                t: t as u32,
                pressure: pr.map(|p| p as u16),
            });
        }
        strokes.push(Stroke { points });
    }
    check_strokes(&strokes)?;
    Ok(strokes)
}

/// A signature of one form of one visit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Signature {
    /// The visit's document id (bs58check), as written in the visit when signed.
    pub visit_id: String,
    /// The form signed.
    pub form: String,
    /// Who signed.
    pub role: SignerRole,
    /// When, ms since the epoch (the pen's last lift).
    pub at: i64,
    /// The terminal it was signed at (its id, `t-` and 12 hex digits in the app).
    pub terminal: String,
    /// The strokes.
    pub strokes: Vec<Stroke>,
    /// The digest of the form's values the citizen signed
    /// ([`crate::catalog::VisitValues::form_digest`], 64 hex digits). `None` for a signature
    /// made before signatures recorded it: such a signature covers no values and does not
    /// count ([`SignatureError::Stale`]); the citizen signs again.
    pub values: Option<String>,
}

impl Signature {
    /// The digest the signature is stored under: SHA-256, in hex, over a version tag, the
    /// visit id, the form, the role, the time, the terminal, the encoded strokes and (from
    /// `v2`, when the signature has one) the digest of the values it covers, one per line
    /// (none of them holds a line break). A signature without values keeps its `v1` digest,
    /// so that one stored before values were recorded still reads.
    pub fn digest(&self) -> String {
        let mut hash = Sha256::new();
        let tag = if self.values.is_some() {
            "madoguchi-signature-v2"
        } else {
            "madoguchi-signature-v1"
        };
        let at = self.at.to_string();
        let strokes = encode_strokes(&self.strokes);
        let mut parts = vec![
            tag,
            &self.visit_id,
            &self.form,
            self.role.as_str(),
            &at,
            &self.terminal,
            &strokes,
        ];
        if let Some(values) = &self.values {
            parts.push(values);
        }
        for part in parts {
            hash.update(part.as_bytes());
            hash.update(b"\n");
        }
        hex::encode(hash.finalize())
    }

    /// Whether the signature covers the form's values as they are now: it was made over
    /// values whose digest is `current` ([`crate::catalog::VisitValues::form_digest`]). A
    /// signature without a values digest covers nothing.
    pub fn covers(&self, current: &str) -> bool {
        self.values.as_deref() == Some(current)
    }

    /// How many points the strokes hold.
    pub fn point_count(&self) -> usize {
        self.strokes.iter().map(|s| s.points.len()).sum()
    }

    /// The signature as an SVG drawing of the box (viewBox `0 0 1000 300`), with `title` as
    /// its text alternative: a stroke with pressure is one `<line>` per segment (an SVG
    /// path has one width), its width by the pressure (6 to 20 units: 0.36 mm to 1.2 mm in a
    /// 60 mm box); a stroke without is one `<polyline>` 6 units wide; a single point a dot.
    pub fn svg(&self, title: &str) -> String {
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" class=\"signature-svg\"><title>{}</title><g fill=\"none\" stroke=\"#000\" stroke-linecap=\"round\" stroke-linejoin=\"round\">",
            escape(title)
        );
        for stroke in &self.strokes {
            out.push_str(&stroke_svg(stroke));
        }
        out.push_str("</g></svg>");
        out
    }
}

/// One stroke as SVG elements (see [`Signature::svg`]).
pub fn stroke_svg(stroke: &Stroke) -> String {
    let width = |p: Option<u16>| match p {
        // 6 to 20 units (0.36 mm to 1.2 mm on a 60 mm box).
        Some(p) => 6.0 + 14.0 * f64::from(p) / 1000.0,
        None => 6.0,
    };
    match stroke.points.as_slice() {
        [] => String::new(),
        [p] => format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"{:.1}\" fill=\"#000\" stroke=\"none\"/>",
            p.x,
            p.y,
            width(p.pressure) / 2.0
        ),
        points if points[0].pressure.is_some() => points
            .windows(2)
            .map(|w| {
                let p = w[0].pressure.unwrap_or(0) / 2 + w[1].pressure.unwrap_or(0) / 2;
                format!(
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke-width=\"{:.1}\"/>",
                    w[0].x,
                    w[0].y,
                    w[1].x,
                    w[1].y,
                    width(Some(p))
                )
            })
            .collect(),
        points => {
            let list: Vec<String> = points.iter().map(|p| format!("{},{}", p.x, p.y)).collect();
            format!(
                "<polyline points=\"{}\" stroke-width=\"{:.1}\"/>",
                list.join(" "),
                width(None)
            )
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Checks a terminal id as the server's heartbeat does: 1–64 ASCII letters, digits or `-`.
pub fn check_terminal(terminal: &str) -> Result<(), SignatureError> {
    let ok = (1..=64).contains(&terminal.len())
        && terminal
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(SignatureError::BadTerminal)
    }
}

/// Strokes being drawn on a pad: points come in the pad's own pixels and leave in units of
/// the box, thinned (a point within [`MIN_STEP`] units of the last kept, on both axes, with
/// the same pressure, is dropped; the last point of a stroke is always kept).
///
/// ```
/// use shared_model::signature::SignatureDraft;
///
/// let mut pad = SignatureDraft::new(500.0, 150.0); // a 500 × 150 px canvas
/// pad.begin(10.0, 10.0, 0.0, None);
/// pad.extend(10.4, 10.2, 4.0, None); // 0.8 units away: dropped
/// pad.extend(60.0, 40.0, 20.0, None);
/// pad.end();
/// let strokes = pad.strokes();
/// assert_eq!(strokes[0].points.len(), 2);
/// assert_eq!((strokes[0].points[1].x, strokes[0].points[1].y), (120, 80));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SignatureDraft {
    width_px: f64,
    height_px: f64,
    strokes: Vec<Stroke>,
    /// The time origin (the first point's time, in the pad's ms) and the last point seen of
    /// the open stroke that was dropped (kept at the stroke's end).
    origin: Option<f64>,
    pending: Option<Point>,
    drawing: bool,
}

impl SignatureDraft {
    /// A pad of this size in pixels (CSS pixels of the canvas).
    pub fn new(width_px: f64, height_px: f64) -> Self {
        Self {
            width_px: width_px.max(1.0),
            height_px: height_px.max(1.0),
            ..Self::default()
        }
    }

    /// Sets the pad's size (after the canvas was resized); strokes drawn stay.
    pub fn resize(&mut self, width_px: f64, height_px: f64) {
        self.width_px = width_px.max(1.0);
        self.height_px = height_px.max(1.0);
    }

    fn point(&mut self, x: f64, y: f64, ms: f64, pressure: Option<f64>) -> Point {
        let origin = *self.origin.get_or_insert(ms);
        let unit = |v: f64, px: f64, max: u16| {
            (v / px * f64::from(max)).round().clamp(0.0, f64::from(max)) as u16
        };
        Point {
            x: unit(x, self.width_px, WIDTH),
            y: unit(y, self.height_px, HEIGHT),
            t: (ms - origin).round().clamp(0.0, f64::from(u32::MAX)) as u32,
            pressure: pressure.map(|p| (p.clamp(0.0, 1.0) * 1000.0).round() as u16),
        }
    }

    /// Pen down at (x, y) px, at `ms` (any clock in ms, e.g. the event's time stamp), with
    /// its pressure (0–1) if the pointer reports one. A stroke left open is ended first.
    pub fn begin(&mut self, x: f64, y: f64, ms: f64, pressure: Option<f64>) {
        self.end();
        let mut p = self.point(x, y, ms, pressure);
        if let Some(last) = self.strokes.last().and_then(|s| s.points.last()) {
            p.t = p.t.max(last.t);
        }
        self.strokes.push(Stroke { points: vec![p] });
        self.drawing = true;
    }

    /// The pen moved to (x, y) px while down (ignored when it is not).
    pub fn extend(&mut self, x: f64, y: f64, ms: f64, pressure: Option<f64>) {
        if !self.drawing {
            return;
        }
        let mut p = self.point(x, y, ms, pressure);
        let Some(stroke) = self.strokes.last_mut() else {
            return;
        };
        let Some(last) = stroke.points.last().copied() else {
            return;
        };
        p.t = p.t.max(last.t);
        // The stroke keeps one kind of point: with pressure or without.
        if p.pressure.is_some() != last.pressure.is_some() {
            p.pressure = last.pressure.map(|_| p.pressure.unwrap_or(500));
        }
        let near = last.x.abs_diff(p.x) < MIN_STEP && last.y.abs_diff(p.y) < MIN_STEP;
        if near && p.pressure == last.pressure {
            self.pending = Some(p);
        } else {
            stroke.points.push(p);
            self.pending = None;
        }
    }

    /// Pen up: the stroke ends (with its last point, if it was thinned away).
    pub fn end(&mut self) {
        if let (Some(p), Some(stroke)) = (self.pending.take(), self.strokes.last_mut())
            && stroke.points.last() != Some(&p)
        {
            stroke.points.push(p);
        }
        self.drawing = false;
    }

    /// 書き直す: every stroke goes.
    pub fn clear(&mut self) {
        let (w, h) = (self.width_px, self.height_px);
        *self = Self::new(w, h);
    }

    /// Whether the pen is down.
    pub fn is_drawing(&self) -> bool {
        self.drawing
    }

    /// Whether nothing was drawn.
    pub fn is_empty(&self) -> bool {
        self.strokes.iter().all(|s| s.points.is_empty())
    }

    /// The strokes so far, in units of the box.
    pub fn strokes(&self) -> Vec<Stroke> {
        let mut strokes = self.strokes.clone();
        if let (Some(p), Some(stroke)) = (self.pending, strokes.last_mut())
            && stroke.points.last() != Some(&p)
        {
            stroke.points.push(p);
        }
        strokes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zigzag(n: usize, pressure: bool) -> Vec<Stroke> {
        vec![Stroke {
            points: (0..n)
                .map(|i| Point {
                    x: (10 + i * 3) as u16,
                    y: if i % 2 == 0 { 100 } else { 140 },
                    t: (i * 8) as u32,
                    pressure: pressure.then_some((300 + (i * 7) % 600) as u16),
                })
                .collect(),
        }]
    }

    #[test]
    fn strokes_round_trip_through_their_text() {
        for pressure in [false, true] {
            let mut strokes = zigzag(200, pressure);
            strokes.push(Stroke {
                points: vec![Point {
                    x: 1000,
                    y: 300,
                    t: 5000,
                    pressure: pressure.then_some(1000),
                }],
            });
            let text = encode_strokes(&strokes);
            assert_eq!(decode_strokes(&text).unwrap(), strokes);
        }
    }

    #[test]
    fn unreadable_or_out_of_box_strokes_are_refused() {
        assert_eq!(
            decode_strokes(""),
            Err(SignatureError::Malformed {
                stroke: 0,
                point: 0
            })
        );
        assert!(matches!(
            decode_strokes("1001,0,0"),
            Err(SignatureError::BadPoint { .. })
        ));
        assert!(matches!(
            decode_strokes("10,10,0;-11,0,1"),
            Err(SignatureError::BadPoint { point: 1, .. })
        ));
        assert!(matches!(
            decode_strokes("10,10,5;1,1,-6"),
            Err(SignatureError::BadPoint { .. })
        ));
        assert!(matches!(
            decode_strokes("10,10,0,100;1,1,1"),
            Err(SignatureError::BadPoint { .. })
        ));
        assert!(matches!(
            decode_strokes("10,10,0,x"),
            Err(SignatureError::Malformed { .. })
        ));
        assert!(matches!(
            decode_strokes("10,10,0,99999999999999999999"),
            Err(SignatureError::Malformed { .. })
        ));
        assert_eq!(check_strokes(&[]), Err(SignatureError::Empty));
        let huge = "1,1,0;".repeat(MAX_POINTS * 5);
        assert!(matches!(
            decode_strokes(&huge),
            Err(SignatureError::TooLarge { .. })
        ));
    }

    #[test]
    fn the_digest_covers_the_visit_the_form_and_the_strokes() {
        let sig = Signature {
            visit_id: "v1".into(),
            form: "koseki_kofu".into(),
            role: SignerRole::Notifier,
            at: 5,
            terminal: "t-0123456789ab".into(),
            strokes: zigzag(20, true),
            values: Some("ab".repeat(32)),
        };
        let digest = sig.digest();
        assert_eq!(digest.len(), 64);
        let mut other = sig.clone();
        other.visit_id = "v2".into();
        assert_ne!(other.digest(), digest);
        let mut other = sig.clone();
        other.form = "inkan_toroku".into();
        assert_ne!(other.digest(), digest);
        let mut other = sig.clone();
        other.strokes[0].points[3].x += 1;
        assert_ne!(other.digest(), digest);
        let mut other = sig.clone();
        other.values = Some("cd".repeat(32));
        assert_ne!(other.digest(), digest);
        assert_eq!(sig.clone().digest(), digest);
        assert!(sig.covers(&"ab".repeat(32)));
        assert!(!sig.covers(&"cd".repeat(32)));
        // One made before signatures recorded values keeps its digest and covers nothing.
        let mut old = sig.clone();
        old.values = None;
        assert_ne!(old.digest(), digest);
        assert!(!old.covers(&"ab".repeat(32)));
    }

    #[test]
    fn a_pad_thins_points_and_keeps_each_strokes_end() {
        let mut pad = SignatureDraft::new(1000.0, 300.0);
        pad.begin(100.0, 100.0, 1000.0, Some(0.5));
        for i in 1..=100 {
            // 0.5 px a step: only every fourth point moves 2 units.
            pad.extend(
                100.0 + f64::from(i) * 0.5,
                100.0,
                1000.0 + f64::from(i),
                Some(0.5),
            );
        }
        pad.end();
        let strokes = pad.strokes();
        let points = &strokes[0].points;
        assert_eq!(points.first().unwrap().t, 0);
        assert_eq!(points.last().unwrap().x, 150);
        assert!(points.len() <= 27, "{} points", points.len());
        assert!(points.iter().all(|p| p.pressure == Some(500)));
        check_strokes(&strokes).unwrap();
        // A pen stroke never mixes with a mouse point's lack of pressure.
        pad.begin(10.0, 10.0, 1200.0, None);
        pad.extend(50.0, 50.0, 1210.0, None);
        pad.end();
        check_strokes(&pad.strokes()).unwrap();
        assert_eq!(pad.strokes().len(), 2);
        pad.clear();
        assert!(pad.is_empty());
    }

    #[test]
    fn the_svg_draws_each_stroke_with_its_title() {
        let sig = Signature {
            visit_id: "v".into(),
            form: "f".into(),
            role: SignerRole::Notifier,
            at: 0,
            terminal: "t-1".into(),
            strokes: [zigzag(5, true), zigzag(5, false)].concat(),
            values: None,
        };
        let svg = sig.svg("署名 <済>");
        assert!(svg.contains("<title>署名 &lt;済&gt;</title>"));
        assert_eq!(svg.matches("<line ").count(), 4);
        assert_eq!(svg.matches("<polyline ").count(), 1);
    }
}
