//! The how-to video catalogue: entries admins upload or link (YouTube), the
//! city config's seeds, and the videos `make videos` generates per agency.
//!
//! Files live under the media folder: `videos/<id>.<ext>` (+ captions and
//! poster) for uploads, `generated/<agency>/` for generated ones. Both are
//! served from `/media/...` with range requests so `<video>` can seek.

use std::path::{Path as FsPath, PathBuf};

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portal112_core::city::{Text, is_youtube_id};
use portal112_core::dto::{Captions, Role, Video, VideoSource};
use portal112_core::{ErrorKind, Field, Lang};
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use crate::auth::{Staff, random_id};
use crate::error::AppError;
use crate::extract::parse_json;
use crate::state::AppState;
use crate::store::{VideoKind, VideoRecord};
use crate::usecases;

/// Largest uploaded video.
pub const VIDEO_MAX_BYTES: usize = 200 * 1024 * 1024;
/// Largest caption file or poster.
const SIDE_FILE_MAX_BYTES: usize = 2 * 1024 * 1024;

/// Which agency's videos.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VideoQuery {
    /// An agency code; all agencies when absent.
    agency: Option<String>,
}

/// The catalogue: per agency, uploaded files first, then linked videos, then
/// the generated tutorial.
#[utoipa::path(
    get,
    path = "/api/v1/videos",
    tag = "videos",
    params(VideoQuery),
    responses(
        (status = 200, description = "Catalogue entries", body = Vec<Video>),
        (status = 422, description = "Unknown agency", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn list_videos(
    State(state): State<AppState>,
    query: Result<Query<VideoQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Video>>, AppError> {
    let Query(q) = query.map_err(|_| AppError::field(ErrorKind::InvalidValue, Field::Query))?;
    let agency = q.agency.filter(|a| !a.is_empty());
    if let Some(a) = &agency
        && state.city.agency(a).is_none()
    {
        return Err(AppError::field(ErrorKind::UnknownAgency, Field::Agency));
    }
    Ok(Json(catalogue(&state, agency.as_deref()).await?))
}

/// The catalogue, of one agency or all: what `/api/v1/videos` answers and the
/// video pages rendered ahead list (`crate::pages`).
pub async fn catalogue(state: &AppState, agency: Option<&str>) -> Result<Vec<Video>, AppError> {
    let stored = state.store.videos().await?;
    let mut out = Vec::new();
    for a in &state.city.agencies {
        if agency.is_some_and(|x| x != a.code) {
            continue;
        }
        let mine: Vec<&VideoRecord> = stored.iter().filter(|v| v.agency == a.code).collect();
        out.extend(mine.iter().filter(|v| v.kind == VideoKind::File).map(|v| stored_video(v)));
        out.extend(mine.iter().filter(|v| v.kind == VideoKind::Youtube).map(|v| stored_video(v)));
        if let Some(v) = generated_video(&state.settings.media_dir, &a.code).await {
            out.push(v);
        }
    }
    Ok(out)
}

fn stored_video(v: &VideoRecord) -> Video {
    let poster_url = v.poster.as_ref().map(|p| format!("/media/videos/{p}"));
    let source = match (&v.youtube_id, &v.file_name) {
        (Some(id), _) if v.kind == VideoKind::Youtube => VideoSource::Youtube { youtube_id: id.clone(), poster_url },
        (_, file) => VideoSource::File {
            url: format!("/media/videos/{}", file.clone().unwrap_or_default()),
            mime: v.mime.clone().unwrap_or_else(|| "video/webm".into()),
            poster_url,
            captions: [(Lang::Id, &v.captions_id), (Lang::En, &v.captions_en)]
                .into_iter()
                .filter_map(|(lang, f)| f.as_ref().map(|f| Captions { lang, url: format!("/media/videos/{f}") }))
                .collect(),
            duration_s: None,
            generated: false,
        },
    };
    Video {
        id: v.id.clone(),
        agency: v.agency.clone(),
        title: Text { id: v.title_id.clone(), en: v.title_en.clone() },
        source,
    }
}

/// What `make videos` leaves for an agency, described by its `video.json`.
#[derive(Debug, Deserialize)]
struct GeneratedMeta {
    title: Text,
    duration_s: f64,
}

/// The generated tutorial of an agency, if one has been made.
async fn generated_video(media_dir: &FsPath, agency: &str) -> Option<Video> {
    let dir = media_dir.join("generated").join(agency);
    let meta: GeneratedMeta = serde_json::from_slice(&tokio::fs::read(dir.join("video.json")).await.ok()?).ok()?;
    if !tokio::fs::try_exists(dir.join("video.webm")).await.unwrap_or(false) {
        return None;
    }
    let base = format!("/media/generated/{agency}");
    let mut captions = Vec::new();
    for lang in [Lang::Id, Lang::En] {
        if tokio::fs::try_exists(dir.join(format!("captions.{}.vtt", lang.tag()))).await.unwrap_or(false) {
            captions.push(Captions { lang, url: format!("{base}/captions.{}.vtt", lang.tag()) });
        }
    }
    let poster = tokio::fs::try_exists(dir.join("poster.jpg")).await.unwrap_or(false);
    Some(Video {
        id: format!("generated-{agency}"),
        agency: agency.to_owned(),
        title: meta.title,
        source: VideoSource::File {
            url: format!("{base}/video.webm"),
            mime: "video/webm".into(),
            poster_url: poster.then(|| format!("{base}/poster.jpg")),
            captions,
            duration_s: Some(meta.duration_s),
            generated: true,
        },
    })
}

/// A linked YouTube video.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVideo {
    pub agency: String,
    pub title: Text,
    /// For a YouTube entry: the 11-character video id. Omit when uploading a file.
    #[serde(default)]
    pub youtube_id: Option<String>,
}

/// The multipart form of a video upload, for the OpenAPI document.
#[derive(Debug, utoipa::ToSchema)]
#[expect(dead_code, reason = "describes the multipart body for OpenAPI only")]
pub struct VideoUpload {
    /// Agency and titles, as JSON text (`youtube_id` left out).
    meta: NewVideo,
    /// The video, WebM or MP4, at most 200 MB.
    #[schema(value_type = String, format = Binary)]
    video: Vec<u8>,
    /// Indonesian captions, WebVTT.
    #[schema(value_type = Option<String>, format = Binary)]
    captions_id: Option<Vec<u8>>,
    /// English captions, WebVTT.
    #[schema(value_type = Option<String>, format = Binary)]
    captions_en: Option<Vec<u8>>,
    /// A poster picture, JPEG, PNG or WebP.
    #[schema(value_type = Option<String>, format = Binary)]
    poster: Option<Vec<u8>>,
}

/// Adds a catalogue entry (admins): JSON for a YouTube link, or
/// `multipart/form-data` with `meta` (JSON), `video` (WebM or MP4), optional
/// `captions_id` / `captions_en` (WebVTT) and `poster` (JPEG/PNG/WebP).
#[utoipa::path(
    post,
    path = "/api/v1/staff/videos",
    tag = "staff",
    security(("bearer" = [])),
    request_body(content((NewVideo = "application/json"), (VideoUpload = "multipart/form-data"))),
    responses(
        (status = 201, description = "Added", body = Video),
        (status = 400, description = "Malformed body", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Not an admin", body = portal112_core::ErrorEnvelope),
        (status = 413, description = "File too large", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not a WebM/MP4 video or WebVTT captions", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "A field breaks a rule", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn add_video(
    State(state): State<AppState>,
    staff: Staff,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    staff.require(&[Role::Admin])?;
    let is_multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let record = if is_multipart {
        let multipart = <Multipart as axum::extract::FromRequest<AppState>>::from_request(request, &state)
            .await
            .map_err(|_| AppError::from(ErrorKind::InvalidMultipart))?;
        upload(&state, multipart).await?
    } else {
        let crate::extract::ApiJson(meta) =
            <crate::extract::ApiJson<NewVideo> as axum::extract::FromRequest<AppState>>::from_request(request, &state)
                .await?;
        check_meta(&state, &meta)?;
        let youtube_id =
            meta.youtube_id.clone().ok_or_else(|| AppError::field(ErrorKind::Required, Field::YoutubeId))?;
        VideoRecord {
            id: random_id(),
            agency: meta.agency,
            title_id: meta.title.id,
            title_en: meta.title.en,
            kind: VideoKind::Youtube,
            youtube_id: Some(youtube_id),
            file_name: None,
            mime: None,
            captions_id: None,
            captions_en: None,
            poster: None,
            created_at: state.clock.now(),
        }
    };
    if let Err(e) = usecases::videos::add_video(state.store.as_ref(), &record, &staff.account.username).await {
        remove_files(&state, &record).await;
        return Err(e);
    }
    Ok((StatusCode::CREATED, Json(stored_video(&record))).into_response())
}

fn check_meta(state: &AppState, meta: &NewVideo) -> Result<(), AppError> {
    if state.city.agency(&meta.agency).is_none() {
        return Err(AppError::field(ErrorKind::UnknownAgency, Field::Agency));
    }
    for (text, field) in [(&meta.title.id, "title.id"), (&meta.title.en, "title.en")] {
        if text.trim().is_empty() {
            return Err(AppError::field(ErrorKind::Required, field));
        }
        if text.chars().count() > 120 {
            return Err(AppError::field(ErrorKind::TooLong { max: 120 }, field));
        }
    }
    if let Some(id) = &meta.youtube_id
        && !is_youtube_id(id)
    {
        return Err(AppError::field(ErrorKind::InvalidValue, Field::YoutubeId));
    }
    Ok(())
}

/// Kinds of uploaded files, recognised by content.
fn video_mime(head: &[u8]) -> Option<(&'static str, &'static str)> {
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some(("video/webm", "webm"))
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        Some(("video/mp4", "mp4"))
    } else {
        None
    }
}

fn is_webvtt(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    body.starts_with(b"WEBVTT")
        && matches!(body.get(6), None | Some(b' ' | b'\t' | b'\n' | b'\r'))
        && std::str::from_utf8(body).is_ok()
}

/// Streams the `video` part to `<id>.<ext>` in `dir`, checking its kind by
/// its first bytes and its size as it goes; every file made is noted in
/// `written` so a failed upload leaves nothing behind.
async fn save_video(
    field: &mut axum::extract::multipart::Field<'_>,
    dir: &FsPath,
    id: &str,
    written: &mut Vec<PathBuf>,
) -> Result<(&'static str, String), AppError> {
    let path = dir.join(format!("{id}.part"));
    let mut file = tokio::fs::File::create(&path).await.map_err(|e| anyhow::anyhow!("create: {e}"))?;
    written.push(path.clone());
    let mut size = 0;
    let mut kind = None;
    while let Some(chunk) = field.chunk().await.map_err(|_| AppError::from(ErrorKind::InvalidMultipart))? {
        if size == 0 {
            kind = Some(video_mime(&chunk).ok_or_else(|| AppError::field(ErrorKind::VideoUnsupported, Field::Video))?);
        }
        size += chunk.len();
        if size > VIDEO_MAX_BYTES {
            return Err(AppError::field(ErrorKind::BodyTooLarge { max_mb: VIDEO_MAX_BYTES >> 20 }, Field::Video));
        }
        file.write_all(&chunk).await.map_err(|e| anyhow::anyhow!("write: {e}"))?;
    }
    let (mime, ext) = kind.ok_or_else(|| AppError::field(ErrorKind::VideoUnsupported, Field::Video))?;
    file.sync_all().await.map_err(|e| anyhow::anyhow!("sync: {e}"))?;
    let final_name = format!("{id}.{ext}");
    tokio::fs::rename(&path, dir.join(&final_name)).await.map_err(|e| anyhow::anyhow!("rename: {e}"))?;
    written.push(dir.join(&final_name));
    Ok((mime, final_name))
}

/// Streams the parts of an upload to files, checking each by content; on any
/// failure nothing stays behind.
async fn upload(state: &AppState, mut multipart: Multipart) -> Result<VideoRecord, AppError> {
    let dir = state.settings.media_dir.join("videos");
    tokio::fs::create_dir_all(&dir).await.map_err(|e| anyhow::anyhow!("media dir: {e}"))?;
    let id = random_id();
    let mut written: Vec<PathBuf> = Vec::new();
    let result = async {
        let mut meta = None;
        let mut record = VideoRecord {
            id: id.clone(),
            agency: String::new(),
            title_id: String::new(),
            title_en: String::new(),
            kind: VideoKind::File,
            youtube_id: None,
            file_name: None,
            mime: None,
            captions_id: None,
            captions_en: None,
            poster: None,
            created_at: state.clock.now(),
        };
        while let Some(mut field) =
            multipart.next_field().await.map_err(|_| AppError::from(ErrorKind::InvalidMultipart))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                "meta" => {
                    let bytes = field.bytes().await.map_err(|_| AppError::from(ErrorKind::InvalidMultipart))?;
                    meta = Some(parse_json::<NewVideo>(&bytes)?);
                }
                "video" => {
                    let (mime, file_name) = save_video(&mut field, &dir, &id, &mut written).await?;
                    record.file_name = Some(file_name);
                    record.mime = Some(mime.into());
                }
                "captions_id" | "captions_en" | "poster" => {
                    let bytes = field.bytes().await.map_err(|_| AppError::from(ErrorKind::InvalidMultipart))?;
                    if bytes.len() > SIDE_FILE_MAX_BYTES {
                        return Err(AppError::field(
                            ErrorKind::BodyTooLarge { max_mb: SIDE_FILE_MAX_BYTES >> 20 },
                            name,
                        ));
                    }
                    let file_name = if name == "poster" {
                        let photo = crate::photos::clean(&bytes).map_err(|k| AppError::field(k, Field::Poster))?;
                        let ext = if photo.mime == "image/png" { "png" } else { "jpg" };
                        tokio::fs::write(dir.join(format!("{id}.poster.{ext}")), &photo.bytes)
                            .await
                            .map_err(|e| anyhow::anyhow!("write: {e}"))?;
                        format!("{id}.poster.{ext}")
                    } else {
                        if !is_webvtt(&bytes) {
                            return Err(AppError::field(ErrorKind::VideoUnsupported, name));
                        }
                        let lang = &name["captions_".len()..];
                        tokio::fs::write(dir.join(format!("{id}.{lang}.vtt")), &bytes)
                            .await
                            .map_err(|e| anyhow::anyhow!("write: {e}"))?;
                        format!("{id}.{lang}.vtt")
                    };
                    written.push(dir.join(&file_name));
                    match name.as_str() {
                        "poster" => record.poster = Some(file_name),
                        "captions_id" => record.captions_id = Some(file_name),
                        _ => record.captions_en = Some(file_name),
                    }
                }
                _ => while field.chunk().await.map_err(|_| AppError::from(ErrorKind::InvalidMultipart))?.is_some() {},
            }
        }
        let meta = meta.ok_or_else(|| AppError::field(ErrorKind::Required, Field::Meta))?;
        check_meta(state, &meta)?;
        if record.file_name.is_none() {
            return Err(AppError::field(ErrorKind::Required, Field::Video));
        }
        record.agency = meta.agency;
        record.title_id = meta.title.id;
        record.title_en = meta.title.en;
        Ok(record)
    }
    .await;
    if result.is_err() {
        for path in written {
            let _ = tokio::fs::remove_file(path).await;
        }
    }
    result
}

/// Removes a catalogue entry (admins); uploaded files are deleted.
#[utoipa::path(
    delete,
    path = "/api/v1/staff/videos/{id}",
    tag = "staff",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Video id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Not an admin", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No such entry", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn remove_video(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    staff.require(&[Role::Admin])?;
    usecases::videos::remove_video(
        state.store.as_ref(),
        &state.settings.media_dir,
        &id,
        &staff.account.username,
        state.clock.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes the files of an entry that could not be stored.
async fn remove_files(state: &AppState, video: &VideoRecord) {
    let dir = state.settings.media_dir.join("videos");
    for file in video.files() {
        let _ = tokio::fs::remove_file(dir.join(file)).await;
    }
}
