"""The demo's one error: a scene did not happen as it should."""


class DemoError(Exception):
    """A scene did not happen as it should; the message names what was missing."""
