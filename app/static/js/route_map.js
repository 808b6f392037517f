/* The route map of the inspector's day (/visits): Leaflet (vendored), numbered markers in route
 * order joined by the route line. The tile layer comes from the server's config (MAP_TILE_*): none,
 * or tiles that fail to load (offline), leave a plain background on which the markers and the line
 * stay usable. Tiles in GCJ-02 (高德) get the markers shifted with js/chinacoords.js. */
(function () {
  "use strict";

  function start() {
    var box = document.getElementById("route-map");
    var dataEl = document.getElementById("route-data");
    if (!box || !dataEl || !window.L) return;
    var data = JSON.parse(dataEl.textContent);
    var tiles = data.tiles || {};
    var shift = tiles.coords === "gcj02" && window.chinaCoords
      ? function (lat, lng) { return window.chinaCoords.wgs84ToGcj02(lat, lng); }
      : function (lat, lng) { return [lat, lng]; };
    var points = (data.points || []).filter(function (p) { return p.lat != null && p.lng != null; });
    var map = L.map(box, { zoomControl: true, attributionControl: !!tiles.attribution, maxZoom: tiles.max_zoom || 18 });
    if (tiles.url) {
      var opts = { maxZoom: tiles.max_zoom || 18, attribution: tiles.attribution || "" };
      if (tiles.subdomains) opts.subdomains = tiles.subdomains;
      L.tileLayer(tiles.url, opts).addTo(map);
      if (tiles.labels) L.tileLayer(tiles.labels, opts).addTo(map);
    }
    var latlngs = points.map(function (p) { return shift(p.lat, p.lng); });
    if (latlngs.length > 1) L.polyline(latlngs, { color: "#b71c1c", weight: 3, opacity: 0.8 }).addTo(map);
    points.forEach(function (p, i) {
      var icon = L.divIcon({ className: "route-marker st-" + p.status, html: "<span>" + Number(p.n) + "</span>",
                             iconSize: [28, 28], iconAnchor: [14, 14] });
      var a = document.createElement("a");
      a.href = "/inspect#shop/" + Number(p.shop);
      a.textContent = p.n + ". " + p.name;
      L.marker(latlngs[i], { icon: icon, title: p.n + ". " + p.name, keyboard: true }).bindPopup(a).addTo(map);
    });
    if (latlngs.length) map.fitBounds(L.latLngBounds(latlngs).pad(0.2), { maxZoom: 16 });
    else map.setView([33.6, 119.0], 10);
    box.setAttribute("data-ready", String(points.length));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
