//! Components with enough behaviour to deserve their own file.

pub mod category_picker;
pub mod code_form;
pub mod header;
pub mod map_picker;
pub mod my_reports;
pub mod nearby_offer;
pub mod photo_picker;
pub mod timeline;
pub mod video_card;
