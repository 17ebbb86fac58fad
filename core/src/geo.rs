//! Points and the city boundary.

use serde::{Deserialize, Serialize};

/// A WGS 84 position in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatLng {
    pub lat: f64,
    pub lng: f64,
}

impl LatLng {
    /// Whether both coordinates are finite numbers on the globe.
    #[must_use]
    pub fn is_valid(self) -> bool {
        self.lat.is_finite()
            && self.lng.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lng)
    }

    /// Great-circle distance in metres (haversine, mean Earth radius).
    #[must_use]
    pub fn distance_m(self, other: LatLng) -> f64 {
        const EARTH_RADIUS_M: f64 = 6_371_008.8;
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lng - self.lng).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }
}

/// A simple polygon (no holes) given by its corners in order; the last corner
/// connects back to the first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Polygon(pub Vec<LatLng>);

impl Polygon {
    /// Even-odd ray casting. At city scale, treating degrees as planar is exact
    /// enough: the boundary carries a margin anyway.
    #[must_use]
    pub fn contains(&self, p: LatLng) -> bool {
        let pts = &self.0;
        if pts.len() < 3 || !p.is_valid() {
            return false;
        }
        let mut inside = false;
        let mut j = pts.len() - 1;
        for i in 0..pts.len() {
            let (a, b) = (pts[i], pts[j]);
            if (a.lat > p.lat) != (b.lat > p.lat) {
                let lng_at = (b.lng - a.lng) * (p.lat - a.lat) / (b.lat - a.lat) + a.lng;
                if p.lng < lng_at {
                    inside = !inside;
                }
            }
            j = i;
        }
        inside
    }

    /// The smallest box around the polygon: `(south_west, north_east)`.
    #[must_use]
    pub fn bounds(&self) -> Option<(LatLng, LatLng)> {
        let first = *self.0.first()?;
        Some(self.0.iter().fold((first, first), |(sw, ne), p| {
            (
                LatLng { lat: sw.lat.min(p.lat), lng: sw.lng.min(p.lng) },
                LatLng { lat: ne.lat.max(p.lat), lng: ne.lng.max(p.lng) },
            )
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Polygon {
        Polygon(vec![
            LatLng { lat: 0.0, lng: 0.0 },
            LatLng { lat: 0.0, lng: 1.0 },
            LatLng { lat: 1.0, lng: 1.0 },
            LatLng { lat: 1.0, lng: 0.0 },
        ])
    }

    #[test]
    fn inside_and_outside() {
        let sq = square();
        assert!(sq.contains(LatLng { lat: 0.5, lng: 0.5 }));
        assert!(!sq.contains(LatLng { lat: 1.5, lng: 0.5 }));
        assert!(!sq.contains(LatLng { lat: 0.5, lng: -0.1 }));
        assert!(!sq.contains(LatLng { lat: f64::NAN, lng: 0.5 }));
    }

    #[test]
    fn bounds_of_a_square() {
        let (sw, ne) = square().bounds().unwrap();
        assert_eq!((sw.lat, sw.lng, ne.lat, ne.lng), (0.0, 0.0, 1.0, 1.0));
    }

    #[test]
    fn distances_in_metres() {
        let a = LatLng { lat: 1.4472, lng: 125.1978 };
        assert!(a.distance_m(a).abs() < 1e-6);
        // 0.001 degree of latitude is about 111 m.
        let b = LatLng { lat: 1.4482, lng: 125.1978 };
        assert!((a.distance_m(b) - 111.2).abs() < 0.5, "{}", a.distance_m(b));
        assert!((a.distance_m(b) - b.distance_m(a)).abs() < 1e-9);
    }
}
