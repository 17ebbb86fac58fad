//! Up to three photos from the camera or gallery. Each is redrawn on a canvas
//! at most 1600 px wide or high and saved as JPEG — which also leaves its
//! metadata (GPS position, camera) behind — then kept in IndexedDB so a
//! reload or a lost signal does not lose it.

use leptos::prelude::*;

use crate::fresh::IntoFresh;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, HtmlCanvasElement, ImageBitmap};

use crate::device;
use crate::i18n::{fill, use_i18n};

/// Longest side of an uploaded photo.
pub const MAX_SIDE: u32 = 1600;
const JPEG_QUALITY: f64 = 0.85;

/// The size that fits `max` on the longest side, keeping the proportions.
#[must_use]
pub fn fit(width: u32, height: u32, max: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max || longest == 0 {
        return (width.max(1), height.max(1));
    }
    let scale = f64::from(max) / f64::from(longest);
    (((f64::from(width) * scale).round() as u32).max(1), ((f64::from(height) * scale).round() as u32).max(1))
}

/// Decodes an image file (turned upright by its EXIF orientation) and
/// re-encodes it as a JPEG of at most [`MAX_SIDE`] pixels.
pub async fn resize(file: &Blob) -> Result<Blob, JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let options = web_sys::ImageBitmapOptions::new();
    options.set_image_orientation(web_sys::ImageOrientation::FromImage);
    let bitmap: ImageBitmap =
        JsFuture::from(window.create_image_bitmap_with_blob_and_image_bitmap_options(file, &options)?)
            .await?
            .dyn_into()?;
    let (w, h) = fit(bitmap.width(), bitmap.height(), MAX_SIDE);
    let canvas: HtmlCanvasElement = window.document().ok_or(JsValue::NULL)?.create_element("canvas")?.dyn_into()?;
    canvas.set_width(w);
    canvas.set_height(h);
    let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d")?.ok_or(JsValue::NULL)?.dyn_into()?;
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, f64::from(w), f64::from(h))?;
    bitmap.close();
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let done = Closure::once_into_js(move |blob: JsValue| {
            if blob.is_null() {
                let _ = reject.call0(&JsValue::NULL);
            } else {
                let _ = resolve.call1(&JsValue::NULL, &blob);
            }
        });
        let _ = canvas.to_blob_with_type_and_encoder_options(
            done.unchecked_ref(),
            "image/jpeg",
            &JsValue::from_f64(JPEG_QUALITY),
        );
    });
    JsFuture::from(promise).await?.dyn_into()
}

#[component]
pub fn PhotoPicker(
    photo_ids: Signal<Vec<String>>,
    on_change: Callback<Vec<String>>,
    max: usize,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let previews = RwSignal::new(Vec::<(String, String)>::new());
    let preparing = RwSignal::new(0_usize);
    let failed = RwSignal::new(false);

    // Previews of photos already in the draft (after a reload).
    spawn_local(async move {
        for id in photo_ids.get_untracked() {
            if let Ok(Some(blob)) = device::photos::get(&id).await
                && let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob)
            {
                previews.try_update(|p| p.push((id, url)));
            }
        }
    });
    on_cleanup(move || {
        if let Some(p) = previews.try_get_untracked() {
            for (_, url) in &p {
                let _ = web_sys::Url::revoke_object_url(url);
            }
        }
    });

    let on_files = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(files) = input.files() else { return };
        let room = max.saturating_sub(photo_ids.get_untracked().len());
        let chosen: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).take(room).collect();
        input.set_value("");
        failed.set(false);
        for file in chosen {
            preparing.update(|n| *n += 1);
            spawn_local(async move {
                let result = async {
                    let blob = resize(&file).await.map_err(|_| ())?;
                    let id = device::random_id();
                    device::photos::put(&id, &blob).await.map_err(|_| ())?;
                    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| ())?;
                    Ok::<_, ()>((id, url))
                }
                .await;
                preparing.try_update(|n| *n -= 1);
                match result {
                    Ok((id, url)) => {
                        previews.try_update(|p| p.push((id.clone(), url)));
                        let mut ids = photo_ids.get_untracked();
                        if ids.len() < max {
                            ids.push(id);
                            on_change.run(ids);
                        } else {
                            let _ = device::photos::delete(&[id]).await;
                        }
                    }
                    Err(()) => {
                        failed.try_set(true);
                    }
                }
            });
        }
    };

    let remove = move |id: String| {
        let ids: Vec<String> = photo_ids.get_untracked().into_iter().filter(|x| *x != id).collect();
        on_change.run(ids);
        if let Some((_, url)) =
            previews.try_update(|p| p.iter().position(|(x, _)| *x == id).map(|i| p.remove(i))).flatten()
        {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
        spawn_local(async move {
            let _ = device::photos::delete(&[id]).await;
        });
    };

    view! {
        <fieldset class="field photos">
            <legend>{tr.photos}" "<span class="small">{tr.optional}</span></legend>
            <p class="small" id="foto-bantuan">{move || fill(tr.photos_hint, &[("n", &max.to_string())])}</p>
            <ul class="photo-list">
                {move || photo_ids.get().into_iter().enumerate().map(|(i, id)| {
                    let n = (i + 1).to_string();
                    let n2 = n.clone();
                    let id2 = id.clone();
                    view! {
                        <li>
                            <img
                                src=move || previews.with(|p| p.iter().find(|(x, _)| *x == id).map(|(_, u)| u.clone()).unwrap_or_default())
                                alt=move || fill(tr.photo_alt, &[("n", &n)])
                                width="96" height="96"
                            />
                            <button type="button" class="button button-quiet" on:click=move |_| remove(id2.clone())>
                                {move || fill(tr.remove_photo, &[("n", &n2)])}
                            </button>
                        </li>
                    }
                }).collect_view().fresh()}
            </ul>
            <div class="contents" hidden=move || preparing.get() == 0>
                <p class="status" role="status">{tr.photo_preparing}</p>
                        </div>
            <div class="contents" hidden=move || photo_ids.with(Vec::len) + preparing.get() >= max>
                <input
                    id="foto-input"
                    class="visually-hidden"
                    type="file"
                    accept="image/jpeg,image/png,image/webp,image/*"
                    multiple
                    aria-describedby="foto-bantuan foto-galat"
                    on:change=on_files
                />
                <label class="button file-button" for="foto-input">
                    <span aria-hidden="true">"📷 "</span>{tr.add_photo}
                </label>
                        </div>
            <p id="foto-galat" class="field-error" role="alert">
                {move || if failed.get() { Some(tr.photo_failed.to_owned()) } else { error.get() }}
            </p>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn fits_the_longest_side() {
        assert_eq!(fit(4000, 3000, 1600), (1600, 1200));
        assert_eq!(fit(3000, 4000, 1600), (1200, 1600));
        assert_eq!(fit(800, 600, 1600), (800, 600));
        assert_eq!(fit(10_000, 1, 1600), (1600, 1));
    }
}
