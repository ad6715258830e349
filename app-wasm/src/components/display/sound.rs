//! The display's voice: a two-tone chime (Web Audio) and the call read aloud with the
//! browser's speech synthesis. Browsers keep audio silent until a person has touched the
//! page once ([`unlock`], the display's 「音声案内を始める」); a TV started with autoplay
//! allowed speaks from the start.

use std::cell::RefCell;

use web_sys::{AudioContext, SpeechSynthesisUtterance};

thread_local! {
    static AUDIO: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

fn with_audio(f: impl FnOnce(&AudioContext)) {
    AUDIO.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = AudioContext::new().ok();
        }
        if let Some(ctx) = cell.as_ref() {
            f(ctx);
        }
    });
}

/// Lets sound play from now on (called from a click: the browser's user activation).
pub fn unlock() {
    with_audio(|ctx| {
        let _ = ctx.resume();
    });
    // An empty utterance spoken in the click unlocks speech synthesis for later calls.
    speak("", "ja-JP");
}

/// A ding-dong: two sine tones (G5 then D5), each fading out over 0.8 s.
pub fn chime() {
    with_audio(|ctx| {
        let start = ctx.current_time();
        for (i, frequency) in [784.0_f32, 587.0].into_iter().enumerate() {
            let at = start + i as f64 * 0.6;
            let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else {
                return;
            };
            osc.frequency().set_value(frequency);
            let level = gain.gain();
            let _ = level.set_value_at_time(0.0, at);
            let _ = level.linear_ramp_to_value_at_time(0.3, at + 0.02);
            let _ = level.exponential_ramp_to_value_at_time(0.001, at + 0.8);
            let _ = osc.connect_with_audio_node(&gain);
            let _ = gain.connect_with_audio_node(&ctx.destination());
            let _ = osc.start_with_when(at);
            let _ = osc.stop_with_when(at + 0.9);
        }
    });
}

/// Reads `text` aloud in `lang` (BCP 47), after whatever is being read.
pub fn speak(text: &str, lang: &str) {
    let Some(synth) = web_sys::window().and_then(|w| w.speech_synthesis().ok()) else {
        return;
    };
    if let Ok(utterance) = SpeechSynthesisUtterance::new_with_text(text) {
        utterance.set_lang(lang);
        utterance.set_rate(0.9);
        synth.speak(&utterance);
    }
}
