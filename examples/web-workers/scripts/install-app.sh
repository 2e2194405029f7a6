#!/bin/sh
# Installs what every process type of the app needs, so instances boot ready.
set -eu
mkdir -p /opt/app /etc/systemd/journald.conf.d
cp /tmp/journald.conf /etc/systemd/journald.conf.d/app.conf
useradd --system --home-dir /opt/app app 2>/dev/null || true
