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

thread_local! {
    /// The server's layout once this page has it: asked for once, not at every visit.
    static LAYOUT: RefCell<Option<Layout>> = const { RefCell::new(None) };
}

/// A 転出証明書 code reader for this component, reading codes with the layout the city set
/// on the server (`GET /api/layouts/transfer-certificate`, asked once per page; the built-in
/// default until it comes, or if it cannot be had). A certificate half read keeps the layout
/// it began with.
#[hook]
pub fn use_certificate_reader() -> Rc<RefCell<CertificateReader>> {
    let reader = use_mut_ref(|| {
        LAYOUT.with_borrow(|layout| {
            layout
                .clone()
                .map_or_else(CertificateReader::default, CertificateReader::new)
        })
    });
    {
        let reader = reader.clone();
        use_effect_with((), move |_| {
            if LAYOUT.with_borrow(Option::is_some) {
                return;
            }
            spawn_local(async move {
                let Ok(answer) =
                    crate::api::get::<LayoutAnswer>("/api/layouts/transfer-certificate").await
                else {
                    return;
                };
                match Layout::parse(&answer.toml) {
                    Ok(layout) => {
                        LAYOUT.set(Some(layout.clone()));
                        if !reader.borrow().in_progress() {
                            *reader.borrow_mut() = CertificateReader::new(layout);
                        }
                    }
                    Err(e) => web_sys::console::error_1(&e.to_string().into()),
                }
            });
        });
    }
    reader
}
