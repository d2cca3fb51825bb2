"""How the results pages write statistics: p-values and lifts as an analyst reads them."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pvalue(value: float | None) -> str:
    """0.0312 -> "0.031"; 3e-12 -> "< 0.0001" (never a misleading "0.0000")."""
    if value is None:
        return "—"
    if value < 0.0001:
        return "< 0.0001"
    return f"{value:.4f}" if value < 0.01 else f"{value:.3f}"


@register.filter
def signed_percent(value: float | None) -> str:
    """0.444 -> "+44.4%"."""
    return "—" if value is None else f"{value:+.1%}"


@register.filter
def percent(value: float | None) -> str:
    """0.123 -> "12.3%"."""
    return "—" if value is None else f"{value:.1%}"
