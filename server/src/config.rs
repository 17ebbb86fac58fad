//! Loading the city file and the server's own settings.

use std::path::{Path, PathBuf};

use portal112_core::city::CityConfig;

/// Why a city file was refused. Every message names the file, the field and
/// what is wrong, so the person editing it can fix it without reading code.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {source}")]
    Read { file: PathBuf, source: std::io::Error },
    #[error("{file}:{line}: {field}: {message}")]
    Syntax { file: PathBuf, line: usize, field: String, message: String },
    #[error("{file}: {}", problems.join(&format!("\n{}: ", file.display())))]
    Invalid { file: PathBuf, problems: Vec<String> },
}

/// Reads and checks a city file.
pub fn load_city(file: &Path) -> Result<CityConfig, ConfigError> {
    let text = std::fs::read_to_string(file).map_err(|source| ConfigError::Read { file: file.into(), source })?;
    parse_city(file, &text)
}

/// Parses and checks city configuration text; `file` is only used in messages.
pub fn parse_city(file: &Path, text: &str) -> Result<CityConfig, ConfigError> {
    let syntax = |field: String, e: &toml::de::Error| ConfigError::Syntax {
        file: file.into(),
        line: e.span().map_or(0, |s| text[..s.start.min(text.len())].lines().count().max(1)),
        field,
        message: e.message().trim().to_owned(),
    };
    let de = toml::Deserializer::parse(text).map_err(|e| syntax("(file)".into(), &e))?;
    let city: CityConfig = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        syntax(if field == "." { "(top level)".into() } else { field }, e.inner())
    })?;
    let mut problems = city.check();
    if let Err(calendar) = crate::service_level::ServiceClock::new(&city) {
        problems.extend(calendar);
    }
    if problems.is_empty() {
        Ok(city)
    } else {
        Err(ConfigError::Invalid { file: file.into(), problems: problems.iter().map(ToString::to_string).collect() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BITUNG: &str = include_str!("../../config/bitung.toml");

    fn load(text: &str) -> Result<CityConfig, String> {
        parse_city(Path::new("config/test.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn bitung_loads() {
        let city = load(BITUNG).unwrap();
        assert_eq!(city.city.timezone, "Asia/Makassar");
        assert_eq!(city.districts.len(), 8);
        assert_eq!(city.districts.iter().map(|d| d.villages.len()).sum::<usize>(), 69);
        assert_eq!(city.agencies.len(), 8);
        for a in &city.agencies {
            let n = city.categories.iter().filter(|c| c.agency == a.code).count();
            assert!(n >= 3, "{} has {n} categories", a.code);
        }
        let confidential: Vec<_> =
            city.categories.iter().filter(|c| c.confidential).map(|c| c.agency.as_str()).collect();
        assert!(!confidential.is_empty() && confidential.iter().all(|a| *a == "dp3a"));
    }

    #[test]
    fn syntax_errors_name_file_line_and_field() {
        let broken = BITUNG.replacen("zoom = 12", "zoom = \"twelve\"", 1);
        let e = load(&broken).unwrap_err();
        assert!(e.starts_with("config/test.toml:"), "{e}");
        assert!(e.contains("map.zoom"), "{e}");
        let line = BITUNG.lines().position(|l| l.starts_with("zoom = 12")).unwrap() + 1;
        assert!(e.contains(&format!(":{line}:")), "{e}");
    }

    #[test]
    fn missing_fields_are_named() {
        let broken = BITUNG.replacen("timezone = \"Asia/Makassar\"     # WITA\n", "", 1);
        let e = load(&broken).unwrap_err();
        assert!(e.contains("timezone"), "{e}");
    }

    #[test]
    fn inconsistencies_are_named() {
        let broken = BITUNG.replacen("agency = \"dlh\"", "agency = \"dinas-tidak-ada\"", 1);
        let e = load(&broken).unwrap_err();
        assert!(e.contains("config/test.toml: categories["), "{e}");
        assert!(e.contains("].agency: names no agency"), "{e}");
    }
}
