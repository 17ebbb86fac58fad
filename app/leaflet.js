// The part of Leaflet (npm, node_modules/leaflet/src) the two apps use,
// bundled by scripts/build-leaflet.sh into the global `L` the `leaflet` crate
// binds to. Leaflet's own build carries every layer, control and projection
// it has (36.9 KB brotli); the apps need a tiled map, markers, circles, a
// layer group, popups and tooltips, which come to about 30 KB. What the apps
// call on L is exactly what wasm-bindgen imports: the constructors exported
// here, and methods reached through their prototypes.

// The map with every interaction handler (drag, pinch, keyboard, wheel,
// double tap, box zoom, tap-and-hold).
export {Map} from 'leaflet/src/map/index';
// Its two default controls (zoom buttons, attribution: the tiles' licence).
import 'leaflet/src/control/Control.Zoom';
import 'leaflet/src/control/Control.Attribution';
// How the map draws circles (SVG, or canvas when asked).
import 'leaflet/src/layer/vector/Renderer.getRenderer';
// bindPopup and bindTooltip on every layer (the reports' map).
import 'leaflet/src/layer/Popup';
import 'leaflet/src/layer/Tooltip';

export {LatLng} from 'leaflet/src/geo/LatLng';
export {LayerGroup} from 'leaflet/src/layer/LayerGroup';
export {TileLayer} from 'leaflet/src/layer/tile/TileLayer';
export {Marker} from 'leaflet/src/layer/marker/Marker';
export {CircleMarker} from 'leaflet/src/layer/vector/CircleMarker';
export {Circle} from 'leaflet/src/layer/vector/Circle';
