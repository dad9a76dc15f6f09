"""Checks of the devnet and the signing path against implementations we did not write (beem vectors, steem-js)."""
