"""Theme painters, one module per family of themes.

One function per theme, plus the theme's style (palette and typography) next
to it, since the painter reads the palette's keys. Every painter leaves the
text area (given by its Typography.anchor) calm enough for the title; the
renderer adds a scrim anyway.
"""
