// Remote self-check (非现场自查): a fresh id for this capture (a resend finds the saved one) and the
// phone's position, stamped into the form before it is sent.
(function () {
  var form = document.querySelector("[data-self-check]");
  if (!form) return;
  var uuid = form.querySelector("[name=client_uuid]");
  if (uuid && !uuid.value) {
    uuid.value = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() :
      "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
        return (c ^ (Math.random() * 16) >> (c / 4)).toString(16);
      });
  }
  var status = form.querySelector("[data-gps-status]");
  function put(name, value) { var el = form.querySelector("[name=" + name + "]"); if (el) el.value = value; }
  if (!navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition(function (pos) {
    put("lat", pos.coords.latitude.toFixed(6));
    put("lng", pos.coords.longitude.toFixed(6));
    put("accuracy", Math.round(pos.coords.accuracy));
    if (status) status.textContent = status.getAttribute("data-ok");
  }, function () {
    if (status) status.textContent = status.getAttribute("data-failed");
  }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
})();
