# shellcheck shell=bash
# Sourced by start.sh (its ats-* servers) and proxy-client.sh (its ats client).

# ats_runroot DIR: a runroot for Apache Traffic Server (Debian trafficserver) under DIR, for
# traffic_server alone, without traffic_manager or systemd: its config, runtime, log and cache
# dirs under DIR (binaries and plugins from the package), and the files it loads at start, empty
# where the defaults do (storage.config empty: "Cache Disabled"; sni.yaml and
# ssl_multicert.config for the caller to fill).
ats_runroot() {
  local dir=$1 f
  mkdir -p "$dir/etc" "$dir/run" "$dir/log" "$dir/cache" "$dir/var"
  cat >"$dir/runroot.yaml" <<YAML
prefix: /usr
exec_prefix: /usr
bindir: /usr/bin
sbindir: /usr/sbin
sysconfdir: $dir/etc
datadir: /usr/share/trafficserver
includedir: /usr/include
libdir: /usr/lib/trafficserver
libexecdir: /usr/lib/trafficserver/modules
localstatedir: $dir/var
runtimedir: $dir/run
logdir: $dir/log
cachedir: $dir/cache
YAML
  for f in storage.config cache.config hosting.config parent.config plugin.config socks.config \
    splitdns.config volume.config strategies.yaml sni.yaml ssl_multicert.config; do
    : >"$dir/etc/$f"
  done
}
