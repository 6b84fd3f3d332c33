"""esp-tui: the ESP training Team Lead's terminal app."""

__version__ = "0.1.0"
