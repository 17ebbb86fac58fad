// The part of Leaflet (npm, node_modules/leaflet/src) the report form's map
// and Konsol 112's maps use, bundled by scripts/build-leaflet.sh into the
// global `L` the `leaflet` crate binds to, as /leaflet/leaflet.js. The
// public map of reports needs more: app/leaflet-full.js. Leaflet's own build
// carries every layer, control and projection it has (36.9 KB brotli); this
// one is about 23.8 KB. What the apps call on L is exactly what
// wasm-bindgen imports: the constructors exported here, and methods reached
// through their prototypes.

import {Map} from 'leaflet/src/map/Map';
import {DoubleClickZoom} from 'leaflet/src/map/handler/Map.DoubleClickZoom';
import {Drag} from 'leaflet/src/map/handler/Map.Drag';
import {Keyboard} from 'leaflet/src/map/handler/Map.Keyboard';
import {ScrollWheelZoom} from 'leaflet/src/map/handler/Map.ScrollWheelZoom';
import {TouchZoom} from 'leaflet/src/map/handler/Map.TouchZoom';
// Its two default controls (zoom buttons, attribution: the tiles' licence).
import 'leaflet/src/control/Control.Zoom';
import 'leaflet/src/control/Control.Attribution';
import {svg} from 'leaflet/src/layer/vector/SVG';

// The map's interaction handlers: drag, pinch, keyboard, wheel, double tap.
// Left out: box zoom (shift and drag, on a desktop) and Safari's emulated
// long press (a `contextmenu` event, which no map here listens to).
Map.DoubleClickZoom = DoubleClickZoom;
Map.Drag = Drag;
Map.Keyboard = Keyboard;
Map.ScrollWheelZoom = ScrollWheelZoom;
Map.TouchZoom = TouchZoom;

// How the map draws circles: always in SVG. Leaflet's own getRenderer also
// offers a canvas (the map's preferCanvas) and a renderer per pane, which no
// map using this build asks for; leaving them out leaves Leaflet's canvas
// renderer out (1.2 KB brotli).
Map.include({
  getRenderer(layer) {
    const renderer = layer.options.renderer || this.options.renderer || this._renderer || (this._renderer = svg());
    if (!this.hasLayer(renderer)) {
      this.addLayer(renderer);
    }
    return renderer;
  },
});

export {Map};
export {LatLng} from 'leaflet/src/geo/LatLng';
export {TileLayer} from 'leaflet/src/layer/tile/TileLayer';
export {Marker} from 'leaflet/src/layer/marker/Marker';
export {Circle} from 'leaflet/src/layer/vector/Circle';
