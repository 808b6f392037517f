/* The inspector's field app (/inspect): shop list, shop card, the inspection form, the summary and
 * the records on this phone. Works offline: the data pack and every capture live in IndexedDB
 * (js/outbox.js); a capture is saved as a draft on every change, queued on "Save and send", and the
 * outbox sends it when it can. Views are switched by the URL hash: #, #shop/<id>, #new/<id>,
 * #edit/<uuid>, #done/<uuid>, #outbox. */
(function () {
  "use strict";

  var app = document.getElementById("inspect-app");
  if (!app || !window.outbox) return;
  var M = JSON.parse(document.getElementById("inspect-messages").textContent);
  var ob = window.outbox;
  var fmt = ob.fmt;
  var timings = (window.inspectTimings = {});
  var LIST_LIMIT = 100;
  var PHOTO_MAX_PX = 1600;
  var PHOTO_QUALITY = 0.8;

  var pack = null;
  var shopsById = {};
  var here = null; // {lat, lng, at}
  var draft = null;
  var shop = null;
  var packNote = "";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function esc(value) {
    return String(value == null ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }
  function localTime(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleString(document.documentElement.lang || "zh-CN", { hour12: false });
  }
  /* The bureau's calendar date (China time, as the server's local_today) of an instant, whatever
     time zone the phone is set to: plans, "today" and deadlines are days in Huai'an. */
  var BUREAU_TZ = "Asia/Shanghai";
  function localDate(d) {
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-US", { timeZone: BUREAU_TZ, year: "numeric", month: "2-digit", day: "2-digit" })
        .formatToParts(d).forEach(function (x) { parts[x.type] = x.value; });
      return parts.year + "-" + parts.month + "-" + parts.day;
    } catch (e) {  // no time-zone data: the phone's own date
      var p = function (n) { return (n < 10 ? "0" : "") + n; };
      return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate());
    }
  }

  /* ---- geography ---------------------------------------------------------------------------- */

  function haversine(lat1, lng1, lat2, lng2) {
    var R = 6371008.8, rad = Math.PI / 180;
    var dLat = (lat2 - lat1) * rad, dLng = (lng2 - lng1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) * Math.sin(dLng / 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function fmtDist(d) {
    if (d == null) return "";
    return d < 1000 ? fmt(M.m, { d: Math.round(d) }) : fmt(M.km, { d: (d / 1000).toFixed(1) });
  }
  function locate(done) {
    if (!navigator.geolocation) return done && done(null);
    navigator.geolocation.getCurrentPosition(function (pos) {
      here = { lat: pos.coords.latitude, lng: pos.coords.longitude, accuracy: pos.coords.accuracy,
               at: new Date(pos.timestamp || Date.now()).toISOString() };
      if (pack) pack.shops.forEach(function (s) {
        s._d = s.lat == null ? null : haversine(here.lat, here.lng, s.lat, s.lng);
      });
      if (done) done(here);
    }, function (err) { if (done) done(null, err); },
    { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  }

  /* ---- the data pack ----------------------------------------------------------------------- */

  function setPack(data) {
    pack = data;
    shopsById = {};
    pack.shops.forEach(function (s) {
      shopsById[s.id] = s;
      s._k = (s.no + " " + s.name + " " + (s.py || "")).toLowerCase();
      s._d = here && s.lat != null ? haversine(here.lat, here.lng, s.lat, s.lng) : null;
    });
    pack.indicatorsByCode = {};
    pack.indicators.forEach(function (i) { pack.indicatorsByCode[i.code] = i; });
    pack.officersById = {};
    pack.officers.forEach(function (o) { pack.officersById[o.id] = o; });
  }

  function loadPack(fromNetwork) {
    return ob.idb.get("kv", "pack").then(function (stored) {
      if (stored && stored.value && stored.value.user_id === ob.userId()) setPack(stored.value);
      if (!fromNetwork || !navigator.onLine) return null;
      return fetch(app.getAttribute("data-pack-url"), { credentials: "same-origin", cache: "no-store" })
        .then(function (res) {
          if (!res.ok) throw new Error(String(res.status));
          return res.json();
        }).then(function (data) {
          packNote = "";
          setPack(data);
          return ob.idb.put("kv", { key: "pack", value: data });
        }).catch(function () { packNote = M["pack.failed"]; });
    }).then(function () { renderPackInfo(); });
  }

  function renderPackInfo() {
    var info = $("#pack-info");
    if (!pack) { info.textContent = M["pack.none"]; return; }
    info.textContent = fmt(M.pack, { time: localTime(pack.generated_at) }) + " · " +
      fmt(M.shops, { n: pack.shops.length }) + (packNote ? " · " + packNote : "");
  }

  /* ---- views -------------------------------------------------------------------------------- */

  function show(name) {
    $$("[data-view]", app).forEach(function (s) { s.hidden = s.getAttribute("data-view") !== name; });
    window.scrollTo(0, 0);
  }

  function route() {
    var parts = location.hash.replace(/^#/, "").split("/");
    var name = parts[0], arg = parts.slice(1).join("/");
    if (name === "outbox") return showOutbox();
    if (name === "done") return showDone(arg);
    if (name === "edit") return openDraft(arg);
    if (pack && name === "shop" && shopsById[arg]) return showShop(shopsById[arg]);
    if (pack && name === "new" && shopsById[arg]) return startInspection(shopsById[arg]);
    if (pack && name === "recheck" && shopsById[parts[1]]) return startInspection(shopsById[parts[1]], parts[2]);
    if (pack && name === "visit") {
      var visit = (pack.visits || []).filter(function (v) { return String(v.id) === arg; })[0];
      if (visit && shopsById[visit.retailer_id]) return startInspection(shopsById[visit.retailer_id], null, visit);
    }
    return showList();
  }

  /* -- list -- */

  function rowHtml(s) {
    var grade = s.grade ? '<span class="grade g-' + esc(s.grade) + '">' + esc(s.grade) + "</span>" : "";
    var warn = s.warn ? '<span class="warn-dot" title="!">!</span>' : "";
    return '<li><a href="#shop/' + s.id + '"><strong>' + esc(s.name) + "</strong> " + grade + warn +
      (s._d != null ? ' <span class="dist">' + esc(fmtDist(s._d)) + "</span>" : "") +
      '<span class="muted">' + esc(s.no) + " · " + esc(s.addr) + "</span></a></li>";
  }

  function renderList() {
    if (!pack) { $("#shop-list").innerHTML = ""; $("#shop-count").textContent = ""; return; }
    var t0 = performance.now();
    var q = $("#shop-q").value.trim().toLowerCase().replace(/\s+/g, "");
    var rows = q ? pack.shops.filter(function (s) { return s._k.indexOf(q) !== -1; }) : pack.shops.slice();
    if (here) {
      rows.sort(function (a, b) {
        return (a._d == null ? Infinity : a._d) - (b._d == null ? Infinity : b._d) || (a.no < b.no ? -1 : 1);
      });
    }
    var shown = rows.slice(0, LIST_LIMIT);
    $("#shop-list").innerHTML = shown.map(rowHtml).join("");
    $("#shop-count").textContent = rows.length > LIST_LIMIT ? fmt(M.showing, { n: LIST_LIMIT, total: rows.length })
                                                           : fmt(M.shops, { n: rows.length });
    timings.filter = performance.now() - t0;
    timings.filterRows = rows.length;
  }

  /* 计划检查: today's planned visits in route order (the pack carries a week either side, so the
   * form can link a capture to its visit); the day list (/visits) has every day. */
  function todaysVisits() {
    var today = localDate(new Date());
    return ((pack && pack.visits) || []).filter(function (v) { return v.day === today && shopsById[v.retailer_id]; })
      .sort(function (a, b) { return (a.order || 0) - (b.order || 0) || a.id - b.id; });
  }

  function renderVisits() {
    var box = $("#visits-box");
    var visits = todaysVisits();
    box.hidden = !visits.length;
    $("#visits-count").textContent = fmt(M["visits.today"], { n: visits.length });
    $("#visit-list").innerHTML = visits.map(function (v) {
      var s = shopsById[v.retailer_id];
      return '<li data-testid="planned-visit"><span class="route-no">' + esc(v.order) + "</span>" +
        '<a href="#shop/' + s.id + '"><strong>' + esc(s.name) + "</strong></a> " +
        (v.status === "done" ? '<span class="badge badge-ok">' + esc(M["visit.done"]) + "</span>"
          : '<a class="button small primary-link" href="#visit/' + v.id + '" data-testid="planned-start">' + esc(M["start"]) + "</a>") +
        "</li>";
    }).join("");
  }

  function showList() {
    show("list");
    renderPackInfo();
    renderVisits();
    renderList();
    if (pack && (!here || Date.now() - Date.parse(here.at) > 60000)) {
      locate(function () { renderList(); });
    }
  }

  /* -- shop card -- */

  function localCaptures(shopId) {
    return Promise.all([ob.idb.all("outbox"), ob.idb.all("sent"), ob.idb.all("drafts")]).then(function (r) {
      var mine = function (x) { return x.payload ? x.payload.retailer_id === shopId : x.retailer_id === shopId; };
      return { queued: r[0].filter(mine), sent: r[1].filter(mine), drafts: r[2].filter(mine) };
    });
  }

  function showShop(s) {
    shop = s;
    show("shop");
    $("#shop-name").textContent = s.name;
    $("#shop-grade").textContent = s.grade ? s.grade + (s.score != null ? " · " + s.score : "") : "—";
    $("#shop-grade").className = "grade" + (s.grade ? " g-" + s.grade : "");
    $("#shop-dist").textContent = s._d != null ? fmtDist(s._d) : "";
    $("#shop-no").textContent = s.no;
    $("#shop-op").textContent = s.op || "";
    $("#shop-tel").innerHTML = s.tel ? '<a href="tel:' + esc(s.tel) + '">' + esc(s.tel) + "</a>" : "";
    $("#shop-addr").textContent = s.addr;
    var licenceWarn = (s.warn || []).filter(function (w) { return w === "licence_expired" || w === "licence_expiring"; })[0];
    $("#shop-licence").textContent = s.exp ? fmt(M[licenceWarn ? "licence." + licenceWarn : "licence.valid"], { d: s.exp }) : "";
    $("#shop-licence").className = licenceWarn ? "warn" : "";
    $("#shop-navs").hidden = s.lat == null;
    if (s.lat != null && window.chinaCoords) {
      var links = window.chinaCoords.handoff(s.lat, s.lng, s.name);
      $("#shop-nav").href = links.geo;
      $("#nav-amap").href = links.amap;
      $("#nav-baidu").href = links.baidu;
      $("#nav-apple").href = links.apple;
    }
    $("#shop-start").href = "#new/" + s.id;
    $("#shop-warn").innerHTML = (s.warn || []).map(function (w) {
      return '<li class="warn">' + esc(fmt(M["warn." + w] || w, { d: s.exp })) + "</li>";
    }).join("") || "<li class=\"muted\">" + esc(M["no.records"]) + "</li>";
    $("#shop-recs").innerHTML = (s.recs || []).map(function (r) {
      var ind = pack.indicatorsByCode[r[0]];
      return "<li>" + esc(r[2]) + " · " + esc(r[0]) + " " + esc(ind ? ind.name : "") + (r[3] ? " ×" + esc(r[3]) : "") +
        ' <span class="badge">' + esc(M["rec." + r[1]] || r[1]) + "</span></li>";
    }).join("") || "<li class=\"muted\">" + esc(M["no.records"]) + "</li>";
    $("#shop-bonus-card").hidden = !(s.bonus || []).length;
    $("#shop-bonus").innerHTML = (s.bonus || []).map(function (r) {
      return '<li class="ok">' + esc(r[2]) + " · " + esc(r[4] || M["bonus.record"]) +
        ' <span class="badge badge-ok">+' + esc(r[3]) + "</span></li>";
    }).join("");
    $("#shop-rect").innerHTML = (s.rect || []).map(function (r) {
      var overdue = r[2] < pack.today;
      return '<li data-testid="rect-item"' + (overdue ? ' class="warn"' : "") + ">" + esc(fmt(M["rect.due"], { date: r[2] })) + " · " +
        esc(r[1]) + ' <a class="button small" href="#recheck/' + s.id + "/" + r[0] + '" data-testid="recheck">' +
        esc(M.recheck) + "</a></li>";
    }).join("") || "<li class=\"muted\">" + esc(M["no.records"]) + "</li>";
    var insp = (s.insp || []).map(function (i) {
      return "<li>" + esc(i[0]) + " · " + esc(M["outcome." + i[1]] || i[1]) +
        (i[2] ? " · " + esc(fmt(M["violations.n"], { n: i[2] })) : "") + "</li>";
    });
    localCaptures(s.id).then(function (local) {
      var unfinished = local.drafts.filter(function (d) { return d.user_id === ob.userId(); })
        .sort(function (a, b) { return b.updated_at - a.updated_at; });
      $("#shop-drafts").hidden = !unfinished.length;
      $("#shop-drafts").innerHTML = unfinished.map(function (d) {
        return '<a class="button" href="#edit/' + esc(d.uuid) + '" data-testid="continue-draft">' +
          esc(fmt(M["draft.continue"], { time: localTime(d.started_at) })) + "</a>";
      }).join("");
      var extra = local.queued.map(function (q) {
        return '<li><a href="#done/' + esc(q.uuid) + '">' + esc(localTime(q.payload.started_at)) + " · " +
          esc(M["outcome." + q.payload.outcome]) + " · " + esc(M["queued.here"]) + "</a></li>";
      });
      $("#shop-insp").innerHTML = extra.concat(insp).join("") || "<li class=\"muted\">" + esc(M["no.inspections"]) + "</li>";
    });
  }

  /* ---- the inspection form ----------------------------------------------------------------- */

  function plannedVisit(s) {
    var today = localDate(new Date());
    return ((pack && pack.visits) || []).filter(function (v) { return v.retailer_id === s.id; })
      .sort(function (a, b) { return Math.abs(Date.parse(a.day) - Date.parse(today)) - Math.abs(Date.parse(b.day) - Date.parse(today)); })[0];
  }

  function newDraft(s, chosen) {
    var visit = chosen || plannedVisit(s);
    var checks = {};
    pack.checklist.forEach(function (c) { checks[c.code] = { result: "", note: "", photos: [] }; });
    return {
      uuid: ob.uuid4(), user_id: ob.userId(), retailer_id: s.id, started_at: new Date().toISOString(),
      position: null, nogps: false, gps_error: "", location_reason: "",
      second_officer_id: visit && pack.officersById[visit.partner_id] ? visit.partner_id : null,
      visit_id: visit ? visit.id : null, outcome: "inspected", outcome_note: "", checks: checks, violations: [],
      rect_checks: {}, has_interview: false,
      interview: { kind: "warning", attendees: "", statement: "", commitments: "" },
      rectifications: [], photos: [], notes: "",
      signature: { file: null, signer_name: "", refused: false, refusal_reason: "" },
      server_errors: null, updated_at: Date.now(),
    };
  }

  /* "Start inspection" always starts a new capture with a new id; an unfinished one is continued
   * from its own link on the shop card (#edit/<uuid>). recheck: the id of an open rectification
   * item this visit is to verify (复查). */
  function startInspection(s, recheck, visit) {
    var d = newDraft(s, visit);
    if (recheck && (s.rect || []).some(function (r) { return String(r[0]) === String(recheck); })) d.recheck = Number(recheck);
    ob.putDraft(d).then(function () {
      history.replaceState(null, "", "#edit/" + d.uuid);
      openForm(d);
    });
  }

  function openDraft(uuidValue) {
    ob.idb.get("drafts", uuidValue).then(function (d) {
      if (!d || !pack || !shopsById[d.retailer_id]) { location.hash = "#outbox"; return; }
      openForm(d);
    });
  }

  var saveTimer = null;
  /* Save the form's capture as a draft: at once, or 250 ms after the last keystroke. The write is
   * refused by the outbox once the capture is queued, sent or discarded (ob.putDraft). */
  function saveDraft(now) {
    if (!draft) return Promise.resolve();
    draft.updated_at = Date.now();
    clearTimeout(saveTimer);
    saveTimer = null;
    var d = draft;
    var run = function () {
      saveTimer = null;
      return ob.putDraft(d).then(function (written) { if (written && draft === d) $("#draft-state").textContent = M.saved; });
    };
    if (now) return run();
    saveTimer = setTimeout(run, 250);
    return Promise.resolve();
  }

  function openForm(d) {
    draft = d;
    shop = shopsById[d.retailer_id];
    show("form");
    $("#form-shop").textContent = shop.name;
    $("#form-shop-sub").textContent = shop.no + " · " + shop.addr;
    $("#draft-state").textContent = M.saved;
    $("#form-recheck").hidden = !d.recheck;
    buildStatic();
    renderForm();
    if (d.server_errors) showServerErrors(d.server_errors);
  }

  var staticBuilt = false;
  function buildStatic() {
    if (staticBuilt) return;
    staticBuilt = true;
    $("#checkin-info").setAttribute("data-empty", $("#checkin-info").textContent);
    $("#outcomes").innerHTML = ["inspected", "closed", "not_found", "moved", "not_trading"].map(function (o) {
      return '<label><input type="radio" name="outcome" value="' + o + '" data-testid="outcome-' + o + '"> ' +
        esc(M["outcome." + o]) + "</label>";
    }).join("");
  }

  function geofenceNow() {
    if (!draft.position) return draft.nogps ? "no_gps" : null;
    if (shop.lat == null) return "no_shop_location";
    var d = haversine(draft.position.lat, draft.position.lng, shop.lat, shop.lng);
    return d > pack.radius_m * 0.995 ? "outside" : "inside"; // the server's geodesic decides; stay on the safe side
  }

  function renderCheckin() {
    var g = geofenceNow();
    var info = $("#checkin-info");
    var lines = [];
    if (draft.position) {
      lines.push(draft.position.lat.toFixed(6) + ", " + draft.position.lng.toFixed(6) + " " +
        fmt(M.position, { acc: Math.round(draft.position.accuracy), time: localTime(draft.position.at) }));
      if (shop.lat != null) {
        lines.push(fmt(M.distance, { d: Math.round(haversine(draft.position.lat, draft.position.lng, shop.lat, shop.lng)) }));
      }
    }
    if (draft.gps_error) lines.push(fmt(M["gps.error"], { msg: draft.gps_error }));
    if (g) lines.push(fmt(M["geofence." + g], { r: pack.radius_m }));
    info.textContent = lines.join(" · ") || info.getAttribute("data-empty");
    info.className = g === "inside" ? "ok" : g ? "warn" : "muted";
    info.setAttribute("data-geofence", g || "");
    $("#reason-wrap").hidden = !(g === "outside" || g === "no_gps");
    $("[name=location_reason]").value = draft.location_reason;
  }

  function officerOptions() {
    var sel = $("[name=second_officer_id]");
    sel.innerHTML = '<option value="">' + esc(M.choose) + "</option>" + pack.officers.map(function (o) {
      return '<option value="' + o.id + '">' + esc(o.name) + "</option>";
    }).join("");
    sel.value = draft.second_officer_id ? String(draft.second_officer_id) : "";
  }

  function indicatorOptions(selected) {
    return '<option value="">' + esc(M.choose) + "</option>" + pack.indicators.map(function (i) {
      return '<option value="' + esc(i.code) + '"' + (i.code === selected ? " selected" : "") + ">" + esc(i.code) + " " +
        esc(i.name) + (i.points != null ? " (" + i.points + ")" : "") + "</option>";
    }).join("");
  }

  var urls = {};
  function photoUrl(uuidValue) {
    if (urls[uuidValue]) return Promise.resolve(urls[uuidValue]);
    return ob.idb.get("photos", uuidValue).then(function (p) {
      if (!p) return null;
      urls[uuidValue] = URL.createObjectURL(p.blob);
      return urls[uuidValue];
    });
  }

  function renderPhotos(container, list) {
    container.innerHTML = "";
    list.forEach(function (id) {
      var fig = el("span", { "class": "thumb", "data-photo": id });
      var img = el("img", { alt: M.photo });
      var x = el("button", { type: "button", "class": "thumb-x", "data-remove-photo": id, "aria-label": M.remove }, "×");
      fig.appendChild(img); fig.appendChild(x);
      container.appendChild(fig);
      photoUrl(id).then(function (u) { if (u) img.src = u; });
    });
  }

  function renderChecklist() {
    var ol = $("#checklist");
    ol.innerHTML = "";
    var tpl = $("#tpl-check");
    pack.checklist.forEach(function (item) {
      var c = draft.checks[item.code] || (draft.checks[item.code] = { result: "", note: "", photos: [] });
      var li = tpl.content.firstElementChild.cloneNode(true);
      li.setAttribute("data-code", item.code);
      li.setAttribute("data-testid", "check-" + item.code);
      $(".check-label", li).textContent = item.label;
      $$("input[type=radio]", li).forEach(function (r) {
        r.name = "check-" + item.code;
        r.checked = r.value === c.result;
      });
      $(".check-note", li).value = c.note;
      $("input[type=file]", li).setAttribute("data-photo-input", "check:" + item.code);
      $(".photos", li).setAttribute("data-photos", "check:" + item.code);
      renderPhotos($(".photos", li), c.photos);
      var suggest = $(".suggest", li);
      var ind = item.indicator && pack.indicatorsByCode[item.indicator];
      suggest.hidden = !(c.result === "fail" && ind);
      if (ind) {
        suggest.textContent = "+ " + ind.code + " " + ind.name;
        suggest.setAttribute("data-suggest", ind.code);
      }
      ol.appendChild(li);
    });
  }

  function renderViolations() {
    var ol = $("#violations");
    ol.innerHTML = "";
    var tpl = $("#tpl-violation");
    draft.violations.forEach(function (v, i) {
      var li = tpl.content.firstElementChild.cloneNode(true);
      li.setAttribute("data-i", i);
      li.setAttribute("data-testid", "violation-" + i);
      $(".v-indicator", li).innerHTML = indicatorOptions(v.indicator);
      var ind = pack.indicatorsByCode[v.indicator];
      $(".v-qty-wrap", li).hidden = !(ind && ind.banded);
      if (ind && ind.banded) $(".v-qty-label", li).textContent = ind.unit || "";
      $(".v-qty", li).value = v.quantity == null ? "" : v.quantity;
      $(".v-desc", li).value = v.description;
      $(".v-photo", li).setAttribute("data-photo-input", "violation:" + i);
      $(".photos", li).setAttribute("data-photos", "violation:" + i);
      renderPhotos($(".photos", li), v.photos);
      ol.appendChild(li);
    });
  }

  function renderRectChecks() {
    var items = shop.rect || [];
    $("#sec-rectchecks").hidden = !items.length || draft.outcome !== "inspected";
    var ol = $("#rect-checks");
    ol.innerHTML = "";
    items.forEach(function (r) {
      var c = draft.rect_checks[r[0]] || { result: "", note: "" };
      var li = $("#tpl-rectcheck").content.firstElementChild.cloneNode(true);
      li.setAttribute("data-item", r[0]);
      if (draft.recheck === r[0]) li.classList.add("recheck-target");
      $(".rc-label", li).textContent = r[2] + " · " + r[1];
      $$("input[type=radio]", li).forEach(function (x) { x.name = "rc-" + r[0]; x.checked = x.value === c.result; });
      $(".rc-note", li).value = c.note;
      ol.appendChild(li);
    });
  }

  function renderRects() {
    var ol = $("#rectifications");
    ol.innerHTML = "";
    draft.rectifications.forEach(function (r, i) {
      var li = $("#tpl-rect").content.firstElementChild.cloneNode(true);
      li.setAttribute("data-i", i);
      $(".r-desc", li).value = r.description;
      $(".r-deadline", li).value = r.deadline;
      ol.appendChild(li);
    });
  }

  function renderOutcome() {
    $$("[name=outcome]").forEach(function (r) { r.checked = r.value === draft.outcome; });
    var inspected = draft.outcome === "inspected";
    $$(".only-inspected", app).forEach(function (x) { x.hidden = !inspected; });
    if (inspected) $("#sec-rectchecks").hidden = !(shop.rect || []).length;
    $("#outcome-note-wrap").hidden = inspected;
    $("[name=outcome_note]").value = draft.outcome_note;
  }

  function renderSignature() {
    var sig = draft.signature;
    $("[name=refused]").checked = sig.refused;
    $("#refusal-wrap").hidden = !sig.refused;
    $("#sign-box").hidden = sig.refused;
    $("[name=refusal_reason]").value = sig.refusal_reason;
    $("[name=signer_name]").value = sig.signer_name;
    pad.clear();
    if (sig.file) {
      photoUrl(sig.file).then(function (u) { if (u) pad.drawImage(u); });
    }
  }

  function renderForm() {
    clearErrors();
    renderCheckin();
    officerOptions();
    renderOutcome();
    renderChecklist();
    renderViolations();
    renderRectChecks();
    $("[name=has_interview]").checked = draft.has_interview;
    $("#interview-box").hidden = !draft.has_interview;
    $("[name=interview_kind]").value = draft.interview.kind;
    $("[name=interview_attendees]").value = draft.interview.attendees;
    $("[name=interview_statement]").value = draft.interview.statement;
    $("[name=interview_commitments]").value = draft.interview.commitments;
    renderRects();
    renderPhotos($("[data-photos=photos]"), draft.photos);
    $("[name=notes]").value = draft.notes;
    renderSignature();
  }

  /* -- signature pad -- */

  var pad = (function () {
    var canvas = document.getElementById("sign-pad");
    var ctx = canvas.getContext("2d");
    var drawing = false, dirty = false, last = null;
    function reset() {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = "#111"; ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.lineJoin = "round";
    }
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
    }
    canvas.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      drawing = true; last = point(e);
      if (canvas.setPointerCapture) try { canvas.setPointerCapture(e.pointerId); } catch (x) { /* ignore */ }
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      e.preventDefault();
      var p = point(e);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; dirty = true;
    });
    function end() {
      if (!drawing) return;
      drawing = false;
      if (dirty) storeSignature();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", end);
    reset();
    return {
      clear: function () { reset(); dirty = false; $("#sign-state").textContent = ""; },
      drawImage: function (url) {
        var img = new Image();
        img.onload = function () { ctx.drawImage(img, 0, 0, canvas.width, canvas.height); };
        img.src = url;
        $("#sign-state").textContent = "✓";
      },
      blob: function () {
        return new Promise(function (resolve) { canvas.toBlob(resolve, "image/png"); });
      },
    };
  })();

  function storeSignature() {
    var d = draft;
    return pad.blob().then(function (blob) {
      var old = d.signature.file;
      var id = ob.uuid4();
      return ob.txn(["photos"], "readwrite", function (s) {
        if (old) s.photos.delete(old);
        s.photos.put({ uuid: id, capture: d.uuid, kind: "signature", blob: blob, sent: false });
      }).then(function () {
        d.signature.file = id;
        $("#sign-state").textContent = "✓";
        return saveDraft(true);
      });
    });
  }

  /* -- photos -- */

  function resize(file) {
    var decode = window.createImageBitmap ? createImageBitmap(file) : Promise.reject(new Error("no bitmap"));
    return decode.catch(function () {
      return new Promise(function (resolve, reject) {
        var img = new Image();
        img.onload = function () { resolve(img); };
        img.onerror = reject;
        img.src = URL.createObjectURL(file);
      });
    }).then(function (bmp) {
      var w = bmp.width, h = bmp.height;
      var scale = Math.min(1, PHOTO_MAX_PX / Math.max(w, h));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(w * scale));
      canvas.height = Math.max(1, Math.round(h * scale));
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (b) { return b ? resolve(b) : reject(new Error("encode")); }, "image/jpeg", PHOTO_QUALITY);
      });
    });
  }

  function photoList(target) {
    if (target === "photos") return draft.photos;
    var parts = target.split(":");
    if (parts[0] === "check") return draft.checks[parts[1]].photos;
    if (parts[0] === "violation") return draft.violations[Number(parts[1])].photos;
    return null;
  }

  function addPhotos(input) {
    var target = input.getAttribute("data-photo-input");
    var files = Array.prototype.slice.call(input.files || []);
    var d = draft;
    var chain = Promise.resolve();
    files.forEach(function (f) {
      chain = chain.then(function () { return resize(f); }).then(function (blob) {
        var id = ob.uuid4();
        return ob.idb.put("photos", { uuid: id, capture: d.uuid, kind: "photo", blob: blob, sent: false })
          .then(function () { photoList(target).push(id); });
      }).catch(function () { alert(M["err.photo"]); });
    });
    return chain.then(function () {
      input.value = "";
      return saveDraft(true);
    }).then(function () {
      var box = $('[data-photos="' + target + '"]');
      if (box) renderPhotos(box, photoList(target));
    });
  }

  function removePhoto(id) {
    [draft.photos].concat(Object.keys(draft.checks).map(function (k) { return draft.checks[k].photos; }),
      draft.violations.map(function (v) { return v.photos; })).forEach(function (list) {
      var i = list.indexOf(id);
      if (i !== -1) list.splice(i, 1);
    });
    ob.idb.del("photos", id);
    saveDraft(true);
    renderChecklist(); renderViolations(); renderPhotos($("[data-photos=photos]"), draft.photos);
  }

  /* -- form events -- */

  var form = $("#insp-form");

  form.addEventListener("input", onEdit);
  form.addEventListener("change", onEdit);

  function onEdit(e) {
    if (!draft) return;
    var t = e.target;
    if (t.type === "file") { if (e.type === "change") addPhotos(t); return; }
    var li = t.closest("li");
    var name = t.name;
    if (name === "location_reason") draft.location_reason = t.value;
    else if (name === "second_officer_id") draft.second_officer_id = t.value ? Number(t.value) : null;
    else if (name === "outcome") { draft.outcome = t.value; renderOutcome(); }
    else if (name === "outcome_note") draft.outcome_note = t.value;
    else if (name && name.indexOf("check-") === 0) {
      var code = li.getAttribute("data-code");
      draft.checks[code].result = t.value;
      if (e.type === "change") renderChecklist();
    } else if (t.classList.contains("check-note")) draft.checks[li.getAttribute("data-code")].note = t.value;
    else if (t.classList.contains("v-indicator")) {
      draft.violations[Number(li.getAttribute("data-i"))].indicator = t.value;
      renderViolations();
    } else if (t.classList.contains("v-qty")) {
      draft.violations[Number(li.getAttribute("data-i"))].quantity = t.value === "" ? null : Number(t.value);
    } else if (t.classList.contains("v-desc")) draft.violations[Number(li.getAttribute("data-i"))].description = t.value;
    else if (name && name.indexOf("rc-") === 0) {
      var item = li.getAttribute("data-item");
      draft.rect_checks[item] = draft.rect_checks[item] || { result: "", note: "" };
      draft.rect_checks[item].result = t.value;
    } else if (t.classList.contains("rc-note")) {
      var it = li.getAttribute("data-item");
      draft.rect_checks[it] = draft.rect_checks[it] || { result: "", note: "" };
      draft.rect_checks[it].note = t.value;
    } else if (name === "has_interview") { draft.has_interview = t.checked; $("#interview-box").hidden = !t.checked; }
    else if (name === "interview_kind") draft.interview.kind = t.value;
    else if (name === "interview_attendees") draft.interview.attendees = t.value;
    else if (name === "interview_statement") draft.interview.statement = t.value;
    else if (name === "interview_commitments") draft.interview.commitments = t.value;
    else if (t.classList.contains("r-desc")) draft.rectifications[Number(li.getAttribute("data-i"))].description = t.value;
    else if (t.classList.contains("r-deadline")) draft.rectifications[Number(li.getAttribute("data-i"))].deadline = t.value;
    else if (name === "notes") draft.notes = t.value;
    else if (name === "signer_name") draft.signature.signer_name = t.value;
    else if (name === "refused") { draft.signature.refused = t.checked; renderSignature(); }
    else if (name === "refusal_reason") draft.signature.refusal_reason = t.value;
    saveDraft();
  }

  form.addEventListener("click", function (e) {
    var t = e.target;
    if (!draft) return;
    if (t.id === "checkin-gps") {
      $("#checkin-info").textContent = M.locating;
      var d = draft;
      navigator.geolocation.getCurrentPosition(function (pos) {
        d.position = { lat: pos.coords.latitude, lng: pos.coords.longitude, accuracy: pos.coords.accuracy,
                       at: new Date(pos.timestamp || Date.now()).toISOString() };
        d.nogps = false; d.gps_error = "";
        saveDraft(true); renderCheckin();
      }, function (err) {
        d.gps_error = err && err.message ? err.message : String(err && err.code);
        saveDraft(true); renderCheckin();
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    } else if (t.id === "checkin-nogps") {
      draft.position = null; draft.nogps = true; saveDraft(true); renderCheckin();
    } else if (t.id === "add-violation") {
      draft.violations.push({ indicator: "", quantity: null, description: "", photos: [] });
      saveDraft(); renderViolations();
    } else if (t.classList.contains("suggest")) {
      var code = t.closest("li").getAttribute("data-code");
      draft.violations.push({ indicator: t.getAttribute("data-suggest"), quantity: null,
                              description: draft.checks[code].note, photos: [] });
      saveDraft(); renderViolations();
    } else if (t.classList.contains("v-remove")) {
      var v = draft.violations.splice(Number(t.closest("li").getAttribute("data-i")), 1)[0];
      v.photos.forEach(function (p) { ob.idb.del("photos", p); });
      saveDraft(); renderViolations();
    } else if (t.id === "add-rect") {
      var due = new Date(Date.now() + 15 * 86400000);  // China keeps no summer time
      draft.rectifications.push({ description: "", deadline: localDate(due) });
      saveDraft(); renderRects();
    } else if (t.classList.contains("r-remove")) {
      draft.rectifications.splice(Number(t.closest("li").getAttribute("data-i")), 1);
      saveDraft(); renderRects();
    } else if (t.hasAttribute("data-remove-photo")) {
      removePhoto(t.getAttribute("data-remove-photo"));
    } else if (t.id === "sign-clear") {
      var old = draft.signature.file;
      draft.signature.file = null;
      if (old) ob.idb.del("photos", old);
      pad.clear(); saveDraft(true);
    } else if (t.id === "form-cancel") {
      if (!confirm(M["confirm.cancel"])) return;
      var dd = draft;
      draft = null;
      ob.idb.byCapture(dd.uuid).then(function (photos) {
        return ob.txn(["drafts", "photos"], "readwrite", function (s) {
          s.drafts.delete(dd.uuid);
          photos.forEach(function (p) { s.photos.delete(p.uuid); });
        });
      }).then(function () { location.hash = "#shop/" + dd.retailer_id; });
    }
  });

  /* -- validation, mirroring the server's rules (the server decides) -- */

  function clearErrors() {
    $$(".field-error", form).forEach(function (x) { x.textContent = ""; });
    $$("[aria-invalid]", form).forEach(function (x) { x.removeAttribute("aria-invalid"); });
    $("#form-errors").hidden = true;
  }

  function setError(spot, message) {
    if (!spot) return;
    spot.textContent = spot.textContent ? spot.textContent + " " + message : message;
  }

  function validate() {
    clearErrors();
    var n = 0;
    var bad = function (spot, msg) { setError(spot, msg); n += 1; };
    var g = geofenceNow();
    if (!g) bad($('[data-error="checkin"]'), M["err.checkin"]);
    if (g === "outside" && !draft.location_reason.trim()) bad($('[data-error="checkin"]'), M["err.reason"]);
    if (!draft.second_officer_id) bad($('[data-error="second_officer_id"]'), M["err.officer"]);
    var inspected = draft.outcome === "inspected";
    if (inspected) {
      pack.checklist.forEach(function (item) {
        var c = draft.checks[item.code];
        var li = $('[data-code="' + item.code + '"]');
        if (!c.result) bad($(".field-error", li), M["err.required"]);
        else if (c.result === "fail" && !c.note.trim()) bad($(".field-error", li), M["err.fail_note"]);
      });
      draft.violations.forEach(function (v, i) {
        var li = $('#violations li[data-i="' + i + '"]');
        var ind = pack.indicatorsByCode[v.indicator];
        if (!ind) bad($('[data-part="indicator"]', li), M["err.indicator"]);
        else if (ind.banded && !(v.quantity >= 1)) bad($('[data-part="quantity"]', li), M["err.quantity"]);
        if (!v.description.trim()) bad($('[data-part="description"]', li), M["err.required"]);
      });
      draft.rectifications.forEach(function (r, i) {
        var li = $('#rectifications li[data-i="' + i + '"]');
        if (!r.description.trim()) bad($('[data-part="description"]', li), M["err.required"]);
        if (!r.deadline) bad($('[data-part="deadline"]', li), M["err.required"]);
      });
      if (draft.has_interview) {
        if (!draft.interview.attendees.trim()) bad($('[data-error="interview.attendees"]'), M["err.required"]);
        if (!draft.interview.statement.trim()) bad($('[data-error="interview.statement"]'), M["err.required"]);
      }
      if (!draft.signature.refused && !draft.signature.file) bad($('[data-error="signature"]'), M["err.signature"]);
    } else if (!draft.outcome_note.trim()) {
      bad($('[data-error="outcome_note"]'), M["err.outcome_note"]);
    }
    if (draft.signature.refused && !draft.signature.refusal_reason.trim()) {
      bad($('[data-error="signature"]'), M["err.refusal"]);
    }
    if (n) {
      $("#form-errors").textContent = M["err.summary"];
      $("#form-errors").hidden = false;
      var first = $$(".field-error", form).filter(function (x) { return x.textContent; })[0];
      if (first && first.scrollIntoView) first.scrollIntoView({ block: "center" });
    }
    return n === 0;
  }

  function flatten(errors, prefix, out) {
    out = out || [];
    if (Array.isArray(errors)) { errors.forEach(function (m) { out.push([prefix, String(m)]); }); return out; }
    if (errors && typeof errors === "object") {
      Object.keys(errors).forEach(function (k) { flatten(errors[k], prefix ? prefix + "." + k : k, out); });
    }
    return out;
  }

  function showServerErrors(errors) {
    var lines = flatten(errors, "");
    lines.forEach(function (pair) {
      var key = pair[0], msg = pair[1], parts = key.split(".");
      var spot = $('[data-error="' + key + '"]') || $('[data-error="' + parts[0] + '"]');
      if (parts[0] === "position" || parts[0] === "location_reason") spot = $('[data-error="checkin"]');
      if (parts[0] === "violations" && parts.length > 2) {
        spot = $('#violations li[data-i="' + parts[1] + '"] [data-part="' + parts[2] + '"]') || spot;
      }
      if (parts[0] === "checks" && parts.length > 1) {
        var code = (pack.checklist[Number(parts[1])] || {}).code;
        spot = $('[data-code="' + code + '"] .field-error') || $('[data-error="checks"]');
      }
      if (parts[0] === "signature") spot = $('[data-error="signature"]');
      setError(spot || $("#form-errors"), msg);
    });
    $("#form-errors").textContent = lines.map(function (p) { return p[1]; }).join(" ");
    $("#form-errors").hidden = !lines.length;
  }

  function payload() {
    var inspected = draft.outcome === "inspected";
    var sig = draft.signature;
    var signature = sig.refused ? { status: "refused", file: null, signer_name: "", refusal_reason: sig.refusal_reason }
      : sig.file ? { status: "signed", file: sig.file, signer_name: sig.signer_name, refusal_reason: "" }
      : { status: "not_applicable", file: null, signer_name: "", refusal_reason: "" };
    return {
      uuid: draft.uuid,
      retailer_id: draft.retailer_id,
      second_officer_id: draft.second_officer_id,
      started_at: draft.started_at,
      finished_at: new Date().toISOString(),
      position: draft.position ? { lat: draft.position.lat, lng: draft.position.lng,
                                   accuracy: draft.position.accuracy, at: draft.position.at } : null,
      location_reason: draft.location_reason,
      outcome: draft.outcome,
      outcome_note: inspected ? "" : draft.outcome_note,
      checks: inspected ? pack.checklist.map(function (item) {
        var c = draft.checks[item.code];
        return { code: item.code, result: c.result, note: c.note, photos: c.photos.slice() };
      }) : [],
      violations: inspected ? draft.violations.map(function (v) {
        var ind = pack.indicatorsByCode[v.indicator];
        return { indicator: v.indicator, quantity: ind && ind.banded ? v.quantity : null, description: v.description,
                 photos: v.photos.slice() };
      }) : [],
      rectifications: inspected ? draft.rectifications.map(function (r) {
        return { description: r.description, deadline: r.deadline };
      }) : [],
      rectification_checks: inspected ? Object.keys(draft.rect_checks).filter(function (k) {
        return draft.rect_checks[k].result && (shop.rect || []).some(function (r) { return String(r[0]) === k; });
      }).map(function (k) {
        return { item_id: Number(k), result: draft.rect_checks[k].result, note: draft.rect_checks[k].note };
      }) : [],
      interview: inspected && draft.has_interview ? {
        kind: draft.interview.kind, attendees: draft.interview.attendees, statement: draft.interview.statement,
        commitments: draft.interview.commitments } : null,
      photos: draft.photos.slice(),
      signature: signature,
      notes: draft.notes,
      visit_id: draft.visit_id,
    };
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!draft || !validate()) return;
    var d = draft;
    var body = payload();
    // The capture is closed from here on: no scheduled save may write it back as a draft.
    clearTimeout(saveTimer);
    saveTimer = null;
    draft = null;
    var used = body.photos.concat(
      [].concat.apply([], body.checks.map(function (c) { return c.photos; })),
      [].concat.apply([], body.violations.map(function (v) { return v.photos; })),
      body.signature.file ? [body.signature.file] : []);
    d.server_errors = null;
    var submitButton = $("[data-testid=submit-inspection]");
    submitButton.disabled = true;
    timings.submitAt = performance.now();
    ob.state.trace.push(["tap", Math.round(timings.submitAt)]);
    ob.idb.byCapture(d.uuid).then(function (photos) {
      // Photos taken but no longer used (removed, or the outcome changed) are dropped now.
      var unused = photos.filter(function (p) { return used.indexOf(p.uuid) === -1; });
      return ob.txn(["photos"], "readwrite", function (s) { unused.forEach(function (p) { s.photos.delete(p.uuid); }); });
    }).then(function () {
      return ob.enqueue({ payload: body, photos: used, draft: d,
                          label: { shop_name: shop.name, licence_no: shop.no, retailer_id: shop.id } });
    }).then(function () {
      submitButton.disabled = false;
      location.hash = "#done/" + d.uuid;
      ob.flush(true);
    }).catch(function (err) {
      draft = d; // not queued: the form stays open with its capture
      submitButton.disabled = false;
      $("#form-errors").textContent = String(err);
      $("#form-errors").hidden = false;
    });
  });

  /* ---- summary of one capture ------------------------------------------------------------- */

  function summaryHtml(p, label) {
    var out = [];
    var s = shopsById[p.retailer_id] || {};
    out.push("<h2>" + esc(label && label.shop_name || s.name || "") + "</h2>");
    out.push('<p class="muted">' + esc(label && label.licence_no || s.no || "") + " · " + esc(localTime(p.started_at)) + "</p>");
    out.push("<ul class=\"plain\">");
    out.push('<li data-testid="sum-outcome">' + esc(M["outcome." + p.outcome]) + (p.outcome_note ? ": " + esc(p.outcome_note) : "") + "</li>");
    var g;
    if (!p.position) g = "no_gps";
    else if (s.lat == null) g = "no_shop_location";
    else {
      var d = haversine(p.position.lat, p.position.lng, s.lat, s.lng);
      g = d > (pack ? pack.radius_m : 200) * 0.995 ? "outside" : "inside";
      out.push("<li>" + esc(fmt(M.distance, { d: Math.round(d) })) + "</li>");
    }
    out.push('<li data-testid="sum-geofence">' + esc(M["gf." + g]) +
      (p.location_reason ? ": " + esc(p.location_reason) : "") + "</li>");
    var officer = pack && pack.officersById[p.second_officer_id];
    if (officer) out.push("<li>" + esc(fmt(M["sum.officer"], { name: officer.name })) + "</li>");
    if (p.checks.length) {
      var count = { pass: 0, fail: 0, na: 0 };
      p.checks.forEach(function (c) { count[c.result] = (count[c.result] || 0) + 1; });
      out.push('<li data-testid="sum-checks">' + esc(fmt(M["sum.checks"], count)) + "</li>");
      p.checks.filter(function (c) { return c.result === "fail"; }).forEach(function (c) {
        var item = pack && pack.checklist.filter(function (i) { return i.code === c.code; })[0];
        out.push('<li class="warn">✗ ' + esc(item ? item.label : c.code) + ": " + esc(c.note) + "</li>");
      });
    }
    p.violations.forEach(function (v) {
      var ind = pack && pack.indicatorsByCode[v.indicator];
      out.push('<li class="warn" data-testid="sum-violation">' + esc(v.indicator) + " " + esc(ind ? ind.name : "") +
        (v.quantity ? " ×" + esc(v.quantity) : "") + ": " + esc(v.description) +
        (v.photos.length ? " · " + esc(fmt(M["sum.photos"], { n: v.photos.length })) : "") + "</li>");
    });
    if (p.interview) out.push("<li>" + esc(fmt(M["sum.interview"], { kind: M["interview." + p.interview.kind] })) + "</li>");
    p.rectifications.forEach(function (r) {
      out.push("<li>" + esc(fmt(M["sum.rect"], { date: r.deadline, text: r.description })) + "</li>");
    });
    var nPhotos = p.photos.length + p.checks.reduce(function (a, c) { return a + c.photos.length; }, 0) +
      p.violations.reduce(function (a, v) { return a + v.photos.length; }, 0);
    out.push('<li data-testid="sum-photos">' + esc(fmt(M["sum.photos"], { n: nPhotos })) + "</li>");
    var sig = p.signature;
    out.push('<li data-testid="sum-signature">' + esc(sig.status === "signed" ? M["sum.signed"] + (sig.signer_name ? " (" + sig.signer_name + ")" : "")
      : sig.status === "refused" ? fmt(M["sum.refused"], { reason: sig.refusal_reason }) : M["sum.na"]) + "</li>");
    out.push("</ul>");
    return out.join("");
  }

  /* What the phone knows of a queued item, in words: its state, attempts and next try, the server's
   * reason and the field errors. */
  function itemState(item) {
    if (item.user_id !== ob.userId()) return "other_user";
    if (ob.state.sending === item.uuid) return "sending";
    return item.state;
  }

  function itemDetails(item, st) {
    var lines = [];
    if (st === "queued" && item.attempts) {
      lines.push(fmt(M["st.attempts"], { n: item.attempts, time: item.next_at ? localTime(new Date(item.next_at).toISOString()) : "" }));
      if (item.message) lines.push(fmt(M["st.last_error"], { msg: item.message === "offline" ? M["st.offline"] : item.message }));
    }
    if (st === "rejected" || st === "conflict") {
      if (item.message) lines.push(fmt(M["st.reason"], { msg: item.message }));
      flatten(item.errors, "").forEach(function (pair) { lines.push(pair[1]); });
    }
    return lines;
  }

  function actionButtons(item, st) {
    var out = [];
    var button = function (act, label, cls) {
      return '<button type="button" data-act="' + act + '" data-uuid="' + esc(item.uuid) + '" data-testid="act-' + act + '"' +
        (cls ? ' class="' + cls + '"' : "") + ">" + esc(label) + "</button>";
    };
    if (st === "queued") out.push(button("send", M["send.now"]));
    if (st === "rejected") { out.push(button("edit", M.edit)); out.push(button("send", M["send.again"])); }
    if (st === "conflict") out.push(button("resend", M.resend));
    if (st === "queued" || st === "rejected" || st === "conflict") out.push(button("discard", M.discard, "danger"));
    return out.join("");
  }

  function outboxItemHtml(item) {
    var st = itemState(item);
    var details = itemDetails(item, st);
    return '<li data-state="' + esc(st) + '" data-testid="outbox-item" data-uuid="' + esc(item.uuid) + '">' +
      '<a href="#done/' + esc(item.uuid) + '"><strong>' + esc(item.label.shop_name || "") + "</strong></a>" +
      '<span class="ob-state st-' + esc(st) + '" data-testid="item-state">' + esc(M["st." + st]) + "</span>" +
      '<span class="muted">' + esc(fmt(M["st.started"], { time: localTime(item.payload.started_at) })) + "</span>" +
      (details.length ? '<span class="ob-details" data-testid="item-details">' + details.map(esc).join("<br>") + "</span>" : "") +
      '<span class="actions">' + actionButtons(item, st) + "</span></li>";
  }

  function showDone(uuidValue) {
    show("done");
    Promise.all([ob.idb.get("outbox", uuidValue), ob.idb.get("sent", uuidValue), ob.idb.get("discarded", uuidValue)]).then(function (r) {
      var item = r[0], sent = r[1], gone = r[2];
      var state = $("#done-state"), actions = $("#done-actions");
      actions.innerHTML = "";
      if (!item && !sent && gone) {
        state.className = "flash flash-warn";
        state.setAttribute("data-state", "discarded");
        state.textContent = M["st.discarded"] + " " + (gone.reported_at ? M["discarded.reported"] : M["discarded.unreported"]);
        $("#done-body").innerHTML = summaryHtml(gone.item.payload, gone.item.label);
        actions.innerHTML = '<button type="button" data-act="restore" data-uuid="' + esc(gone.uuid) + '" data-testid="act-restore">' +
          esc(M.restore) + "</button>";
        return;
      }
      if (!item && !sent) { state.textContent = M["outbox.empty"]; $("#done-body").innerHTML = ""; return; }
      var p = (item || sent).payload;
      $("#done-body").innerHTML = summaryHtml(p, (item || sent).label);
      if (sent) {
        if (!timings.shownSentAt) timings.shownSentAt = performance.now();
        state.className = "flash flash-ok";
        state.setAttribute("data-state", "sent");
        state.textContent = fmt(M["state.sent"], { id: sent.id });
        actions.appendChild(el("a", { "class": "button", href: sent.summary_url || "/inspections/" + sent.id,
                                      "data-testid": "open-record" }, M["open.record"]));
        actions.appendChild(el("a", { "class": "button", href: sent.pdf_url || "/inspections/" + sent.id + "/record.pdf",
                                      "data-testid": "download-pdf" }, M["download.pdf"]));
        return;
      }
      var st = itemState(item);
      state.setAttribute("data-state", st);
      state.className = "flash " + (st === "queued" || st === "sending" ? "flash-warn" : "flash-error");
      state.textContent = M["state." + st];
      var details = itemDetails(item, st);
      if (details.length) {
        var ul = el("ul", { "class": "plain" });
        details.forEach(function (line) { ul.appendChild(el("li", {}, line)); });
        state.appendChild(ul);
      }
      actions.innerHTML = actionButtons(item, st);
    });
  }

  app.addEventListener("click", function (e) {
    var t = e.target.closest("[data-act]");
    if (!t) return;
    var id = t.getAttribute("data-uuid");
    var act = t.getAttribute("data-act");
    if (act === "edit") {
      ob.idb.get("outbox", id).then(function (item) {
        if (item && item.draft) item.draft.server_errors = item.errors;
        return item ? ob.idb.put("outbox", item) : null;
      }).then(function () { return ob.reopen(id); }).then(function () { location.hash = "#edit/" + id; });
    } else if (act === "send") {
      ob.resend(id);
    } else if (act === "resend") {
      ob.resendAsNew(id).then(function (newId) { if (newId) location.hash = "#done/" + newId; });
    } else if (act === "discard") {
      if (confirm(M["confirm.discard"])) ob.discard(id).then(function () { location.hash = "#outbox"; showOutbox(); });
    } else if (act === "restore") {
      ob.restore(id).then(function (back) { if (back) location.hash = "#done/" + back; });
    }
  });

  /* ---- records on this phone ---------------------------------------------------------------- */

  function showOutbox() {
    show("outbox");
    Promise.all([ob.idb.all("outbox"), ob.idb.all("sent"), ob.idb.all("drafts"), ob.idb.all("discarded")]).then(function (r) {
      var items = r[0].sort(function (a, b) { return a.created_at - b.created_at; });
      var lines = items.map(outboxItemHtml);
      var drafts = r[2].filter(function (d) { return d.user_id === ob.userId(); }).map(function (d) {
        var s = shopsById[d.retailer_id];
        return '<li data-state="draft" data-testid="outbox-draft"><a href="#edit/' + esc(d.uuid) + '"><strong>' + esc(s ? s.name : d.retailer_id) + "</strong></a>" +
          '<span class="muted">' + esc(localTime(d.started_at)) + " · " + esc(M["st.draft"]) + "</span></li>";
      });
      $("#outbox-list").innerHTML = lines.concat(drafts).join("") || "<li class=\"muted\">" + esc(M["outbox.empty"]) + "</li>";
      var sent = r[1].filter(function (s) { return s.user_id === ob.userId(); })
        .sort(function (a, b) { return b.at - a.at; }).slice(0, 20);
      $("#sent-list").innerHTML = sent.map(function (s) {
        return '<li><a href="#done/' + esc(s.uuid) + '">' + esc(s.label.shop_name || "") + "</a><span class=\"muted\">" +
          esc(fmt(M["state.sent"], { id: s.id })) + "</span></li>";
      }).join("");
      var gone = r[3].filter(function (g) { return g.user_id === ob.userId(); })
        .sort(function (a, b) { return b.discarded_at - a.discarded_at; });
      $("#discarded-box").hidden = !gone.length;
      $("#discarded-list").innerHTML = gone.map(function (g) {
        return '<li data-testid="discarded-item" data-reported="' + (g.reported_at ? "1" : "0") + '">' +
          '<a href="#done/' + esc(g.uuid) + '"><strong>' + esc(g.item.label.shop_name || "") + "</strong></a>" +
          '<span class="muted">' + esc(fmt(M["discarded.at"], { time: localTime(new Date(g.discarded_at).toISOString()) })) + " · " +
          esc(g.reported_at ? M["discarded.reported"] : M["discarded.unreported"]) + "</span>" +
          '<span class="actions"><button type="button" data-act="restore" data-uuid="' + esc(g.uuid) + '" data-testid="act-restore">' +
          esc(M.restore) + "</button></span></li>";
      }).join("");
    });
  }

  $("#send-now").addEventListener("click", function () { ob.flush(true); });

  window.addEventListener("outbox:change", function () {
    var view = location.hash.replace(/^#/, "").split("/")[0];
    if (view === "done") showDone(location.hash.split("/").slice(1).join("/"));
    else if (view === "outbox") showOutbox();
  });

  /* ---- list events and start ------------------------------------------------------------------ */

  $("#shop-q").addEventListener("input", renderList);
  $("#pack-refresh").addEventListener("click", function () {
    loadPack(true).then(function () { if (!location.hash || location.hash === "#") showList(); });
  });
  window.addEventListener("hashchange", route);

  function start() {
    ob.persist();
    var t0 = performance.now();
    // First what is on the phone (works offline), then a fresh copy from the server if online.
    var hadPack = false;
    loadPack(false).then(function () {
      hadPack = !!pack;
      route();
      timings.firstRender = performance.now() - t0;
      return loadPack(true);
    }).then(function () {
      timings.packLoaded = performance.now() - t0;
      var view = location.hash.replace(/^#/, "").split("/")[0];
      // Re-route what was shown without data (first visit) or from the older copy; an open form stays.
      if (!view || view === "shop" || (!hadPack && view === "new")) route();
      app.setAttribute("data-ready", "1");
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
