// app/leaflet.js and what the public map of reports adds: its reports as
// circle markers in a layer group, a popup per report (bindPopup) and a
// tooltip per area (bindTooltip). Bundled by scripts/build-leaflet.sh as
// /leaflet/leaflet-full.js, a whole Leaflet of its own (about 26.6 KB brotli):
// a page loads one or the other (portal112_web::load_leaflet).

export * from './leaflet.js';
import 'leaflet/src/layer/Popup';
import 'leaflet/src/layer/Tooltip';
export {LayerGroup} from 'leaflet/src/layer/LayerGroup';
export {CircleMarker} from 'leaflet/src/layer/vector/CircleMarker';
