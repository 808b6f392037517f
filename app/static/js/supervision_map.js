/* The supervisors' map (/map): shops coloured by current grade (the same CSS classes as the grade
 * badges: .grade-aaa ... .grade-d), clustered (Leaflet.markercluster, vendored), with the quarter's
 * confirmed violations as circles sized by count per grid cell, the county outlines and a scale.
 * The tile layer comes from the server's config (MAP_TILE_*): with none, or tiles that fail to load,
 * the map is a plain background with the outlines, the markers and the scale. The shops of the view
 * come from GET /api/map/shops?bbox=... (compact arrays, ETag), asked again when the view moves; above
 * the server's limit they come counted per grid cell (bubbles); a marker's details are fetched when its
 * popup opens. */
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
    var cellsLayer = L.layerGroup();  // above the server's limit: counts per grid cell instead of shops
    var shopsLayer = L.layerGroup([clusters, cellsLayer]).addTo(map);
    heat.addTo(map);
    var overlays = {};
    overlays[text.shops] = shopsLayer;
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

    // Shops of the current view only: on every moveend (debounced) the padded view is asked for
    // (?bbox=south,west,north,east); the answer is single shops (clustered here) or, above the server's
    // limit, counts per grid cell drawn as bubbles with their grade mix.
    var loaded = null;  // {box: L.LatLngBounds asked for, mode, zoom} of the answer on the map
    var adding = false, pending = null;
    var seq = 0;
    var timer = null;
    var firstFit = !bounds.isValid();

    function fixed(v) { return Math.round(v * 10000) / 10000; }

    function boxOf(b) {
      // the data is WGS-84; with GCJ-02 tiles the view is shifted by up to ~700 m, which the padding covers
      var s = Math.max(-90, b.getSouth()), n = Math.min(90, b.getNorth());
      var w = Math.max(-180, b.getWest()), e = Math.min(180, b.getEast());
      return [fixed(s), fixed(w), fixed(n), fixed(e)];
    }

    function url(bbox) {
      return data.api + (data.api.indexOf("?") < 0 ? "?" : "&") + "bbox=" + bbox.join(",");
    }

    function cellIcon(n) {
      var size = Math.round(Math.min(44, 24 + 4 * Math.log10(Math.max(1, n))));  // a cell is 48+ px wide on a phone
      var label = n >= 10000 ? Math.round(n / 1000) + "k" : String(n);
      return L.divIcon({ className: "map-cell", html: "<span>" + label + "</span>", iconSize: [size, size],
                         iconAnchor: [size / 2, size / 2] });
    }

    function drawCells(payload) {
      // each bubble at its cell's centre (the cells are 48+ px wide on a phone, a bubble at most 44 px:
      // they never overlap); the mean position of the cell's shops tells which cell it is
      cellsLayer.clearLayers();
      var size = payload.cell_deg, grades = payload.grades;
      payload.cells.forEach(function (c) {
        var south = Math.floor((c[0] + 90) / size) * size - 90, west = Math.floor((c[1] + 180) / size) * size - 180;
        var mix = [];
        c[3].forEach(function (n, k) { if (n) mix.push((k < grades.length ? grades[k] : text.none) + " " + n); });
        var m = L.marker(shift(south + size / 2, west + size / 2),
                         { icon: cellIcon(c[2]), keyboard: false, title: fmt(text.cell_shops, { n: c[2] }) });
        m.bindTooltip(fmt(text.cell_shops, { n: c[2] }) + (mix.length ? "：" + mix.join(" · ") : ""));
        m.on("click", function () {
          map.fitBounds(L.latLngBounds(shift(south, west), shift(south + size, west + size)));
        });
        m.addTo(cellsLayer);
      });
    }

    function drawShops(payload, done) {
      var grades = payload.grades;
      var markers = new Array(payload.shops.length);
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
      });
      clusters.clearLayers();
      if (markers.length && !map.hasLayer(clusters)) {  // the shops layer is switched off: no chunks run
        clusters.addLayers(markers);
        done();
      } else if (markers.length) {
        adding = true;
        onAllAdded = function () {  // chunkProgress runs just before the clusters are drawn
          setTimeout(function () {
            adding = false;
            done();
            if (pending) { var next = pending; pending = null; next(); }
          }, 0);
        };
        clusters.addLayers(markers);
      } else done();
    }

    // markercluster adds a large set in chunks and cannot be stopped: a newer answer waits for the end
    function whenIdle(fn) {
      if (adding) pending = fn;
      else fn();
    }

    function covered(view) {
      // the last answer still holds: single shops of a box that contains the view (any zoom), or cells
      // of a box that contains it at the same zoom
      return loaded && loaded.box.contains(view) && (loaded.mode === "shops" || loaded.zoom === map.getZoom());
    }

    function load(whole) {
      var view = map.getBounds();
      if (!whole && covered(view)) return;
      var asked = view.pad(0.25);
      var bbox = boxOf(asked);
      var mine = ++seq;
      setBusy(true);
      fetch(whole ? data.api : url(bbox), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (payload) {
          if (mine !== seq) return;  // a newer view was asked for meanwhile
          drawHeat(payload.heat);
          if (whole && firstFit) {
            // no county outline to start from: fit the shops (or their cells) once, then load that view
            firstFit = false;
            var fit = L.latLngBounds([]);
            (payload.mode === "cells" ? payload.cells : payload.shops).forEach(function (row) {
              fit.extend(payload.mode === "cells" ? shift(row[0], row[1]) : shift(row[1], row[2]));
            });
            if (fit.isValid()) map.fitBounds(fit.pad(0.1), { maxZoom: 15 });
          }
          loaded = { box: whole ? L.latLngBounds([-90, -180], [90, 180]) : asked, mode: payload.mode,
                     zoom: map.getZoom() };
          var ready = function () {
            setBusy(false);
            box.setAttribute("data-mode", payload.mode);
            box.setAttribute("data-ready", String(payload.count));
          };
          whenIdle(function () {
            if (payload.mode === "cells") {
              clusters.clearLayers();
              drawCells(payload);
              if (countEl) countEl.textContent = fmt(text.cells, { n: payload.count, u: payload.unlocated });
              ready();
            } else {
              cellsLayer.clearLayers();
              if (countEl) countEl.textContent = fmt(text.count, { n: payload.count, u: payload.unlocated });
              drawShops(payload, ready);
            }
          });
        })
        .catch(function () {
          if (mine !== seq) return;
          setBusy(false);
          if (countEl) countEl.textContent = text.failed;
          box.setAttribute("data-ready", "error");
        });
    }

    function setBusy(on) {
      if (on) box.setAttribute("aria-busy", "true");
      else box.removeAttribute("aria-busy");
    }

    // While a shop's popup is open the view is not redrawn: the map pans to show the popup, and
    // redrawing the markers then would close it under the user's finger. Closing it catches up.
    var popupOpen = false;
    map.on("popupopen", function () { popupOpen = true; });
    map.on("popupclose", function () { popupOpen = false; load(false); });
    map.on("moveend", function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () { timer = null; if (!popupOpen) load(false); }, 250);
    });
    load(firstFit);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
