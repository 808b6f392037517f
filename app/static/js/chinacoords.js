/* Coordinates for Chinese map apps, and the hand-off links that open them.
 *
 * Shops are stored in WGS-84 (what a phone's GPS gives, and what the geo: URI of RFC 5870 means).
 * Maps published in China are offset by law: 高德 (AutoNavi) and Apple Maps in China use GCJ-02
 * ("Mars coordinates"), 百度 uses BD-09, a further offset of GCJ-02. The conversions below are the
 * standard published ones (Krasovsky 1940 ellipsoid; the BD-09 step from Baidu's own formula);
 * outside China GCJ-02 equals WGS-84. Accuracy: a few metres, enough to navigate to a shop.
 *
 * window.chinaCoords = {wgs84ToGcj02, gcj02ToBd09, wgs84ToBd09, outOfChina, handoff}
 * Links marked up as <a data-nav="amap|baidu|apple|geo" data-lat data-lng data-name> get their href
 * from handoff() when the page loads (tests/browser/test_navigation.py checks it against a reference).
 */
(function () {
  "use strict";

  var A = 6378245.0; // Krasovsky 1940 semi-major axis
  var EE = 0.00669342162296594323; // its first eccentricity squared
  var X_PI = Math.PI * 3000.0 / 180.0;

  function outOfChina(lat, lng) {
    return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271;
  }

  function transformLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    return r;
  }

  function transformLng(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    return r;
  }

  /* WGS-84 -> GCJ-02: [lat, lng]. */
  function wgs84ToGcj02(lat, lng) {
    if (outOfChina(lat, lng)) return [lat, lng];
    var dLat = transformLat(lng - 105.0, lat - 35.0);
    var dLng = transformLng(lng - 105.0, lat - 35.0);
    var radLat = lat / 180.0 * Math.PI;
    var magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI);
    dLng = (dLng * 180.0) / (A / sqrtMagic * Math.cos(radLat) * Math.PI);
    return [lat + dLat, lng + dLng];
  }

  /* GCJ-02 -> BD-09: [lat, lng]. */
  function gcj02ToBd09(lat, lng) {
    var z = Math.sqrt(lng * lng + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
    var theta = Math.atan2(lat, lng) + 0.000003 * Math.cos(lng * X_PI);
    return [z * Math.sin(theta) + 0.006, z * Math.cos(theta) + 0.0065];
  }

  function wgs84ToBd09(lat, lng) {
    var g = wgs84ToGcj02(lat, lng);
    return gcj02ToBd09(g[0], g[1]);
  }

  function r6(x) { return Math.round(x * 1e6) / 1e6; }

  /* The hand-off links for a shop at WGS-84 (lat, lng): each app gets the coordinates it expects. */
  function handoff(lat, lng, name) {
    var label = name || "";
    var g = wgs84ToGcj02(lat, lng);
    var b = gcj02ToBd09(g[0], g[1]);
    var enc = encodeURIComponent(label);
    return {
      // geo: (Android, any map app): WGS-84, as RFC 5870 says
      geo: "geo:" + lat + "," + lng + "?q=" + lat + "," + lng + "(" + enc + ")",
      // 高德: GCJ-02, declared with coordinate=gaode; callnative opens the app when installed
      amap: "https://uri.amap.com/navigation?to=" + r6(g[1]) + "," + r6(g[0]) + "," + enc +
        "&mode=car&coordinate=gaode&callnative=1",
      // 百度: BD-09, declared with coord_type=bd09ll
      baidu: "https://api.map.baidu.com/direction?destination=" + encodeURIComponent("latlng:" + r6(b[0]) + "," + r6(b[1]) +
        "|name:" + label) + "&coord_type=bd09ll&mode=driving&output=html&src=" + encodeURIComponent("webapp.tobacco.credit"),
      // Apple Maps: its map of China is GCJ-02
      apple: "https://maps.apple.com/?daddr=" + r6(g[0]) + "," + r6(g[1]) + "&dirflg=d&q=" + enc,
    };
  }

  function fill(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("a[data-nav][data-lat]"), function (a) {
      var lat = parseFloat(a.getAttribute("data-lat")), lng = parseFloat(a.getAttribute("data-lng"));
      if (isNaN(lat) || isNaN(lng)) return;
      var links = handoff(lat, lng, a.getAttribute("data-name"));
      var kind = a.getAttribute("data-nav");
      if (links[kind]) a.href = links[kind];
    });
  }

  window.chinaCoords = { wgs84ToGcj02: wgs84ToGcj02, gcj02ToBd09: gcj02ToBd09, wgs84ToBd09: wgs84ToBd09,
                         outOfChina: outOfChina, handoff: handoff, fill: fill };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { fill(); });
  else fill();
})();
