use std::cell::RefCell;
use std::rc::Rc;

use device_webusb::transfer_certificate::CertificateReader;
use device_webusb::transfer_certificate::layout::Layout;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

/// The layout as the server sent it.
#[derive(serde::Deserialize)]
struct LayoutAnswer {
    toml: String,
}

/// A 転出証明書 code reader for this component, reading codes with the layout the city set
/// on the server (`GET /api/layouts/transfer-certificate`; the built-in default until it
/// comes, or if it cannot be had). A certificate half read keeps the layout it began with.
#[hook]
pub fn use_certificate_reader() -> Rc<RefCell<CertificateReader>> {
    let reader = use_mut_ref(CertificateReader::default);
    {
        let reader = reader.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                let Ok(answer) =
                    crate::api::get::<LayoutAnswer>("/api/layouts/transfer-certificate").await
                else {
                    return;
                };
                match Layout::parse(&answer.toml) {
                    Ok(layout) if !reader.borrow().in_progress() => {
                        *reader.borrow_mut() = CertificateReader::new(layout);
                    }
                    Ok(_) => {}
                    Err(e) => web_sys::console::error_1(&e.to_string().into()),
                }
            });
        });
    }
    reader
}
