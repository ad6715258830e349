//! [`symbols_in_frame`]: QR symbols in one camera frame (the kiosk tablet's camera), decoded
//! in wasm with `rqrr` — a maintained pure-Rust QR reader (a port of quirc), chosen because
//! it gives each symbol's data as bytes (Kanji mode as the Shift_JIS bytes the symbol holds),
//! so that [`crate::transfer_certificate::payload::decode`] reads them exactly as the bytes a
//! USB-COM reader sends.
//!
//! Known limit: `rqrr` 0.10 does not decode a symbol carrying a Structured Append header
//! (mode 0011): such a symbol is not found in the frame. A household split without Structured
//! Append (one or more persons per code) reads; one split with it is read at the counter's
//! reader instead.

use crate::transfer_certificate::Symbol;

/// Every QR symbol found and decoded in a frame of `width` × `height` pixels given as luma
/// (one byte per pixel, row by row; `luma.len()` must be `width * height`, else nothing is
/// found). Symbols that are found but do not decode (blurred, partly outside) are skipped:
/// the next frame tries again.
pub fn symbols_in_frame(width: usize, height: usize, luma: &[u8]) -> Vec<Symbol> {
    if width == 0 || height == 0 || luma.len() != width * height {
        return Vec::new();
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    image
        .detect_grids()
        .into_iter()
        .filter_map(|grid| {
            let mut data = Vec::new();
            grid.decode_to(&mut data).ok()?;
            Some(Symbol {
                data,
                structured_append: None,
            })
        })
        .collect()
}

/// Luma (ITU-R BT.601, integer weights) of RGBA pixels as a canvas's `getImageData` gives
/// them: 4 bytes a pixel.
pub fn luma_of_rgba(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|p| ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer_certificate::{CertificateReader, Progress};

    /// `data` as a QR code in byte mode, drawn `scale` pixels a module with a quiet zone, as
    /// luma on a `size` × `size` grey frame.
    pub(crate) fn frame(data: &[u8], scale: usize, size: usize) -> Vec<u8> {
        let code = qrcode::QrCode::new(data).unwrap();
        let modules = code.width();
        let colors = code.to_colors();
        let mut luma = vec![200u8; size * size];
        let offset = (size - (modules + 8) * scale) / 2 + 4 * scale;
        for y in 0..modules {
            for x in 0..modules {
                if colors[y * modules + x] == qrcode::Color::Dark {
                    for dy in 0..scale {
                        for dx in 0..scale {
                            luma[(offset + y * scale + dy) * size + offset + x * scale + dx] = 20;
                        }
                    }
                }
            }
        }
        luma
    }

    #[test]
    fn a_shift_jis_certificate_in_a_frame_reads() {
        let text = "様式,連番,異動者数,氏名,フリガナ,生年月日,性別\r\n転出証明書,1,1,髙橋 ①子,タカハシ ハナコ,平成2年4月1日,女\r\n";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let luma = frame(&bytes, 3, 320);
        let symbols = symbols_in_frame(320, 320, &luma);
        assert_eq!(symbols.len(), 1);
        assert_eq!(symbols[0].data, bytes.as_ref());
        let Ok(Progress::Complete(read)) = CertificateReader::default().feed(symbols[0].clone())
        else {
            panic!("not a certificate");
        };
        assert_eq!(read.persons[0]["person.name"], "髙橋 ①子");
    }

    #[test]
    fn a_frame_without_a_code_or_of_the_wrong_size_gives_nothing() {
        assert!(symbols_in_frame(64, 64, &[128; 64 * 64]).is_empty());
        assert!(symbols_in_frame(64, 64, &[0; 10]).is_empty());
        assert_eq!(luma_of_rgba(&[255, 255, 255, 255, 0, 0, 0, 255]), [255, 0]);
    }
}

#[cfg(test)]
mod fixture {
    use super::tests::frame;
    use super::*;

    const DIR: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/transfer-certificate"
    );

    /// The kiosk's browser test shows Chromium's fake camera a Y4M file
    /// (`--use-file-for-fake-video-capture`) of the CP932 household code: one 4:2:0 frame
    /// of 320 × 240. `MADOGUCHI_WRITE_FIXTURES=1 cargo test -p device-webusb` writes it
    /// again; otherwise the file must still hold that code, readable by this decoder.
    #[test]
    fn the_kiosk_camera_fixture_holds_the_household_code() {
        let mut data = std::fs::read(format!("{DIR}/household-cp932-1of2.bin")).unwrap();
        data.extend(std::fs::read(format!("{DIR}/household-cp932-2of2.bin")).unwrap());
        let path = format!("{DIR}/household-cp932.y4m");
        let (w, h) = (320usize, 240usize);
        if std::env::var_os("MADOGUCHI_WRITE_FIXTURES").is_some() {
            let square = frame(&data, 2, h);
            let mut y = vec![200u8; w * h];
            for row in 0..h {
                let left = (w - h) / 2;
                y[row * w + left..row * w + left + h]
                    .copy_from_slice(&square[row * h..(row + 1) * h]);
            }
            let mut file =
                format!("YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\nFRAME\n").into_bytes();
            file.extend(&y);
            file.extend(std::iter::repeat_n(128u8, w * h / 2));
            std::fs::write(&path, file).unwrap();
        }
        let file = std::fs::read(&path).unwrap();
        let start = file.windows(6).position(|w| w == b"FRAME\n").unwrap() + 6;
        let symbols = symbols_in_frame(w, h, &file[start..start + w * h]);
        assert_eq!(symbols.len(), 1);
        assert_eq!(symbols[0].data, data);
    }
}
