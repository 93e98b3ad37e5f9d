#!/usr/bin/env bash
# The Debian package (make deb, scripts/make-deb) from the already built binary: its contents,
# its control data, lintian (fails on any error or warning that is not overridden with a reason),
# the systemd unit (its sandbox, and `systemd-analyze verify` when systemd is installed), and the
# package extracted into a scratch root: the installed binary started with the installed
# configuration answers /healthz, makes the first admin key, and stops cleanly on SIGTERM.
# Nothing is installed on the host.
#   tests/integration/package_test.sh KEYWARD_BINARY WORKDIR
set -euo pipefail

binary=$1
work=$2
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
pid=
cleanup() { if [[ -n "$pid" ]]; then kill -KILL "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT

# 1. Build it.
deb=$("$src/scripts/make-deb" "$binary" "$work/out")
[[ -f "$deb" ]] || fail "make-deb wrote no package"
echo "built $deb"

# 2. Its contents: every file where Debian expects it, owned by root.
listing=$(dpkg-deb -c "$deb")
for path in ./usr/bin/keyward ./etc/keyward/keyward.toml ./lib/systemd/system/keyward.service \
            ./usr/share/doc/keyward/copyright ./usr/share/doc/keyward/changelog.Debian.gz \
            ./usr/share/doc/keyward/operations.md.gz ./usr/share/man/man8/keyward.8.gz \
            ./usr/share/lintian/overrides/keyward; do
  grep -q " $path\$" <<<"$listing" || fail "the package has no $path"
done
if awk '{print $2}' <<<"$listing" | grep -v '^root/root$'; then fail "files not owned by root/root"; fi
grep -q '^-rwxr-xr-x .* ./usr/bin/keyward$' <<<"$listing" || fail "usr/bin/keyward is not 0755"
[[ $(dpkg-deb -f "$deb" Package) == keyward ]] || fail "Package is not keyward"
[[ $(dpkg-deb -f "$deb" Version) == "$("$binary" --version)-1" ]] || fail "Version is not the binary's"
depends=$(dpkg-deb -f "$deb" Depends)
for dep in adduser libc6 libsqlite3-0 libssl3 libgrpc++; do
  grep -q "$dep" <<<"$depends" || fail "Depends lacks $dep: $depends"
done
control="$work/control"
dpkg-deb -e "$deb" "$control"
[[ $(cat "$control/conffiles") == /etc/keyward/keyward.toml ]] || fail "keyward.toml is not the conffile"
for script in postinst prerm postrm; do sh -n "$control/$script" || fail "$script does not parse"; done
grep -q 'adduser --system' "$control/postinst" || fail "postinst makes no system user"
grep -q 'deluser --system' "$control/postrm" || fail "postrm does not remove the user on purge"
(cd "$work" && mkdir -p md5 && dpkg-deb -x "$deb" md5 && cd md5 && md5sum --quiet -c "$control/md5sums") ||
  fail "md5sums do not match the files"

# 3. lintian: no error, no warning (the justified ones are overridden in the package, with reasons).
command -v lintian >/dev/null || fail "lintian is not installed (scripts/install-deps installs it)"
report=$(lintian --fail-on error,warning "$deb" 2>&1) || { echo "$report" >&2; fail "lintian"; }
echo "lintian: clean${report:+ ($report)}"

# 4. Extract into a scratch root.
root="$work/root"
dpkg-deb -x "$deb" "$root"
installed="$root/usr/bin/keyward"
if readelf -S "$installed" | grep -q '\.symtab'; then fail "usr/bin/keyward is not stripped"; fi
config="$root/etc/keyward/keyward.toml"
grep -q '^url = "sqlite:///var/lib/keyward/keyward.db"$' "$config" || fail "the config's store is not in /var/lib/keyward"
diff <(grep -v -e '^url = ' -e '^#   keyward serve' "$src/keyward.example.toml") \
     <(grep -v -e '^url = ' -e '^#   keyward serve' "$config") >/dev/null ||
  fail "keyward.toml differs from keyward.example.toml beyond the store path"

# The unit: the user, the sandbox, the state directory.
unit="$root/lib/systemd/system/keyward.service"
for line in 'User=keyward' 'ExecStart=/usr/bin/keyward serve --config /etc/keyward/keyward.toml' \
            'StateDirectory=keyward' 'WorkingDirectory=/var/lib/keyward' 'NoNewPrivileges=yes' \
            'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
            'CapabilityBoundingSet=' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
            'SystemCallFilter=@system-service' 'StandardOutput=null' 'WantedBy=multi-user.target'; do
  grep -qxF "$line" "$unit" || fail "the unit lacks '$line'"
done
if command -v systemd-analyze >/dev/null; then
  # verify checks that ExecStart exists: point it at the extracted binary.
  mkdir -p "$work/unit"
  sed "s|/usr/bin/keyward|$installed|" "$unit" > "$work/unit/keyward.service"
  systemd-analyze verify --man=no --recursive-errors=no "$work/unit/keyward.service" ||
    fail "systemd-analyze verify"
  echo "systemd-analyze verify: clean"
else
  echo "systemd-analyze not installed: unit not verified"
fi

# 5. The installed binary with the installed configuration, its store in the scratch root
#    (KEYWARD_STORE_URL: the environment overrides the file, as the unit's keyward.env may).
export KEYWARD_STORE_URL="sqlite://$root/var/lib/keyward/keyward.db"
"$installed" serve --config "$config" --listen 127.0.0.1:0 >"$work/stdout" 2>"$work/stderr" &
pid=$!
port=
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*"listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/stderr" | head -1)
  [[ -n "$port" ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/stderr" >&2; fail "the installed binary exited"; }
  sleep 0.1
done
[[ -n "$port" ]] || { cat "$work/stderr" >&2; fail "the installed binary did not listen"; }
status=
for _ in $(seq 1 300); do
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)
  [[ "$status" == 200 ]] && break
  sleep 0.1
done
[[ "$status" == 200 ]] || fail "/healthz answered $status"
echo "installed binary on port $port: /healthz 200"
for _ in $(seq 1 300); do grep -q 'first start' "$work/stdout" && break; sleep 0.1; done
grep -q 'first start' "$work/stdout" || fail "no first admin key on stdout"
[[ -f "$root/var/lib/keyward/keyward.db" ]] || fail "no store in var/lib/keyward"
# The documented way to the first admin key under systemd (stdout goes nowhere there).
key=$("$installed" admin-key create --config "$config" --name package-test)
[[ -n "$key" ]] || fail "admin-key create printed nothing"
auth=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" \
       "http://127.0.0.1:$port/v1/accounts")
[[ "$auth" == 200 ]] || fail "the admin key from admin-key create got $auth on /v1/accounts"
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=
[[ $code -eq 0 ]] || fail "the installed binary exited $code on SIGTERM"
if grep -qF "$key" "$work/stderr"; then fail "the admin key reached the log"; fi
echo "PASS"
