"""Bar charts of the reports, drawn on the server as SVG by pygal (Kozea's, like WeasyPrint).

Drawn on the server so the page needs no script and no CDN: the SVG is part of the HTML. Each
chart is one series in one colour with its value written on each bar, so nothing is told by colour
alone; it is an image named by its title whose text alternative is the table printed beneath it
(``aria-describedby``). pygal's tooltips script would be fetched from the network: it is left out
(``js=[]``).
"""

import math

import pygal
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

#: Django admin's own blue; the bars' values are written in the text colour beside them.
STYLE = pygal.style.Style(
    background="transparent",
    plot_background="transparent",
    foreground="#333333",
    foreground_strong="#333333",
    foreground_subtle="#767676",
    colors=("#417690",),
    value_colors=("#1a1a1a",),
    font_family="-apple-system, BlinkMacSystemFont, 'Segoe UI', system-ui, Roboto, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=13,
    value_label_font_size=13,
    title_font_size=16,
)
#: Bars drawn at most: a longer table is drawn for its first rows (the table and the export hold all).
MAX_BARS = 25
LABEL_LENGTH = 40
NO_DATA = _("No data")


def _whole_steps(values):
    """Axis marks 0, 1, 2 … for counts (pygal would mark 0.1, 0.2 … under a maximum of 1)."""
    top = max((v for v in values if v is not None), default=0)
    step = max(1, math.ceil(top / 10))
    return list(range(0, int(top) + step + 1, step))


def bar_chart(title, labels, values, *, horizontal=True, unit="", table_id="", chart_id="", whole=False):
    """An accessible SVG bar chart (safe HTML): ``labels`` and their ``values`` (None: no bar).

    ``whole``: the values are counts, marked on the axis in whole numbers.
    """
    labels, values = list(labels)[:MAX_BARS], list(values)[:MAX_BARS]
    chart_class = pygal.HorizontalBar if horizontal else pygal.Bar
    height = max(140, 70 + 34 * len(labels)) if horizontal else 340
    chart = chart_class(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        show_legend=False,
        print_values=True,
        print_values_position="top",
        value_formatter=(lambda v: f"{v:g}\u00a0{unit}".strip()) if unit else (lambda v: f"{v:g}"),
        width=800,
        height=height,
        truncate_label=LABEL_LENGTH,
        x_label_rotation=0 if horizontal else 30,
        no_data_text=str(NO_DATA),
        margin=8,
        spacing=8,
        explicit_size=False,
    )
    # pygal draws a horizontal chart's first label at the bottom: reversed, the chart reads like the table.
    chart.x_labels = [str(label) for label in (reversed(labels) if horizontal else labels)]
    if whole:
        chart.y_labels = _whole_steps(values)
    chart.add(str(title), list(reversed(values)) if horizontal else values)
    svg = chart.render(is_unicode=True)
    attributes = format_html(
        '<svg role="img" aria-label="{}"{}{} ',
        title,
        format_html(' aria-describedby="{}"', table_id) if table_id else "",
        format_html(' data-chart="{}"', chart_id) if chart_id else "",
    )
    return mark_safe(svg.replace("<svg ", str(attributes), 1))  # noqa: S308 (pygal escapes the labels it draws)
