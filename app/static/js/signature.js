/* The credit-commitment signature pad: draw with a finger or mouse; the PNG goes in a hidden field. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    const canvas = document.getElementById("signature-pad");
    const field = document.getElementById("signature-data");
    const form = document.getElementById("commitment-form");
    if (!canvas || !field || !form) return;
    const ctx = canvas.getContext("2d");
    let drawing = false, drawn = false;
    ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    function pos(e) {
      const r = canvas.getBoundingClientRect();
      return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
    }
    canvas.addEventListener("pointerdown", (e) => { drawing = true; const [x, y] = pos(e); ctx.beginPath(); ctx.moveTo(x, y); canvas.setPointerCapture(e.pointerId); e.preventDefault(); });
    canvas.addEventListener("pointermove", (e) => { if (!drawing) return; const [x, y] = pos(e); ctx.lineTo(x, y); ctx.stroke(); drawn = true; e.preventDefault(); });
    ["pointerup", "pointercancel", "pointerleave"].forEach((t) => canvas.addEventListener(t, () => { drawing = false; }));
    document.getElementById("signature-clear").addEventListener("click", () => { ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; field.value = ""; });
    form.addEventListener("submit", () => { field.value = drawn ? canvas.toDataURL("image/png") : ""; }, true);
  });
})();
