"""Server-side SVG charts (no JavaScript) for pages and for PDF reports rendered by WeasyPrint.

Every function returns a ``markupsafe.Markup`` holding one ``<svg>`` element with an explicit
``viewBox``, ``width`` and ``height`` (WeasyPrint needs sizes; pages scale it down with
``svg.chart { max-width: 100%; height: auto }``), a ``<title>`` for screen readers, and colours
written out as plain hex values (no CSS variables: WeasyPrint and stand-alone SVG do not resolve
them). Labels use a font stack that starts with a CJK font available on the servers
("WenQuanYi Micro Hei") so Chinese renders the same in the browser and in PDF.

Each bar, segment or point may carry ``href``: it is then wrapped in ``<a href>`` so a chart links
to the list behind the number. All text is escaped; callers pass plain (already translated) strings.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import count
from typing import Iterable, Sequence

from markupsafe import Markup, escape

# Same colours as the grade badges in static/css/app.css (.grade-aaa … .grade-none).
GRADE_COLOURS: dict[str | None, str] = {
    "AAA": "#1b5e20", "AA": "#388e3c", "A": "#689f38",
    "B": "#f9a825", "C": "#ef6c00", "D": "#c62828", None: "#9e9e9e",
}
# Text colour readable on each grade colour (B is a light yellow: dark text, as in app.css).
GRADE_TEXT: dict[str | None, str] = {g: ("#222222" if g == "B" else "#ffffff") for g in GRADE_COLOURS}
GRADE_ORDER = ("AAA", "AA", "A", "B", "C", "D")

# A colour-blind friendly palette for non-grade series (Okabe–Ito, darkened where text sits on it).
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#6a3d9a", "#555555")
PRIMARY = "#1565c0"
AXIS = "#9e9e9e"
GRID = "#e0e0e0"
TEXT = "#222222"
MUTED = "#666666"

FONT_FAMILY = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
FONT_SIZE = 12

_ids = count(1)


@dataclass
class Bar:
    label: str
    value: float
    href: str | None = None
    colour: str | None = None


@dataclass
class Segment:
    key: str | None          # series key (a grade, a kind …); picks the colour from the series list
    value: float
    href: str | None = None


@dataclass
class StackRow:
    label: str
    segments: list[Segment]
    href: str | None = None  # the row label links here (e.g. the whole county's list)


@dataclass
class Series:
    key: str | None
    label: str
    colour: str | None = None
    text_colour: str = "#ffffff"


@dataclass
class Line:
    label: str
    values: list[float | None]
    colour: str | None = None
    hrefs: list[str | None] = field(default_factory=list)


def grade_series(labels: dict[str | None, str] | None = None, *, include_none: bool = False) -> list[Series]:
    """The grade series AAA…D (and optionally "not graded") with the app's grade colours."""
    keys: list[str | None] = list(GRADE_ORDER) + ([None] if include_none else [])
    labels = labels or {}
    return [Series(k, labels.get(k, k if k is not None else "—"), GRADE_COLOURS[k], GRADE_TEXT[k]) for k in keys]


# ---------------------------------------------------------------- helpers


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Estimated rendered width: CJK and full-width characters take one em, others about 0.6 em."""
    w = 0.0
    for ch in str(text):
        o = ord(ch)
        if o >= 0x2E80 or 0xFF00 <= o <= 0xFFEF:
            w += size
        elif ch in "il.,:;|!'":
            w += size * 0.3
        elif ch.isupper() or ch in "mwMW%":
            w += size * 0.72
        else:
            w += size * 0.58
    return w


def truncate(text: str, max_width: float, size: float = FONT_SIZE) -> str:
    text = str(text)
    if text_width(text, size) <= max_width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > max_width:
            break
        out += ch
    return out + "…"


def nice_max(value: float) -> float:
    """The smallest 1/2/2.5/5 × 10^n at or above value (an axis end that reads well); at least 4, so
    the four ticks of a chart of small counts stay whole numbers."""
    if value <= 4:
        return 4.0
    exp = math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if m * 10 ** exp >= value:
            return m * 10 ** exp
    return 10 ** (exp + 1)  # pragma: no cover - the loop always returns


def ticks(top: float, n: int = 4) -> list[float]:
    step = top / n
    return [round(step * i, 10) for i in range(n + 1)]


def fmt(value: float) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _attr(v) -> str:
    return str(escape(str(v)))


def _link(inner: str, href: str | None, label: str | None = None) -> str:
    if not href:
        return inner
    aria = f' aria-label="{_attr(label)}"' if label else ""
    return f'<a href="{_attr(href)}" xlink:href="{_attr(href)}"{aria}>{inner}</a>'


def _text(x, y, s, *, anchor="start", size=FONT_SIZE, fill=TEXT, weight=None, baseline="middle") -> str:
    w = f' font-weight="{weight}"' if weight else ""
    # dominant-baseline is not honoured everywhere (WeasyPrint); shift "middle" text by hand.
    if baseline == "middle":
        y = y + size * 0.35
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{fill}"{w}>{escape(str(s))}</text>')


def _svg(width: float, height: float, title: str, body: Iterable[str], desc: str | None = None,
         css_class: str = "chart") -> Markup:
    n = next(_ids)
    tid = f"chart-title-{n}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
             f'class="{_attr(css_class)}" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
             f'height="{height:.0f}" role="img" aria-labelledby="{tid}" '
             f'font-family="{_attr(FONT_FAMILY)}" font-size="{FONT_SIZE}">',
             f'<title id="{tid}">{escape(title)}</title>']
    if desc:
        parts.append(f"<desc>{escape(desc)}</desc>")
    parts.extend(body)
    parts.append("</svg>")
    return Markup("".join(parts))


def _empty(width: float, title: str, empty_text: str | None) -> Markup:
    h = 48
    msg = empty_text if empty_text is not None else _default_empty()
    return _svg(width, h, title, [
        f'<rect x="0.5" y="0.5" width="{width - 1:.0f}" height="{h - 1}" fill="#fafafa" stroke="{GRID}"/>',
        _text(width / 2, h / 2, msg, anchor="middle", fill=MUTED),
    ])


def _default_empty() -> str:
    try:
        from flask_babel import gettext
        return gettext("No data")
    except Exception:  # noqa: BLE001 - outside an app context (scripts): English
        return "No data"


# ---------------------------------------------------------------- bar charts


def bar_chart(bars: Sequence[Bar], *, title: str, horizontal: bool = True, width: int = 360,
              bar_height: int = 22, height: int = 220, unit: str = "", colour: str = PRIMARY,
              empty_text: str | None = None, max_value: float | None = None) -> Markup:
    """A single-series bar chart; horizontal (labels left, values right of the bar) or vertical."""
    bars = list(bars)
    if not bars:
        return _empty(width, title, empty_text)
    top = nice_max(max_value if max_value is not None else max((b.value or 0) for b in bars))
    if horizontal:
        return _hbars(bars, title, width, bar_height, unit, colour, top)
    return _vbars(bars, title, width, height, unit, colour, top)


def _hbars(bars, title, width, bar_height, unit, colour, top) -> Markup:
    gap = 8
    label_w = min(max(text_width(b.label) for b in bars) + 8, width * 0.45)
    value_w = max(text_width(fmt(b.value) + unit) for b in bars) + 8
    plot_w = max(width - label_w - value_w - 4, 40)
    height = len(bars) * (bar_height + gap) + gap
    body = []
    for i, b in enumerate(bars):
        y = gap + i * (bar_height + gap)
        w = plot_w * (b.value or 0) / top
        shown = f"{b.label}: {fmt(b.value)}{unit}"
        inner = (f'<g class="bar"><title>{escape(shown)}</title>'
                 + _text(label_w - 6, y + bar_height / 2, truncate(b.label, label_w - 8), anchor="end")
                 + f'<rect x="{label_w:.1f}" y="{y}" width="{max(w, 0):.1f}" height="{bar_height}" '
                   f'fill="{b.colour or colour}" rx="2"/>'
                 # an invisible full-width hit area keeps short bars clickable on a phone
                 + (f'<rect x="0" y="{y}" width="{width}" height="{bar_height}" fill="#ffffff" '
                    f'fill-opacity="0"/>' if b.href else "")
                 + _text(label_w + w + 4, y + bar_height / 2, fmt(b.value) + unit, weight="600")
                 + "</g>")
        body.append(_link(inner, b.href, shown))
    return _svg(width, height, title, body)


def _vbars(bars, title, width, height, unit, colour, top) -> Markup:
    left, bottom, top_pad = 36, 28, 16
    plot_w = width - left - 4
    plot_h = height - bottom - top_pad
    slot = plot_w / len(bars)
    bw = max(min(slot * 0.7, 48), 4)
    body = _y_axis(left, top_pad, plot_w, plot_h, top)
    for i, b in enumerate(bars):
        x = left + i * slot + (slot - bw) / 2
        h = plot_h * (b.value or 0) / top
        y = top_pad + plot_h - h
        shown = f"{b.label}: {fmt(b.value)}{unit}"
        inner = (f'<g class="bar"><title>{escape(shown)}</title>'
                 f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{h:.1f}" fill="{b.colour or colour}" rx="2"/>'
                 + _text(x + bw / 2, y - 8, fmt(b.value), anchor="middle", size=11, weight="600")
                 + _text(left + i * slot + slot / 2, top_pad + plot_h + 14, truncate(b.label, slot - 2, 11),
                         anchor="middle", size=11)
                 + "</g>")
        body.append(_link(inner, b.href, shown))
    return _svg(width, height, title, body)


def _y_axis(left, top_pad, plot_w, plot_h, top, unit="") -> list[str]:
    out = []
    for t in ticks(top):
        y = top_pad + plot_h - plot_h * t / top
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w:.1f}" y2="{y:.1f}" '
                   f'stroke="{GRID if t else AXIS}" stroke-width="1"/>')
        out.append(_text(left - 4, y, fmt(t) + unit, anchor="end", size=10, fill=MUTED))
    return out


# ---------------------------------------------------------------- stacked bars


def stacked_bar_chart(rows: Sequence[StackRow], series: Sequence[Series], *, title: str,
                      width: int = 360, bar_height: int = 22, percent: bool = False,
                      empty_text: str | None = None, legend: bool = True) -> Markup:
    """Horizontal stacked bars, one per row (e.g. a county), one segment per series (e.g. a grade).

    With ``percent`` every row fills the width (shares); otherwise rows share one scale (the
    largest row total). The row total is printed after the bar. Segments wide enough show their
    count; every segment has a ``<title>`` with label, count and share."""
    rows = [r for r in rows]
    if not rows:
        return _empty(width, title, empty_text)
    by_key = {s.key: (i, s) for i, s in enumerate(series)}
    gap = 8
    label_w = min(max(text_width(r.label) for r in rows) + 8, width * 0.32)
    totals = [sum(s.value or 0 for s in r.segments) for r in rows]
    value_w = max(text_width(fmt(t)) for t in totals) + 8
    plot_w = max(width - label_w - value_w - 4, 40)
    scale_top = max(totals) or 1

    body: list[str] = []
    y0 = 0
    if legend:
        legend_svg, y0 = _legend(series, width)
        body.append(legend_svg)
    height = y0 + len(rows) * (bar_height + gap) + gap
    for i, (r, total) in enumerate(zip(rows, totals)):
        y = y0 + gap + i * (bar_height + gap)
        label = _text(label_w - 6, y + bar_height / 2, truncate(r.label, label_w - 8), anchor="end")
        body.append(_link(f"<g>{label}</g>", r.href, r.label))
        denom = (total or 1) if percent else scale_top
        x = label_w
        ordered = sorted(r.segments, key=lambda s: by_key.get(s.key, (len(series), None))[0])
        for s in ordered:
            if not s.value:
                continue
            idx, ser = by_key.get(s.key, (None, None))
            col = (ser.colour if ser and ser.colour else PALETTE[(idx or 0) % len(PALETTE)])
            tcol = ser.text_colour if ser else "#ffffff"
            name = ser.label if ser else str(s.key)
            w = plot_w * s.value / denom
            share = 100.0 * s.value / total if total else 0
            shown = f"{r.label} · {name}: {fmt(s.value)} ({share:.0f}%)"
            inner = (f'<g class="segment"><title>{escape(shown)}</title>'
                     f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{col}"/>')
            txt = fmt(s.value)
            if text_width(txt, 11) + 4 <= w:
                inner += _text(x + w / 2, y + bar_height / 2, txt, anchor="middle", size=11, fill=tcol)
            inner += "</g>"
            body.append(_link(inner, s.href, shown))
            x += w
        body.append(_text(x + 4, y + bar_height / 2, fmt(total), weight="600"))
    return _svg(width, height, title, body)


def _legend(series: Sequence[Series], width: float) -> tuple[str, float]:
    """Legend items flowed left to right, wrapping; returns the markup and the height used."""
    x, y, row_h = 0.0, 4.0, 18
    out = ['<g class="legend">']
    for i, s in enumerate(series):
        col = s.colour or PALETTE[i % len(PALETTE)]
        w = 14 + text_width(s.label, 11) + 12
        if x + w > width and x > 0:
            x, y = 0.0, y + row_h
        out.append(f'<rect x="{x:.1f}" y="{y + 2:.1f}" width="10" height="10" fill="{col}" rx="2"/>')
        out.append(_text(x + 14, y + 7, s.label, size=11))
        x += w
    out.append("</g>")
    return "".join(out), y + row_h + 2


# ---------------------------------------------------------------- line chart


def line_chart(x_labels: Sequence[str], lines: Sequence[Line], *, title: str, width: int = 360,
               height: int = 220, unit: str = "", empty_text: str | None = None,
               max_value: float | None = None, legend: bool = True) -> Markup:
    """A trend over ordered categories (quarters); ``None`` values leave a gap in the line."""
    x_labels = list(x_labels)
    values = [v for ln in lines for v in ln.values if v is not None]
    if not x_labels or not values:
        return _empty(width, title, empty_text)
    top = nice_max(max_value if max_value is not None else max(values))
    body: list[str] = []
    y0 = 0.0
    if legend and len(lines) > 1:
        legend_svg, y0 = _legend([Series(None, ln.label, ln.colour or PALETTE[i % len(PALETTE)])
                                  for i, ln in enumerate(lines)], width)
        body.append(legend_svg)
    left, bottom, top_pad = 40, 28, 12 + y0
    plot_w = width - left - 12
    plot_h = height - bottom - top_pad
    body += _y_axis(left, top_pad, plot_w, plot_h, top, unit)
    n = len(x_labels)
    step = plot_w / (n - 1) if n > 1 else 0
    xs = [left + (i * step if n > 1 else plot_w / 2) for i in range(n)]
    every = max(1, math.ceil(max(text_width(lbl, 10) for lbl in x_labels) / max(step, 1) + 0.001)) if n > 1 else 1
    for i, lbl in enumerate(x_labels):
        if i % every == 0 or i == n - 1:
            # the first and last labels align with the plot's edges, so they are never cut off
            anchor = "start" if (i == 0 and n > 1) else "end" if (i == n - 1 and n > 1) else "middle"
            x = xs[i] - 4 if anchor == "start" else xs[i] + 4 if anchor == "end" else xs[i]
            body.append(_text(x, top_pad + plot_h + 14, lbl, anchor=anchor, size=10, fill=MUTED))
    for li, ln in enumerate(lines):
        col = ln.colour or PALETTE[li % len(PALETTE)]
        runs, cur = [], []
        for i, v in enumerate(ln.values[:n]):
            if v is None:
                if cur:
                    runs.append(cur)
                cur = []
            else:
                cur.append((xs[i], top_pad + plot_h - plot_h * v / top))
        if cur:
            runs.append(cur)
        for run in runs:
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            body.append(f'<polyline points="{pts}" fill="none" stroke="{col}" stroke-width="2" '
                        f'stroke-linejoin="round"/>')
        for i, v in enumerate(ln.values[:n]):
            if v is None:
                continue
            x, y = xs[i], top_pad + plot_h - plot_h * v / top
            shown = f"{ln.label} · {x_labels[i]}: {fmt(v)}{unit}"
            href = ln.hrefs[i] if i < len(ln.hrefs) else None
            inner = (f'<g class="point"><title>{escape(shown)}</title>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{5 if href else 3.5}" fill="{col}" '
                     f'stroke="#ffffff" stroke-width="1.5"/></g>')
            body.append(_link(inner, href, shown))
    return _svg(width, height, title, body)
