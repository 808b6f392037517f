/* The public map of shops coloured by published grade (/public): Leaflet (vendored), one circle per shop.
 * The tile layer comes from the server's config (MAP_TILE_*): with none, or tiles that fail to load,
 * the circles stay on a plain background. Tiles in GCJ-02 (高德) get the points shifted (js/chinacoords.js). */
(function () {
  "use strict";

  var COLOURS = { AAA: "#1b5e20", AA: "#388e3c", A: "#689f38", B: "#f9a825", C: "#ef6c00", D: "#c62828" };

  function start() {
    var box = document.getElementById("public-map");
    var dataEl = document.getElementById("public-map-data");
    if (!box || !dataEl || !window.L) return;
    var data = JSON.parse(dataEl.textContent);
    var tiles = data.tiles || {};
    var shift = tiles.coords === "gcj02" && window.chinaCoords
      ? function (lat, lng) { return window.chinaCoords.wgs84ToGcj02(lat, lng); }
      : function (lat, lng) { return [lat, lng]; };
    var map = L.map(box, { zoomControl: true, attributionControl: !!tiles.attribution, maxZoom: tiles.max_zoom || 18,
                           preferCanvas: true });
    if (tiles.url) {
      var opts = { maxZoom: tiles.max_zoom || 18, attribution: tiles.attribution || "" };
      if (tiles.subdomains) opts.subdomains = tiles.subdomains;
      L.tileLayer(tiles.url, opts).addTo(map);
      if (tiles.labels) L.tileLayer(tiles.labels, opts).addTo(map);
    }
    var latlngs = [];
    (data.points || []).forEach(function (p) {
      var ll = shift(p.lat, p.lng);
      latlngs.push(ll);
      var colour = COLOURS[p.grade] || "#9e9e9e";
      var label = p.name + (p.grade ? " · " + p.grade : "");
      L.circleMarker(ll, { radius: 7, color: "#ffffff", weight: 1, fillColor: colour, fillOpacity: 0.9 })
        .bindPopup(document.createTextNode(label)).addTo(map);
    });
    if (latlngs.length) map.fitBounds(L.latLngBounds(latlngs).pad(0.1), { maxZoom: 16 });
    else map.setView([33.6, 119.0], 9);
    box.setAttribute("data-ready", String(latlngs.length));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
