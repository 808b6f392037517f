// The plan review page (/plans/<id>), progressive enhancement: the forms work without it.
// Tap a visit's position to pick it (it fills the swap form, then the move form); drag a visit onto
// another visit to swap them, or onto a pair of officers to move it there (where drag and drop works).
(function () {
  "use strict";
  const swap = document.querySelector("[data-testid=swap-form]");
  const move = document.querySelector("[data-testid=move-form]");
  if (!swap || !move) return;
  const a = swap.querySelector("input[name=a]");
  const b = swap.querySelector("input[name=b]");
  const position = move.querySelector("input[name=position]");

  function mark() {
    document.querySelectorAll("[data-testid=visit]").forEach((li) => {
      li.classList.toggle("picked", li.dataset.pos === a.value.trim() || li.dataset.pos === b.value.trim());
    });
  }

  function pick(pos) {
    if (!a.value.trim() || a.value.trim() === pos) a.value = pos;
    else if (!b.value.trim()) b.value = pos;
    else { a.value = b.value; b.value = pos; }
    position.value = pos;
    mark();
  }

  document.querySelectorAll("[data-testid=pos]").forEach((el) => {
    el.setAttribute("role", "button");
    el.setAttribute("tabindex", "0");
    el.classList.add("pickable");
    el.addEventListener("click", () => pick(el.closest("[data-testid=visit]").dataset.pos));
    el.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); el.click(); } });
  });

  function send(form) {
    if (typeof form.requestSubmit === "function") form.requestSubmit(); else form.submit();
  }

  let dragged = null;
  document.querySelectorAll("[data-testid=visit][draggable=true]").forEach((li) => {
    li.addEventListener("dragstart", (e) => {
      dragged = li.dataset.pos;
      e.dataTransfer.setData("text/plain", dragged);
      e.dataTransfer.effectAllowed = "move";
    });
    li.addEventListener("dragover", (e) => { if (dragged) e.preventDefault(); });
    li.addEventListener("drop", (e) => {
      e.preventDefault();
      e.stopPropagation();
      if (!dragged || dragged === li.dataset.pos) return;
      a.value = dragged; b.value = li.dataset.pos;
      dragged = null;
      send(swap);
    });
  });
  document.querySelectorAll("[data-testid=pair][data-drop-day]").forEach((pair) => {
    pair.addEventListener("dragover", (e) => { if (dragged) e.preventDefault(); });
    pair.addEventListener("drop", (e) => {
      e.preventDefault();
      if (!dragged) return;
      position.value = dragged;
      move.querySelector("select[name=planned_on]").value = pair.dataset.dropDay;
      move.querySelector("select[name=officer_a]").value = pair.dataset.dropA;
      move.querySelector("select[name=officer_b]").value = pair.dataset.dropB;
      dragged = null;
      send(move);
    });
  });
  a.addEventListener("input", mark);
  b.addEventListener("input", mark);
  mark();
})();
