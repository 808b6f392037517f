/* The supervisors' map (/map): shops coloured by current grade (the same CSS classes as the grade
 * badges: .grade-aaa ... .grade-d), clustered (Leaflet.markercluster, vendored), with the quarter's
 * confirmed violations as circles sized by count per grid cell, the county outlines and a scale.
 * The tile layer comes from the server's config (MAP_TILE_*): with none, or tiles that fail to load,
 * the map is a plain background with the outlines, the markers and the scale. The shops come from
 * GET /api/map/shops (compact arrays, ETag); a marker's details are fetched when its popup opens. */
(function () {
  "use strict";

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)[sd]/g, function (_m, k) { return values[k] === undefined ? "" : String(values[k]); });
  }

  function start() {
    var box = document.getElementById("supervision-map");
    var dataEl = document.getElementById("supervision-map-data");
    var countEl = document.querySelector("[data-testid=map-count]");
    var heatNote = document.querySelector("[data-testid=map-heat-note]");
    if (!box || !dataEl || !window.L || !L.markerClusterGroup) return;
    var data = JSON.parse(dataEl.textContent);
    var text = data.text;
    var tiles = data.tiles || {};
    var shift = tiles.coords === "gcj02" && window.chinaCoords
      ? function (lat, lng) { return window.chinaCoords.wgs84ToGcj02(lat, lng); }
      : function (lat, lng) { return [lat, lng]; };
    var maxZoom = tiles.max_zoom || 18;
    var map = L.map(box, { zoomControl: true, attributionControl: !!tiles.attribution, maxZoom: maxZoom });
    if (tiles.url) {
      var opts = { maxZoom: maxZoom, attribution: tiles.attribution || "" };
      if (tiles.subdomains) opts.subdomains = tiles.subdomains;
      L.tileLayer(tiles.url, opts).addTo(map);
      if (tiles.labels) L.tileLayer(tiles.labels, opts).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);

    var outlines = L.layerGroup();
    var bounds = L.latLngBounds([]);
    (data.boundaries || []).forEach(function (b) {
      var ring = b.ring.map(function (p) { return shift(p[0], p[1]); });
      L.polygon(ring, { className: "map-county", color: "#5c6bc0", weight: 1.5, fill: false, interactive: false })
        .addTo(outlines);
      ring.forEach(function (p) { bounds.extend(p); });
    });
    outlines.addTo(map);
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.05));
    else map.setView([33.5, 119.0], 9);

    var onAllAdded = null;  // called once every marker is in its cluster (chunked loading runs over several ticks)
    var clusters = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 60,
                                          spiderfyOnMaxZoom: true, chunkInterval: 200, chunkDelay: 10,
                                          chunkProgress: function (done, total) {
                                            if (done === total && onAllAdded) { onAllAdded(); onAllAdded = null; }
                                          } });
    var heat = L.layerGroup();
    clusters.addTo(map);
    heat.addTo(map);
    var overlays = {};
    overlays[text.shops] = clusters;
    overlays[text.heat] = heat;
    overlays[text.counties] = outlines;
    L.control.layers(null, overlays, { collapsed: true }).addTo(map);

    var icons = {};
    function icon(grade, flags) {
      var key = grade + ":" + flags;
      if (!icons[key]) {
        var cls = "map-pin grade-" + (grade ? grade.toLowerCase() : "none");
        if (flags & 2) cls += " map-pin-black";
        else if (flags & 1) cls += " map-pin-red";
        if (flags & 4) cls += " map-pin-warning";
        icons[key] = L.divIcon({ className: cls, iconSize: [14, 14], iconAnchor: [7, 7], popupAnchor: [0, -6] });
      }
      return icons[key];
    }

    function popupFor(id, grade, flags) {
      var el = document.createElement("div");
      el.className = "map-popup";
      el.setAttribute("data-testid", "map-popup");
      el.textContent = text.loading;
      var loaded = false;
      return {
        el: el,
        load: function () {
          if (loaded) return;
          fetch(data.detail + id, { credentials: "same-origin", headers: { Accept: "application/json" } })
            .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
            .then(function (shop) {
              loaded = true;
              el.textContent = "";
              var name = document.createElement("strong");
              name.textContent = shop.name;
              el.appendChild(name);
              var lines = [text.licence + " " + shop.licence_no, text.grade + " " + (shop.grade || text.none)];
              if (flags & 1) lines.push(text.red);
              if (flags & 2) lines.push(text.black);
              if (flags & 4) lines.push(text.warning);
              lines.forEach(function (line) {
                var p = document.createElement("div");
                p.textContent = line;
                el.appendChild(p);
              });
              var a = document.createElement("a");
              a.href = shop.url;
              a.textContent = text.open;
              a.setAttribute("data-testid", "map-popup-link");
              el.appendChild(a);
            })
            .catch(function () { el.textContent = text.failed; });
        }
      };
    }

    function drawHeat(h) {
      heat.clearLayers();
      if (!h) return;
      var max = 1;
      h.cells.forEach(function (c) { if (c[2] > max) max = c[2]; });
      var half = h.cell_deg / 2;
      h.cells.forEach(function (c) {
        var share = c[2] / max;
        // the circle's area follows the count; at most the cell's own size, so circles never overlap
        var radius = Math.max(350, Math.sqrt(share) * half * 111320 * 0.8);
        L.circle(shift(c[0], c[1]), { radius: radius, className: "map-heat", stroke: true, weight: 1,
                                      color: "#b71c1c", fillColor: "#e53935", fillOpacity: 0.15 + 0.45 * share,
                                      interactive: true })
          .bindTooltip(fmt(text.cell, { n: c[2] })).addTo(heat);
      });
      if (heatNote) {
        heatNote.textContent = fmt(text.heat_note, { q: h.quarter, n: h.total, c: h.cells.length });
        heatNote.setAttribute("data-total", String(h.total));
      }
    }

    fetch(data.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (payload) {
        var grades = payload.grades;
        var markers = new Array(payload.shops.length);
        var shopBounds = L.latLngBounds([]);
        payload.shops.forEach(function (row, i) {
          var id = row[0], ll = shift(row[1], row[2]), grade = row[3] >= 0 ? grades[row[3]] : null, flags = row[5];
          var m = L.marker(ll, { icon: icon(grade, flags), keyboard: false });
          var popup = null;
          m.bindPopup(function () {
            popup = popup || popupFor(id, grade, flags);
            popup.load();
            return popup.el;
          });
          markers[i] = m;
          shopBounds.extend(ll);
        });
        drawHeat(payload.heat);
        if (shopBounds.isValid() && !bounds.isValid()) map.fitBounds(shopBounds.pad(0.1), { maxZoom: 15 });
        if (countEl) countEl.textContent = fmt(text.count, { n: payload.count, u: payload.unlocated });
        var ready = function () { box.setAttribute("data-ready", String(payload.count)); };
        if (markers.length) {
          onAllAdded = function () { setTimeout(ready, 0); };  // chunkProgress runs just before the clusters are drawn
          clusters.addLayers(markers);
        } else ready();
      })
      .catch(function () {
        if (countEl) countEl.textContent = text.failed;
        box.setAttribute("data-ready", "error");
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
