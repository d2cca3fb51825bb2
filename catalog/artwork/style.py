"""What a theme's look is made of: a painter, a palette and the title's typography."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.artwork.canvas import Painter


@dataclass(frozen=True)
class Typography:
    """How a theme sets its title: face, case, colours and placement."""

    role: str
    fill: str
    stroke: str
    year: str
    case: str = "title"  # "upper" or "title" (as given)
    tracking: float = 0.0  # extra letter spacing, in em
    anchor: str = "bottom-left"  # bottom-left | bottom-center | top-left (| -right: a mirrored layout)
    width: float = 0.6  # share of the card width the title may use
    scale: float = 1.0  # relative size: condensed faces can run larger
    distressed: bool = False
    scrim: float = 0.55  # base opacity of the darkening band behind the text
    scrim_colour: str = "#000000"
    margin_bottom: float = 0.0  # extra bottom margin (film strips, frames)


@dataclass(frozen=True)
class Style:
    painter: Painter
    palette: dict[str, str]
    type: Typography
    alternates: tuple[Painter, ...] = ()  # other compositions of the theme, reading the same palette

    @property
    def painters(self) -> tuple[Painter, ...]:
        return (self.painter, *self.alternates)


def make_style(
    painter: Painter, palette: dict[str, str], *, alternates: tuple[Painter, ...] = (), **typography: object
) -> Style:
    return Style(painter, palette, Typography(**typography), alternates)  # type: ignore[arg-type]
