use device_webusb::camera::{luma_of_rgba, symbols_in_frame};
use std::cell::RefCell;
use std::rc::Rc;

use device_webusb::transfer_certificate::{CertificateError, CertificateReader, Progress, Symbol};
use shared_model::DocumentId;
use shared_model::catalog::VisitValues;
use shared_model::document_read::{DocumentKind, ReadPath};
use shared_model::navi::LifeEvent;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaStream};
use yew::prelude::*;

use super::use_language;
use crate::context::AppContext;
use crate::fill::{self, FillSource};
use crate::hooks::use_repo;
use crate::i18n::kiosk::{Say, say, say_with};
use crate::repo::RepoHandle;

/// How often a frame is looked at, ms.
const FRAME_EVERY_MS: u32 = 250;

/// Properties of [`CertificateCamera`].
#[derive(Properties, PartialEq)]
pub struct CertificateCameraProps {
    /// The kiosk's visit.
    pub id: DocumentId,
}

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Idle,
    Looking,
    Partial(usize, Option<usize>),
    Read(usize),
    /// The camera cannot be used (the browser's reason), or it was stopped after a while.
    Refused(Say, String),
}

/// What the camera holds while it looks: the stream (to stop it) and the frame timer, and
/// whether looking is wanted — a camera that opens after the citizen stopped, or after a
/// second press of the button, is closed at once.
#[derive(Default)]
struct Looking {
    stream: Option<MediaStream>,
    timer: Option<gloo_timers::callback::Interval>,
    /// Asked for and not stopped since (the camera may still be opening).
    wanted: bool,
}

impl Looking {
    fn stop(&mut self) {
        self.wanted = false;
        self.timer = None;
        if let Some(stream) = self.stream.take() {
            close(&stream);
        }
    }
}

/// Stops every track of `stream` (the camera's light goes off).
fn close(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}

/// Looking ends by itself after this many frames without a certificate read (2 minutes): a
/// tablet left alone does not film the hall.
const FRAMES_BEFORE_GIVING_UP: u32 = 2 * 60 * 1000 / FRAME_EVERY_MS;

/// What looking through the camera works with (the component's state and the app's).
#[derive(Clone)]
struct Camera {
    id: DocumentId,
    status: UseStateHandle<Status>,
    video: NodeRef,
    canvas: NodeRef,
    looking: Rc<RefCell<Looking>>,
    reader: Rc<RefCell<CertificateReader>>,
    repo: RepoHandle,
    app: AppContext,
    latest: Rc<RefCell<Option<Holding>>>,
}

/// What the visit holds now and the navi's event: a read is planned against them.
type Holding = (VisitValues, Option<LifeEvent>);

impl Camera {
    /// Opens the camera and looks at a frame every [`FRAME_EVERY_MS`] until the certificate
    /// is read (or the citizen stops).
    async fn look(self) {
        {
            let mut looking = self.looking.borrow_mut();
            // Pressed again while the camera opens or looks: one camera is enough.
            if looking.wanted {
                return;
            }
            looking.wanted = true;
        }
        self.status.set(Status::Looking);
        let stream = match open_camera().await {
            Ok(stream) => stream,
            Err(why) => {
                self.looking.borrow_mut().wanted = false;
                self.status.set(Status::Refused(Say::CameraFailed, why));
                return;
            }
        };
        // Stopped (or the visit left) while the camera was opening.
        let Some(element) = self
            .video
            .cast::<HtmlVideoElement>()
            .filter(|_| self.looking.borrow().wanted)
        else {
            close(&stream);
            return;
        };
        element.set_src_object(Some(&stream));
        let _ = element.play();
        let looking = self.looking.clone();
        let mut frames = 0u32;
        let on_frame = move || {
            frames += 1;
            if frames > FRAMES_BEFORE_GIVING_UP {
                self.looking.borrow_mut().stop();
                self.reader.borrow_mut().abandon();
                self.status
                    .set(Status::Refused(Say::CameraTimeout, String::new()));
                return;
            }
            let Some((width, height, luma)) = frame(&element, &self.canvas) else {
                return;
            };
            for symbol in symbols_in_frame(width, height, &luma) {
                if self.take(symbol) {
                    return;
                }
            }
        };
        let mut held = looking.borrow_mut();
        held.stream = Some(stream);
        held.timer = Some(gloo_timers::callback::Interval::new(
            FRAME_EVERY_MS,
            on_frame,
        ));
    }

    /// Takes one symbol seen; `true` once the certificate is read and filled in.
    fn take(&self, symbol: Symbol) -> bool {
        let fed = self.reader.borrow_mut().feed(symbol);
        match fed {
            // The camera sees the same code frame after frame.
            Err(CertificateError::Duplicate) => false,
            Err(e) => {
                self.status
                    .set(Status::Refused(Say::CameraUnreadable, e.to_string()));
                false
            }
            Ok(Progress::Partial { persons, of }) => {
                self.status.set(Status::Partial(persons, of));
                false
            }
            Ok(Progress::Complete(read)) => {
                self.looking.borrow_mut().stop();
                let Some((values, event)) = self.latest.borrow().clone() else {
                    return true;
                };
                let plan = fill::plan_certificate(&self.repo, self.id, &values, event, &read);
                // Blanks only: what the citizen typed the counter checks.
                let source = FillSource::Document(DocumentKind::TransferCertificate, ReadPath::Qr);
                fill::carry_out(&self.repo, &self.app, self.id, &plan, false, source);
                self.status.set(Status::Read(read.persons.len()));
                true
            }
        }
    }
}

/// The citizen holds the 転出証明書's QR code to the kiosk tablet's camera: its frames are
/// decoded in wasm ([`symbols_in_frame`]), a household over several codes is read code by
/// code, and what it says fills the blanks of this visit for every person (never what the
/// citizen typed: the counter checks it), marked as read from the certificate. The camera
/// is on only while it looks, and off once the certificate is read or the citizen stops.
#[component(CertificateCamera)]
pub fn certificate_camera(props: &CertificateCameraProps) -> Html {
    let repo = use_repo();
    let app = use_context::<AppContext>().expect("app context");
    let status = use_state(|| Status::Idle);
    let language = use_language();
    let video = use_node_ref();
    let canvas = use_node_ref();
    let looking = use_mut_ref(Looking::default);
    let reader = crate::hooks::use_certificate_reader();
    let id = props.id;
    // The latest values of the visit, for a read that completes between renders.
    let latest = use_mut_ref(|| None);
    *latest.borrow_mut() = app
        .open
        .as_ref()
        .filter(|v| v.id == id)
        .map(|v| (v.values.clone(), v.answers.as_ref().map(|a| a.event)));
    {
        let looking = looking.clone();
        use_effect_with(id, move |_| move || looking.borrow_mut().stop());
    }

    let start = {
        let camera = Camera {
            id,
            status: status.clone(),
            video: video.clone(),
            canvas: canvas.clone(),
            looking: looking.clone(),
            reader: reader.clone(),
            repo: repo.clone(),
            app: app.clone(),
            latest: latest.clone(),
        };
        Callback::from(move |_: MouseEvent| spawn_local(camera.clone().look()))
    };
    let stop = {
        let (status, looking, reader) = (status.clone(), looking.clone(), reader.clone());
        Callback::from(move |_: MouseEvent| {
            looking.borrow_mut().stop();
            reader.borrow_mut().abandon();
            status.set(Status::Idle);
        })
    };
    let on = matches!(*status, Status::Looking | Status::Partial(..));
    let (said, alert) = match &*status {
        Status::Idle => (html! {}, false),
        Status::Looking => (say(language, Say::CameraHint), false),
        Status::Partial(n, of) => (
            say_with(
                language,
                Say::CameraPartial,
                &[
                    ("n", &n.to_string()),
                    ("of", &of.map_or("?".into(), |o| o.to_string())),
                ],
            ),
            false,
        ),
        Status::Read(n) => (
            say_with(language, Say::CameraRead, &[("n", &n.to_string())]),
            false,
        ),
        Status::Refused(text, why) => (say_with(language, *text, &[("e", why)]), true),
    };
    html! {
        <section class="kiosk-camera" aria-labelledby="kiosk-camera-title">
            <h2 id="kiosk-camera-title">{ say(language, Say::CameraTitle) }</h2>
            <div class="actions">
                <button type="button" class="big" id="kiosk-camera-start" onclick={start} disabled={on}>
                    { say(language, Say::CameraStart) }
                </button>
                <button type="button" class="big" id="kiosk-camera-stop" onclick={stop} disabled={!on}>
                    { say(language, Say::CameraStop) }
                </button>
            </div>
            <video ref={video} id="kiosk-camera-video" muted=true playsinline=true hidden={!on}
                   aria-hidden="true"></video>
            <canvas ref={canvas} hidden=true></canvas>
            <p id="kiosk-camera-status" role={if alert { "alert" } else { "status" }}>{ said }</p>
        </section>
    }
}

/// Asks for the camera (the back one on a tablet); the reason as text when refused.
async fn open_camera() -> Result<MediaStream, String> {
    let devices = web_sys::window()
        .ok_or("no window")?
        .navigator()
        .media_devices()
        .map_err(|_| "このブラウザーではカメラを使えません".to_owned())?;
    let constraints = web_sys::MediaStreamConstraints::new();
    let video = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&video, &"facingMode".into(), &"environment".into());
    constraints.set_video(&video);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(describe)?;
    JsFuture::from(promise)
        .await
        .map_err(describe)?
        .dyn_into::<MediaStream>()
        .map_err(|_| "カメラの映像を受け取れません".to_owned())
}

fn describe(error: wasm_bindgen::JsValue) -> String {
    js_sys::Reflect::get(&error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "不明なエラー".into())
}

/// The video's current frame as luma (width, height, bytes), once it has one.
fn frame(video: &HtmlVideoElement, canvas: &NodeRef) -> Option<(usize, usize, Vec<u8>)> {
    let (w, h) = (video.video_width(), video.video_height());
    if w == 0 || h == 0 {
        return None;
    }
    let canvas = canvas.cast::<HtmlCanvasElement>()?;
    canvas.set_width(w);
    canvas.set_height(h);
    let context = canvas
        .get_context("2d")
        .ok()??
        .dyn_into::<CanvasRenderingContext2d>()
        .ok()?;
    context
        .draw_image_with_html_video_element(video, 0.0, 0.0)
        .ok()?;
    // getImageData through JS: web-sys types its arguments differently with and without
    // its unstable APIs (this crate is also checked natively).
    let get = js_sys::Reflect::get(&context, &"getImageData".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let args = js_sys::Array::of4(&0.into(), &0.into(), &w.into(), &h.into());
    let image = get.apply(&context, &args).ok()?;
    let data = js_sys::Reflect::get(&image, &"data".into()).ok()?;
    let data = js_sys::Uint8ClampedArray::new(&data).to_vec();
    Some((w as usize, h as usize, luma_of_rgba(&data)))
}
