"""The SVG charts: well-formed, escaped, proportional, linked, titled, in the app's grade colours."""
import re
import xml.etree.ElementTree as ET

from app import charts
from app.charts import Bar, Line, Segment, StackRow

NS = {"s": "http://www.w3.org/2000/svg"}
XLINK = "{http://www.w3.org/1999/xlink}href"


def parse(markup):
    return ET.fromstring(str(markup))


def rects(root):
    return root.findall(".//s:rect", NS)


def test_horizontal_bars_are_proportional_and_linked():
    svg = charts.bar_chart([Bar("城关区", 50, href="/retailers?county=1"), Bar("东区", 25)],
                           title="违规 by county", width=400)
    root = parse(svg)
    assert root.get("viewBox").startswith("0 0 400 ")
    assert root.get("width") == "400" and root.get("height")
    assert root.find("s:title", NS).text == "违规 by county"
    assert "WenQuanYi Micro Hei" in root.get("font-family")
    links = root.findall(".//s:a", NS)
    assert len(links) == 1 and links[0].get("href") == "/retailers?county=1"
    assert links[0].get(XLINK) == "/retailers?county=1"
    bars = [r for r in rects(root) if r.get("fill") == charts.PRIMARY]
    w = [float(r.get("width")) for r in bars]
    assert abs(w[0] - 2 * w[1]) < 0.5 and w[0] > 0
    # each bar carries its own title with label and value
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "城关区: 50" in titles and "东区: 25" in titles


def test_vertical_bars():
    root = parse(charts.bar_chart([Bar("A", 3), Bar("B", 9, colour="#123456")], title="t",
                                  horizontal=False, width=300, height=200))
    fills = {r.get("fill"): float(r.get("height")) for r in rects(root)}
    assert "#123456" in fills and abs(fills["#123456"] - 3 * fills[charts.PRIMARY]) < 0.5


def test_text_is_escaped_and_no_css_variables():
    svg = str(charts.bar_chart([Bar('<script>"x"&', 1, href='/a?b=1&c="2"')], title="<t>"))
    parse(svg)  # still well-formed
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "var(" not in svg and "style=" not in svg


def test_stacked_bars_use_grade_colours_and_link_segments():
    rows = [StackRow("城关区", [Segment("A", 30, href="/retailers?grade=A&county=1"),
                               Segment("B", 10, href="/retailers?grade=B&county=1"),
                               Segment("D", 0)], href="/retailers?county=1"),
            StackRow("东区", [Segment("AAA", 5), Segment("C", 15)])]
    svg = charts.stacked_bar_chart(rows, charts.grade_series(), title="等级分布", width=400)
    root = parse(svg)
    hrefs = [a.get("href") for a in root.findall(".//s:a", NS)]
    assert hrefs == ["/retailers?county=1", "/retailers?grade=A&county=1", "/retailers?grade=B&county=1"]
    fills = [r.get("fill") for r in rects(root) if r.get("height") == "22"]
    assert charts.GRADE_COLOURS["A"] in fills and charts.GRADE_COLOURS["B"] in fills
    assert charts.GRADE_COLOURS["D"] not in fills  # empty segments are not drawn
    # the two rows share one scale: 40 vs 20 units
    seg = {r.get("fill"): float(r.get("width")) for r in rects(root) if r.get("height") == "22"}
    assert abs(seg[charts.GRADE_COLOURS["A"]] - 2 * seg[charts.GRADE_COLOURS["C"]]) < 0.5
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "城关区 · B: 10 (25%)" in titles
    # the legend names every grade
    legend = root.find(".//s:g[@class='legend']", NS)
    assert [t.text for t in legend.findall("s:text", NS)] == list(charts.GRADE_ORDER)


def test_stacked_percent_fills_each_row():
    rows = [StackRow("x", [Segment("A", 1), Segment("B", 3)]), StackRow("y", [Segment("A", 10)])]
    root = parse(charts.stacked_bar_chart(rows, charts.grade_series(), title="t", percent=True,
                                          legend=False, width=300))
    segs = [float(r.get("width")) for r in rects(root)]
    assert abs(segs[0] + segs[1] - segs[2]) < 0.5 and abs(segs[1] - 3 * segs[0]) < 0.5


def test_grade_colours_match_the_stylesheet():
    css = open("app/static/css/app.css", encoding="utf-8").read()
    for g in charts.GRADE_ORDER:
        m = re.search(r"\.grade-%s \{ background: (#[0-9a-f]{6})" % g.lower(), css)
        assert m and m.group(1) == charts.GRADE_COLOURS[g], g


def test_line_chart_points_links_and_gaps():
    svg = charts.line_chart(["2026Q1", "2026Q2", "2026Q3"],
                            [Line("升级", [3, None, 9], hrefs=["/a", None, "/c"]), Line("降级", [1, 2, 3])],
                            title="趋势", width=360, height=200)
    root = parse(svg)
    polylines = root.findall(".//s:polyline", NS)
    assert len(polylines) == 1 + 1 + 1  # the gap splits the first line into two runs
    circles = root.findall(".//s:circle", NS)
    assert len(circles) == 5
    assert [a.get("href") for a in root.findall(".//s:a", NS)] == ["/a", "/c"]
    ys = [float(c.get("cy")) for c in circles[:2]]
    assert ys[0] > ys[1]  # higher value, higher on the chart


def test_empty_charts_say_so():
    for svg in (charts.bar_chart([], title="t", empty_text="暂无数据"),
                charts.stacked_bar_chart([], charts.grade_series(), title="t", empty_text="暂无数据"),
                charts.line_chart(["Q1"], [Line("x", [None])], title="t", empty_text="暂无数据")):
        root = parse(svg)
        assert root.find(".//s:text", NS).text == "暂无数据"


def test_nice_axis_and_width_estimates():
    assert charts.nice_max(0) == 4 and charts.nice_max(3) == 4 and charts.nice_max(7) == 10
    assert charts.nice_max(180) == 200 and charts.nice_max(230) == 250 and charts.nice_max(4.5) == 5
    assert charts.text_width("城关") > charts.text_width("ab")
    assert charts.truncate("一二三四五六七八", 40).endswith("…")
