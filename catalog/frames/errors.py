"""The one error the frame pipeline raises for bad input. Pure."""

from __future__ import annotations

from streamflix.errors import InvalidInput


class InvalidMedia(InvalidInput):
    """The upload is not a usable video or zip of stills; the message is shown to the admin as is."""
