/* The outbox of field captures: IndexedDB, owned by page code (never by the service worker, so an
 * update of the worker cannot strand anything queued). Loaded on every page.
 *
 * Stores (database "credit-field"):
 *   outbox     {uuid, user_id, created_at, payload, photos: [uuid], label, draft, state, attempts, next_at,
 *               errors, message, status}   state: queued | rejected | conflict
 *   photos     {uuid, capture, kind: "photo"|"signature", blob, sent}   (index "capture")
 *   drafts     {uuid, ...}   captures being filled in (kept across reloads)
 *   sent       {uuid, id, label, at, payload}   what the server acknowledged (for the summary page)
 *   discarded  {uuid, user_id, discarded_at, item, photos: [{uuid, kind, blob}], reported_at}
 *              captures the inspector threw away from the outbox: kept on the phone (restorable) and
 *              reported to the server's audit trail; forgotten 30 days after the server has the copy
 *   kv         {key, value}  the day's data pack and small settings
 *
 * A capture's id is closed for ever once it is queued, sent or discarded: a draft under that id is
 * never written again (putDraft checks the three stores in the same transaction), so a save that
 * was still scheduled when the inspector tapped "Save and send" cannot bring the capture back as a
 * draft, and the next visit always starts a new capture with a new id.
 *
 * Rules (Enketo / ODK Central): the phone makes the UUID; an item leaves the outbox only after the
 * server acknowledged it (200 replay or 201 created) or the inspector discarded it (asked first, a
 * copy kept); one item at a time; back off min(2^n, 300) s with jitter; flush on load, on "online",
 * on "visibilitychange" and from a button; a fresh CSRF token before flushing; on 401 keep
 * everything and ask for sign-in; 409 and 422 are shown with the server's reason, never retried blindly.
 */
(function () {
  "use strict";

  var DB_NAME = "credit-field";
  var DB_VERSION = 2;
  var KEEP_DISCARDED_MS = 30 * 24 * 3600 * 1000; // after the server acknowledged the copy
  var dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB_NAME, DB_VERSION);
        req.onupgradeneeded = function () {
          var db = req.result;
          if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "uuid" });
          if (!db.objectStoreNames.contains("photos")) {
            db.createObjectStore("photos", { keyPath: "uuid" }).createIndex("capture", "capture");
          }
          if (!db.objectStoreNames.contains("drafts")) db.createObjectStore("drafts", { keyPath: "uuid" });
          if (!db.objectStoreNames.contains("sent")) db.createObjectStore("sent", { keyPath: "uuid" });
          if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv", { keyPath: "key" });
          if (!db.objectStoreNames.contains("discarded")) db.createObjectStore("discarded", { keyPath: "uuid" });
        };
        req.onsuccess = function () {
          var db = req.result;
          db.onversionchange = function () { db.close(); dbPromise = null; };
          resolve(db);
        };
        req.onerror = function () { dbPromise = null; reject(req.error); };
      });
    }
    return dbPromise;
  }

  /* Run fn(stores) in one transaction over `names`; resolves with fn's result once committed. */
  function txn(names, mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(names, mode);
        var stores = {};
        names.forEach(function (n) { stores[n] = t.objectStore(n); });
        var result;
        try { result = fn(stores); } catch (e) { t.abort(); reject(e); return; }
        t.oncomplete = function () {
          resolve(result && typeof result === "object" && "result" in result && "readyState" in result ? result.result : result);
        };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error || new Error("aborted")); };
      });
    });
  }

  var idb = {
    get: function (store, key) { return txn([store], "readonly", function (s) { return s[store].get(key); }); },
    put: function (store, value) { return txn([store], "readwrite", function (s) { s[store].put(value); }); },
    del: function (store, key) { return txn([store], "readwrite", function (s) { s[store].delete(key); }); },
    all: function (store) { return txn([store], "readonly", function (s) { return s[store].getAll(); }); },
    byCapture: function (capture) {
      return txn(["photos"], "readonly", function (s) { return s.photos.index("capture").getAll(capture); });
    },
  };

  function userId() {
    var v = document.body && document.body.getAttribute("data-user-id");
    return v ? Number(v) : null;
  }

  function uuid4() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return values && k in values ? values[k] : m; });
  }

  function changed(detail) {
    window.dispatchEvent(new CustomEvent("outbox:change", { detail: detail || {} }));
  }

  /* ---- the count in the top bar ---------------------------------------------------------- */

  var state = { count: 0, problems: 0, expired: false, trace: [], sending: null };
  function mark(label) { state.trace.push([label, Math.round(performance.now())]); if (state.trace.length > 50) state.trace.shift(); }

  function badge() { return document.getElementById("outbox-badge"); }

  function render() {
    var el = badge();
    if (!el) return;
    el.setAttribute("data-count", String(state.count));
    el.textContent = state.count ? fmt(el.getAttribute("data-msg-unsent"), { n: state.count })
                                 : el.getAttribute("data-msg-none");
    el.classList.toggle("has-items", state.count > 0);
    el.classList.toggle("has-problem", state.problems > 0);
    el.hidden = !(state.count > 0 || el.getAttribute("data-inspector"));
    var banner = document.getElementById("session-banner");
    if (state.expired && state.count > 0) {
      if (!banner) {
        banner = document.createElement("p");
        banner.id = "session-banner";
        banner.className = "flash flash-warn session-banner";
        banner.setAttribute("role", "alert");
        var main = document.querySelector("main") || document.body;
        main.insertBefore(banner, main.firstChild);
      }
      banner.textContent = fmt(el.getAttribute("data-msg-expired"), { n: state.count }) + " ";
      var a = document.createElement("a");
      a.href = "/login?next=" + encodeURIComponent(location.pathname + location.hash);
      a.textContent = el.getAttribute("data-msg-signin");
      banner.appendChild(a);
    } else if (banner) {
      banner.remove();
    }
  }

  function refreshCount() {
    return idb.all("outbox").then(function (items) {
      state.count = items.length;
      state.problems = items.filter(function (i) { return i.state !== "queued"; }).length;
      render();
      return items;
    }).catch(function () { return []; });
  }

  /* ---- queueing ---------------------------------------------------------------------------- */

  function persist() {
    if (navigator.storage && navigator.storage.persist) {
      return navigator.storage.persist().catch(function () { return false; });
    }
    return Promise.resolve(false);
  }

  /* Queue a finished capture and drop its draft, in one transaction. */
  function enqueue(item) {
    var record = {
      uuid: item.payload.uuid, user_id: userId(), created_at: Date.now(), payload: item.payload,
      photos: item.photos || [], label: item.label || {}, draft: item.draft || null,
      state: "queued", attempts: 0, next_at: 0, errors: null, message: null,
    };
    return txn(["outbox", "drafts"], "readwrite", function (s) {
      s.outbox.put(record);
      s.drafts.delete(record.uuid);
    }).then(function () {
      persist();
      return refreshCount();
    }).then(function () { changed({ uuid: record.uuid }); return record; });
  }

  /* Save a draft, unless its capture id is already closed (queued, sent or discarded): checked and
   * written in one transaction, so a delayed save can never resurrect a capture that was sent.
   * Resolves true when written. */
  function putDraft(draft) {
    var written = false;
    return txn(["drafts", "outbox", "sent", "discarded"], "readwrite", function (s) {
      var pending = 3, closed = false;
      ["outbox", "sent", "discarded"].forEach(function (name) {
        var req = s[name].getKey(draft.uuid);
        req.onsuccess = function () {
          if (req.result !== undefined) closed = true;
          pending -= 1;
          if (pending === 0 && !closed) { s.drafts.put(draft); written = true; }
        };
      });
    }).then(function () { return written; });
  }

  /* Drop drafts whose capture id is already closed (left behind by an older version of the app). */
  function sweepDrafts() {
    return txn(["drafts", "outbox", "sent", "discarded"], "readwrite", function (s) {
      var req = s.drafts.getAllKeys();
      req.onsuccess = function () {
        req.result.forEach(function (key) {
          ["outbox", "sent", "discarded"].forEach(function (name) {
            var probe = s[name].getKey(key);
            probe.onsuccess = function () { if (probe.result !== undefined) s.drafts.delete(key); };
          });
        });
      };
    }).catch(function () {});
  }

  /* The server has it: remove the item and its photos, remember the acknowledgement. */
  function acknowledge(item, body) {
    return txn(["outbox", "photos", "sent"], "readwrite", function (s) {
      s.outbox.delete(item.uuid);
      item.photos.forEach(function (p) { s.photos.delete(p); });
      s.sent.put({ uuid: item.uuid, id: body.id, at: Date.now(), label: item.label, payload: item.payload,
                   summary_url: body.summary_url, pdf_url: body.pdf_url, user_id: item.user_id });
    });
  }

  function saveItem(item) { return idb.put("outbox", item); }

  function delay(attempts) {
    var base = Math.min(Math.pow(2, attempts), 300);
    return (base / 2 + Math.random() * base / 2) * 1000; // "equal jitter": between half and all of it
  }

  function retryLater(item, message) {
    item.attempts = (item.attempts || 0) + 1;
    item.next_at = Date.now() + delay(item.attempts);
    item.message = message || null;
    return saveItem(item);
  }

  /* ---- sending ----------------------------------------------------------------------------- */

  function freshCsrf() {
    if (window.creditApp && window.creditApp.freshCsrf) return window.creditApp.freshCsrf();
    return fetch("/api/csrf", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("csrf " + r.status);
      return r.json();
    }).then(function (j) { return j.csrf_token; });
  }

  function readBody(res) {
    return res.text().then(function (t) { try { return JSON.parse(t); } catch (e) { return {}; } });
  }

  /* What a response means for the item: "ok", "next" (item parked, go on), "stop" (stop flushing). */
  function judge(res, item) {
    if (res.status === 200 || res.status === 201) return Promise.resolve("ok");
    return readBody(res).then(function (body) {
      if (res.status === 401 || res.status === 403) {
        // Signed out, or the account must change its password first: keep everything, ask.
        state.expired = true;
        render();
        return "stop";
      }
      if (res.status === 409 || res.status === 422 || res.status === 413 || res.status === 404) {
        item.state = res.status === 409 ? "conflict" : "rejected";
        item.errors = body.errors || null;
        item.message = body.message || String(res.status);
        item.status = res.status;
        return saveItem(item).then(function () { return "next"; });
      }
      // 400 (a stale CSRF token), 429, 5xx, a proxy's error page: try again later.
      return retryLater(item, body.message || String(res.status)).then(function () { return "stop"; });
    });
  }

  function ext(type) { return type === "image/png" ? ".png" : type === "image/webp" ? ".webp" : ".jpg"; }

  function sendItem(item, token) {
    var steps = Promise.resolve("ok");
    item.photos.forEach(function (pid) {
      steps = steps.then(function (r) {
        if (r !== "ok") return r;
        return idb.get("photos", pid).then(function (p) {
          if (!p || p.sent) return "ok"; // a missing photo is reported by the server (422)
          var fd = new FormData();
          fd.append("uuid", p.uuid);
          fd.append("inspection_uuid", item.uuid);
          fd.append("kind", p.kind);
          fd.append("file", p.blob, p.uuid + ext(p.blob.type));
          mark("upload " + p.uuid.slice(0, 8));
          return fetch("/api/inspections/uploads", {
            method: "POST", body: fd, credentials: "same-origin", headers: { "X-CSRFToken": token },
          }).then(function (res) {
            return judge(res, item).then(function (verdict) {
              if (verdict !== "ok") return verdict;
              p.sent = true; // acknowledged; the blob stays until the inspection itself is
              return idb.put("photos", p).then(function () { return "ok"; });
            });
          });
        });
      });
    });
    return steps.then(function (r) {
      if (r !== "ok") return r;
      mark("submit");
      return fetch("/api/inspections", {
        method: "POST", credentials: "same-origin", body: JSON.stringify(item.payload),
        headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
      }).then(function (res) {
        return judge(res, item).then(function (verdict) {
          if (verdict !== "ok") return verdict;
          return res.json().then(function (body) {
            mark("acknowledged");
            return acknowledge(item, body).then(function () { mark("removed from outbox"); return "ok"; });
          });
        });
      });
    }).catch(function (e) {
      // The network failed mid-way: keep everything, try again after the back-off.
      return retryLater(item, String(e && e.message || e)).then(function () { return "stop"; });
    });
  }

  var flushing = false;
  var timer = null;

  function schedule() {
    if (timer) { clearTimeout(timer); timer = null; }
    idb.all("outbox").then(function (items) {
      var mine = items.filter(function (i) { return i.state === "queued" && i.user_id === userId(); });
      if (!mine.length || state.expired) return;
      var next = Math.min.apply(null, mine.map(function (i) { return i.next_at || 0; }));
      timer = setTimeout(function () { flush(false); }, Math.max(1000, next - Date.now()));
    }).catch(function () {});
  }

  function flushInner(force) {
    flushing = true;
    changed({ flushing: true });
    return idb.all("outbox").then(function (items) {
      var now = Date.now();
      var due = items.filter(function (i) {
        return i.state === "queued" && i.user_id === userId() && (force || !i.next_at || i.next_at <= now);
      }).sort(function (a, b) { return a.created_at - b.created_at; });
      if (!due.length) return reportDiscarded(null);
      mark("flush");
      return freshCsrf().then(function (token) {
        mark("csrf");
        var chain = Promise.resolve("ok");
        due.forEach(function (item) {
          chain = chain.then(function (r) {
            if (r === "stop") return r;
            state.sending = item.uuid;
            changed({ sending: item.uuid });
            return sendItem(item, token).then(function (v) {
              state.sending = null;
              changed({ uuid: item.uuid });
              return v;
            }, function (e) { state.sending = null; throw e; });
          });
        });
        return chain.then(function (r) { return reportDiscarded(token).then(function () { return r; }); });
      }, function () {
        // No token: no network (or the server is down). Back off every due item.
        return Promise.all(due.map(function (i) { return retryLater(i, "offline"); }));
      });
    }).catch(function () {}).then(function () {
      flushing = false;
      return refreshCount();
    }).then(function () { changed({ flushing: false }); schedule(); });
  }

  /* Send what is due (force: ignore the back-off, e.g. the button or the network just came back). */
  function flush(force) {
    if (flushing || !userId()) return refreshCount();
    if (force) state.expired = false;
    if (navigator.locks && navigator.locks.request) {
      // One tab flushes at a time (the server would absorb a double send anyway).
      return navigator.locks.request("credit-outbox-flush", { ifAvailable: true }, function (lock) {
        return lock ? flushInner(force) : null;
      });
    }
    return flushInner(force);
  }

  /* Park a rejected or conflicting item back into the drafts (to correct it), or drop it. */
  function reopen(uuidValue) {
    return idb.get("outbox", uuidValue).then(function (item) {
      if (!item) return null;
      return txn(["outbox", "drafts"], "readwrite", function (s) {
        s.outbox.delete(item.uuid);
        if (item.draft) s.drafts.put(item.draft);
      }).then(function () { return refreshCount(); }).then(function () { changed({}); return item.draft; });
    });
  }

  /* Send an item again: a waiting one now, a refused one unchanged (e.g. after the county's data
   * was corrected on the server). */
  function resend(uuidValue) {
    return idb.get("outbox", uuidValue).then(function (item) {
      if (!item || item.user_id !== userId()) return null;
      item.state = "queued"; item.attempts = 0; item.next_at = 0; item.errors = null; item.message = null;
      item.status = null;
      return saveItem(item).then(refreshCount).then(function () { changed({}); return flush(true); });
    });
  }

  /* Throw an item away: the caller has asked the inspector first. Nothing is lost silently: the item
   * and its photos move to the "discarded" store (it can be restored), and a copy of what it held is
   * reported to the server's audit trail as soon as there is a network. */
  function discard(uuidValue) {
    return idb.get("outbox", uuidValue).then(function (item) {
      if (!item || item.user_id !== userId()) return null;
      return txn(["outbox", "photos", "discarded"], "readwrite", function (s) {
        var kept = [];
        var record = { uuid: item.uuid, user_id: item.user_id, discarded_at: Date.now(), item: item, photos: kept,
                       reported_at: null };
        var pending = item.photos.length;
        if (!pending) s.discarded.put(record);
        item.photos.forEach(function (pid) {
          var req = s.photos.get(pid);
          req.onsuccess = function () {
            if (req.result) kept.push({ uuid: req.result.uuid, kind: req.result.kind, blob: req.result.blob });
            s.photos.delete(pid);
            pending -= 1;
            if (pending === 0) s.discarded.put(record);
          };
        });
        s.outbox.delete(item.uuid);
      }).then(refreshCount).then(function () { changed({}); return reportDiscarded(null); })
        .then(function () { return true; });
    });
  }

  /* Put a discarded item back into the outbox, with its photos (to send it as it is or as new). */
  function restore(uuidValue) {
    return idb.get("discarded", uuidValue).then(function (rec) {
      if (!rec || rec.user_id !== userId()) return null;
      var item = rec.item;
      item.state = "queued"; item.attempts = 0; item.next_at = 0;
      return txn(["outbox", "photos", "discarded"], "readwrite", function (s) {
        rec.photos.forEach(function (p) {
          s.photos.put({ uuid: p.uuid, capture: item.uuid, kind: p.kind, blob: p.blob, sent: false });
        });
        s.outbox.put(item);
        s.discarded.delete(rec.uuid);
      }).then(refreshCount).then(function () { changed({}); return item.uuid; });
    });
  }

  /* Report this user's discarded items the server has not acknowledged yet (one request each);
   * forget those acknowledged more than 30 days ago. Never throws. */
  function reportDiscarded(token) {
    if (!userId()) return Promise.resolve();
    return idb.all("discarded").then(function (all) {
      var now = Date.now();
      var old = all.filter(function (r) { return r.reported_at && now - r.reported_at > KEEP_DISCARDED_MS; });
      var todo = all.filter(function (r) { return !r.reported_at && r.user_id === userId(); });
      var chain = old.length ? txn(["discarded"], "readwrite", function (s) {
        old.forEach(function (r) { s.discarded.delete(r.uuid); });
      }) : Promise.resolve();
      if (!todo.length) return chain;
      return chain.then(function () { return token || freshCsrf(); }).then(function (tok) {
        var steps = Promise.resolve();
        todo.forEach(function (rec) {
          steps = steps.then(function () {
            var it = rec.item;
            var body = { uuid: rec.uuid, retailer_id: it.payload && it.payload.retailer_id, state: it.state,
                         status: it.status || null, message: it.message || "", errors: it.errors || null,
                         photos: rec.photos.length, discarded_at: new Date(rec.discarded_at).toISOString(),
                         payload: it.payload };
            return fetch("/api/inspections/discarded", {
              method: "POST", credentials: "same-origin", body: JSON.stringify(body),
              headers: { "Content-Type": "application/json", "X-CSRFToken": tok, "Accept": "application/json" },
            }).then(function (res) {
              if (res.status !== 200 && res.status !== 201) return null;
              rec.reported_at = Date.now();
              return idb.put("discarded", rec).then(function () { changed({}); });
            });
          });
        });
        return steps;
      });
    }).catch(function () {});
  }

  /* A 409: the UUID is taken on the server by another capture. Send this one as a new capture,
   * with new ids for it and its photos (photos are bound to their capture on the server). */
  function resendAsNew(uuidValue) {
    return idb.get("outbox", uuidValue).then(function (item) {
      if (!item) return null;
      var newId = uuid4();
      var map = {};
      item.photos.forEach(function (p) { map[p] = uuid4(); });
      var text = JSON.stringify(item.payload).split(item.uuid).join(newId);
      Object.keys(map).forEach(function (old) { text = text.split(old).join(map[old]); });
      var payload = JSON.parse(text);
      return txn(["outbox", "photos"], "readwrite", function (s) {
        item.photos.forEach(function (old) {
          var req = s.photos.get(old);
          req.onsuccess = function () {
            var p = req.result;
            if (!p) return;
            s.photos.delete(old);
            p.uuid = map[old]; p.capture = newId; p.sent = false;
            s.photos.put(p);
          };
        });
        s.outbox.delete(item.uuid);
        var draft = item.draft ? JSON.parse(JSON.stringify(item.draft).split(item.uuid).join(newId)) : null;
        if (draft) Object.keys(map).forEach(function (old) {
          draft = JSON.parse(JSON.stringify(draft).split(old).join(map[old]));
        });
        s.outbox.put({ uuid: newId, user_id: item.user_id, created_at: Date.now(), payload: payload,
                       photos: item.photos.map(function (p) { return map[p]; }), label: item.label, draft: draft,
                       state: "queued", attempts: 0, next_at: 0, errors: null, message: null });
      }).then(refreshCount).then(function () { changed({}); flush(true); return newId; });
    });
  }

  /* ---- wiring -------------------------------------------------------------------------------- */

  // Warn before signing out while captures are unsent (they are kept either way).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("logout") || !state.count) return;
    var el = badge();
    var text = el ? fmt(el.getAttribute("data-msg-logout"), { n: state.count }) : "";
    if (!window.confirm(text)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  window.addEventListener("online", function () { flush(true); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") flush(false);
  });
  document.addEventListener("DOMContentLoaded", function () {
    // Signed out: forget the county's data pack (personal data); unsent captures and drafts stay.
    if (document.querySelector("[data-signed-out]")) idb.del("kv", "pack").catch(function () {});
    sweepDrafts().then(refreshCount).then(function (items) {
      if (items.length) persist();
      flush(false);
    });
  });

  window.outbox = {
    openDb: openDb, txn: txn, idb: idb, uuid4: uuid4, fmt: fmt, userId: userId, enqueue: enqueue,
    flush: flush, refreshCount: refreshCount, reopen: reopen, discard: discard, resendAsNew: resendAsNew,
    resend: resend, restore: restore, reportDiscarded: reportDiscarded, putDraft: putDraft,
    sweepDrafts: sweepDrafts, persist: persist, state: state, delay: delay,
  };
})();
