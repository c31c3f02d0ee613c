#!/usr/bin/env bash
# Measure what every real server does with curl, openssl s_client and (for the one case those tools
# cannot send) the stdlib Go client in go/client. Nothing of ours is involved.
#
#   tests/servers/ground-truth.sh [OUTDIR] [SERVER...]
#
# Writes OUTDIR/ground-truth.tsv (server, tls, probe, result) and prints a markdown table.
# Result codes:  200/400/401/403   the HTTP status
#                alert:<name>      a TLS alert from the server (name as OpenSSL prints it)
#                empty-reply       handshake done, connection closed with no HTTP response
#                err:<text>        anything else
# "CR" is whether a CertificateRequest was sent (s_client printed "Requested Signature Algorithms"),
# "CA names" the acceptable client CA names it carried.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

out=${1:-$(mktemp -d)}
shift || true
mkdir -p "$out"
out=$(cd "$out" && pwd)
pki=$out/pki work=$out/work
mkdir -p "$work"
if [ ! -f "$pki/wrong-eku.crt" ]; then
  "$here/pki.sh" "$pki" >/dev/null
  "$here/client-certs.sh" "$pki" >/dev/null
fi
(cd "$here/go" && GOTOOLCHAIN=local GOPROXY=off GOFLAGS= go build -o "$work/gtclient" ./client)

if [ $# -gt 0 ]; then servers=("$@"); else mapfile -t servers < <("$here/start.sh" --list); fi
trap stop_servers EXIT
t0=$(date +%s.%N)
start_servers "$pki" "$work" "${servers[@]}"
t1=$(date +%s.%N)
echo "started ${#servers[@]} servers in $(python3 -c "print(round($t1-$t0,2))") s" >&2

alert_name() { # RFC 8446 alert number -> name
  case $1 in
  40) echo handshake_failure ;; 42) echo bad_certificate ;; 43) echo unsupported_certificate ;;
  44) echo certificate_revoked ;; 45) echo certificate_expired ;; 46) echo certificate_unknown ;;
  48) echo unknown_ca ;; 49) echo access_denied ;; 50) echo decode_error ;; 51) echo decrypt_error ;;
  80) echo internal_error ;; 116) echo certificate_required ;; *) echo "alert$1" ;;
  esac
}

# sc_probe PORT VER [CERTNAME]: openssl s_client, request sent 250 ms after the handshake so that a
# TLS 1.3 server's post-handshake alert is read before the request could provoke a TCP reset.
sc_probe() {
  local port=$1 ver=$2 c=${3:-} args=() o e
  [ -n "$c" ] && args=(-cert "$pki/$c.crt" -key "$pki/$c.key")
  o=$(mktemp "$work/sc.XXXXXX") e=$(mktemp "$work/sc.XXXXXX")
  { sleep 0.25; printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n'; } |
    timeout 8 openssl s_client -connect "127.0.0.1:$port" "-tls${ver/./_}" -servername localhost \
      -quiet "${args[@]}" >"$o" 2>"$e" || true
  if grep -q '^HTTP/1\.[01] [0-9][0-9][0-9]' "$o"; then
    head -1 "$o" | awk '{print $2}'
  elif grep -q 'SSL alert number' "$e"; then
    echo "alert:$(alert_name "$(grep -o 'SSL alert number [0-9]*' "$e" | head -1 | awk '{print $4}')")"
  elif grep -q 'errno=104' "$e"; then
    echo "reset"
  else
    echo "closed"
  fi
  rm -f "$o" "$e"
}

# curl_probe PORT VER [CERTNAME]: one GET from curl, sent as soon as the handshake is done (what a
# plain HTTP client sees). Prints the status, alert:<text as curl prints it>, or err:<curl exit>.
curl_probe() {
  local port=$1 ver=$2 c=${3:-} args=() rc err code
  [ -n "$c" ] && args=(--cert "$pki/$c.crt" --key "$pki/$c.key")
  err=$(mktemp "$work/curl.XXXXXX")
  set +e
  code=$(curl -sS -k --max-time 8 "--tlsv$ver" --tls-max "$ver" "${args[@]}" -o /dev/null \
    -w '%{http_code}' "https://127.0.0.1:$port/" 2>"$err")
  rc=$?
  set -e
  local msg
  msg=$(tr '\n' ' ' <"$err")
  rm -f "$err"
  if [ $rc -eq 0 ]; then
    echo "$code"
  elif [[ $msg =~ alert\ ([a-z0-9 ]+[a-z]) ]]; then
    local a=${BASH_REMATCH[1]}
    a=${a#tlsv13 alert }; a=${a#sslv3 alert }; a=${a#tlsv1 alert }
    echo "alert:${a// /_}"
  elif [[ $msg == *"Empty reply"* ]]; then
    echo "empty-reply"
  elif [[ $msg == *"reset by peer"* ]]; then
    echo "reset"
  else
    echo "err:$rc"
  fi
}

# nokey_probe PORT VER: client.crt presented with a key that is not its own (Go client, which also
# waits 250 ms before sending its request).
nokey_probe() {
  local r
  r=$("$work/gtclient" -addr "127.0.0.1:$1" -tls "$2" -cert "$pki/client.crt" -key "$pki/nokey.key")
  case $r in
  http=*) echo "${r#http=}" ;;
  *"error decrypting message"*) echo "alert:decrypt_error" ;;
  *"remote error: tls: "*)
    local a=${r#*remote error: tls: }
    echo "alert:${a// /_}" ;;
  *"connection reset"*) echo "reset" ;;
  *EOF*) echo "closed" ;;
  *) echo "err:${r:0:80}" ;;
  esac
}

# sclient_info PORT VER: "yes|<CA names joined by ;>" or "no|"
sclient_info() {
  local port=$1 ver=$2 txt
  txt=$(openssl s_client -connect "127.0.0.1:$port" "-tls${ver/./_}" -servername localhost \
    </dev/null 2>&1 || true)
  if grep -q '^Requested Signature Algorithms' <<<"$txt"; then
    local cas
    cas=$(awk '/^Acceptable client certificate CA names/{f=1;next} /^(Client Certificate Types|Requested Signature)/{f=0} f' <<<"$txt" | paste -sd';' -)
    echo "yes|${cas:-(none)}"
  else
    echo "no|"
  fi
}

probes=(none client untrusted selfsigned forged forged-akid forged-samekid expired notyet wrong-eku nokey)
# measure_server NAME: all probes on one server, rows to $work/rows.NAME, tsv to $work/tsv.NAME
measure_server() {
  local s=$1 port=${SERVER_PORT[$1]} ver info cr cas row p r cr_row
  : >"$work/rows.$s"; : >"$work/tsv.$s"; : >"$work/curl.$s"
  for ver in 1.3 1.2; do
    info=$(sclient_info "$port" "$ver")
    cr=${info%%|*} cas=${info#*|}
    printf '%s\t%s\tcert-request\t%s\n' "$s" "$ver" "$cr" >>"$work/tsv.$s"
    printf '%s\t%s\tca-names\t%s\n' "$s" "$ver" "$cas" >>"$work/tsv.$s"
    row="| $s | $ver | $cr | ${cas:--} |"
    cr_row="| $s | $ver |"
    for p in "${probes[@]}"; do
      case $p in
      none) r=$(sc_probe "$port" "$ver") ;;
      nokey) r=$(nokey_probe "$port" "$ver") ;;
      *) r=$(sc_probe "$port" "$ver" "$p") ;;
      esac
      printf '%s\t%s\t%s\t%s\n' "$s" "$ver" "$p" "$r" >>"$work/tsv.$s"
      row+=" $r |"
      if [ "$p" != nokey ]; then
        local cu
        if [ "$p" = none ]; then cu=$(curl_probe "$port" "$ver"); else cu=$(curl_probe "$port" "$ver" "$p"); fi
        printf '%s\t%s\tcurl-%s\t%s\n' "$s" "$ver" "$p" "$cu" >>"$work/tsv.$s"
        cr_row+=" $cu |"
      fi
    done
    echo "$row" >>"$work/rows.$s"
    echo "$cr_row" >>"$work/curl.$s"
  done
}

mpids=()
for s in "${servers[@]}"; do
  measure_server "$s" &
  mpids+=($!)
done
wait "${mpids[@]}"
tsv=$out/ground-truth.tsv
printf 'server\ttls\tprobe\tresult\n' >"$tsv"
echo "| server | TLS | CR | CA names | $(IFS='|'; echo "${probes[*]}" | sed 's/|/ | /g') |"
echo "|---|---|---|---|$(printf -- '---|%.0s' "${probes[@]}")"
for s in "${servers[@]}"; do cat "$work/rows.$s"; cat "$work/tsv.$s" >>"$tsv"; done
echo
echo "curl (request sent immediately after the handshake):"
echo
echo "| server | TLS | $(IFS='|'; echo "${probes[*]:0:10}" | sed 's/|/ | /g') |"
echo "|---|---|$(printf -- '---|%.0s' "${probes[@]:0:10}")"
for s in "${servers[@]}"; do cat "$work/curl.$s"; done
echo "raw results: $tsv" >&2
