/* Starts the vendored Swagger UI on /api/docs (a static file: the CSP allows no inline script). */
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  var config = { url: container.getAttribute("data-spec-url"), dom_id: "#swagger-ui-container" };
  var extra = JSON.parse(document.getElementById("swagger-ui-config").textContent || "{}");
  Object.keys(extra).forEach(function (name) { config[name] = extra[name]; });
  window.addEventListener("load", function () { window.ui = window.SwaggerUIBundle(config); });
})();
