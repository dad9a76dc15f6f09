"""Deployment material (plugin, cron/systemd units, local WordPress scripts) and the local
development stack. Not part of the shipped package: ``bridge`` never imports it."""
