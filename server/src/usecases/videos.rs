//! The how-to video catalogue: admins add and remove entries; the city file
//! seeds YouTube entries once.

use std::path::Path;

use portal112_core::ErrorKind;
use portal112_core::city::CityConfig;

use crate::error::AppError;
use crate::store::{AuditAction, AuditEntry, Millis, Store, VideoKind, VideoRecord};

/// Adds a checked entry (its files, if any, already saved under the media
/// folder) with its audit entry.
pub async fn add_video(store: &dyn Store, video: &VideoRecord, actor: &str) -> Result<(), AppError> {
    let entry = AuditEntry::new(video.created_at, actor, AuditAction::VideoAdd, &video.id);
    Ok(store.add_video(video, entry).await?)
}

/// Removes an entry with its audit entry, then deletes its files from
/// `media_dir/videos` (a file that cannot be deleted is only left behind).
pub async fn remove_video(
    store: &dyn Store,
    media_dir: &Path,
    id: &str,
    actor: &str,
    at: Millis,
) -> Result<VideoRecord, AppError> {
    let entry = AuditEntry::new(at, actor, AuditAction::VideoRemove, id);
    let removed = store.remove_video(id, entry).await?.ok_or(ErrorKind::NotFound)?;
    let dir = media_dir.join("videos");
    for file in removed.files() {
        if let Err(e) = tokio::fs::remove_file(dir.join(file)).await {
            tracing::warn!(error = %e, file, "a removed video's file stayed behind");
        }
    }
    Ok(removed)
}

/// Adds the city file's YouTube seeds once; a seed removed since stays removed.
pub async fn seed_videos(store: &dyn Store, city: &CityConfig, at: Millis) -> Result<(), AppError> {
    for v in &city.videos {
        let record = VideoRecord {
            id: format!("seed-{}", v.youtube_id),
            agency: v.agency.clone(),
            title_id: v.title.id.clone(),
            title_en: v.title.en.clone(),
            kind: VideoKind::Youtube,
            youtube_id: Some(v.youtube_id.clone()),
            file_name: None,
            mime: None,
            captions_id: None,
            captions_en: None,
            poster: None,
            created_at: at,
        };
        store.seed_video(&record).await?;
    }
    Ok(())
}
