"""wp-steem-bridge: WordPress to Steem bridge engine."""

__version__ = "0.1.0"
