"""Charts rendered on the server as inline SVG: no external service, no JavaScript library."""
from __future__ import annotations

from datetime import datetime
from html import escape

from markupsafe import Markup

from tenants.calendar import JST

WIDTH, HEIGHT, PAD_L, PAD_B, PAD_T = 640, 180, 56, 22, 10


def human_bytes(value: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def line_chart(series: list[tuple[str, list[tuple[datetime, float]], str]], since: datetime, until: datetime,
               *, y_max: float | None = None, limit: tuple[float, str] | None = None, fmt=human_bytes,
               title: str = "") -> Markup:
    """One chart: each series is (label, points, colour); an optional limit line (value, label),
    e.g. the 100 Mbit line or a course quota."""
    values = [v for _l, pts, _c in series for _t, v in pts]
    top = max([y_max or 0, *(values or [0]), limit[0] if limit else 0]) or 1
    top *= 1.1
    plot_w, plot_h = WIDTH - PAD_L - 8, HEIGHT - PAD_B - PAD_T
    span = (until - since).total_seconds() or 1

    def x(t):
        return PAD_L + plot_w * max(0.0, min(1.0, (t - since).total_seconds() / span))

    def y(v):
        return PAD_T + plot_h * (1 - v / top)

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f'<rect x="{PAD_L}" y="{PAD_T}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#ccc"/>']
    for frac in (0, 0.5, 1):
        v = top * frac
        parts.append(f'<text x="{PAD_L - 4}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end">{escape(fmt(v))}</text>')
    for frac in (0, 0.5, 1):
        t = since + (until - since) * frac
        parts.append(f'<text x="{PAD_L + plot_w * frac:.1f}" y="{HEIGHT - 6}" font-size="10" text-anchor="middle">'
                     f'{t.astimezone(JST).strftime("%m-%d %H:%M")}</text>')
    if limit:
        parts.append(f'<line x1="{PAD_L}" x2="{PAD_L + plot_w}" y1="{y(limit[0]):.1f}" y2="{y(limit[0]):.1f}" '
                     f'stroke="#c92a2a" stroke-dasharray="4 3"/><text x="{PAD_L + plot_w - 2}" y="{y(limit[0]) - 3:.1f}" '
                     f'font-size="10" text-anchor="end" fill="#c92a2a">{escape(limit[1])}</text>')
    for label, points, colour in series:
        if points:
            path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
            parts.append(f'<polyline fill="none" stroke="{escape(colour)}" stroke-width="1.5" points="{path}">'
                         f'<title>{escape(label)}</title></polyline>')
    if not values:
        parts.append(f'<text x="{PAD_L + plot_w / 2}" y="{PAD_T + plot_h / 2}" text-anchor="middle" '
                     f'font-size="12" fill="#888">—</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
